import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { addSockets, commitOffline, newRecord, setSockets, viewOf } from './presence-record';
import type { PresenceChange } from './presence-broadcaster';
import { MemoryPresenceStore } from './presence-store';
import { PresenceMetrics } from './presence.metrics';
import { PresenceService } from './presence.service';

const DEBOUNCE = 1500;
const logger = { warn: jest.fn(), info: jest.fn() } as unknown as Logger;

describe('presence-record', () => {
  it('goes online with the first socket anywhere and offline only once the last is gone', () => {
    const r = newRecord();
    expect(addSockets(r, 'n1', 1, 0, DEBOUNCE)).toBe('online');
    expect(addSockets(r, 'n2', 1, 10, 10 + DEBOUNCE)).toBeUndefined();
    expect(addSockets(r, 'n1', -1, 20, 20 + DEBOUNCE)).toBeUndefined();
    expect(addSockets(r, 'n2', -1, 30, 30 + DEBOUNCE)).toBe('pending');
    expect(viewOf(r)).toEqual({ status: 'online', lastSeenAt: null }); // until it is due
    expect(commitOffline(r, 30 + DEBOUNCE - 1)).toBeUndefined();
    expect(commitOffline(r, 30 + DEBOUNCE)).toBe(30);
    expect(commitOffline(r, 30 + DEBOUNCE)).toBeUndefined();
    expect(viewOf(r)).toEqual({ status: 'offline', lastSeenAt: 30 });
  });

  it('cancels a pending offline when a socket comes back, and never pushes a due time back', () => {
    const r = newRecord();
    addSockets(r, 'n1', 1, 0, DEBOUNCE);
    expect(addSockets(r, 'n1', -1, 100, 100 + DEBOUNCE)).toBe('pending');
    expect(addSockets(r, 'n2', 1, 600, 600 + DEBOUNCE)).toBeUndefined();
    expect(commitOffline(r, 10_000)).toBeUndefined();
    expect(viewOf(r).status).toBe('online');

    expect(setSockets(r, 'n2', 0, 700, 700 + DEBOUNCE)).toBe('pending');
    expect(setSockets(r, 'n2', 0, 900, 900 + DEBOUNCE)).toBeUndefined(); // a second reaper
    expect(commitOffline(r, 700 + DEBOUNCE)).toBe(700);
  });
});

describe('PresenceService', () => {
  let store: MemoryPresenceStore;
  let pushed: PresenceChange[];
  const node = (nodeId: string, failing?: { on: boolean }) => {
    const base = store;
    const s = new Proxy(base, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          failing?.on ? Promise.reject(new Error('redis down')) : value.apply(target, args);
      },
    });
    const broadcaster = { typing: jest.fn(), presence: (c: PresenceChange) => pushed.push(c) };
    const metrics = new PresenceMetrics(new Registry());
    return new PresenceService(
      s,
      broadcaster,
      metrics,
      { nodeId, offlineDebounceMs: DEBOUNCE },
      logger,
    );
  };
  const settle = () => jest.advanceTimersByTimeAsync(0);

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    store = new MemoryPresenceStore();
    pushed = [];
  });
  afterEach(() => jest.useRealTimers());

  it('keeps a user online across devices and pushes offline with lastSeenAt after the debounce', async () => {
    const [a, b] = [node('a'), node('b')];
    a.socketOpened('u');
    b.socketOpened('u');
    await settle();
    expect(pushed).toEqual([{ userId: 'u', status: 'online', lastSeenAt: null }]);
    a.socketClosed('u');
    await jest.advanceTimersByTimeAsync(5000);
    expect(pushed).toHaveLength(1);

    const leftAt = Date.now();
    b.socketClosed('u');
    await jest.advanceTimersByTimeAsync(DEBOUNCE - 100);
    expect(pushed).toHaveLength(1);
    expect(await b.statusOf(['u'])).toEqual({ u: { status: 'online', lastSeenAt: null } });
    await jest.advanceTimersByTimeAsync(200);
    const lastSeenAt = new Date(leftAt).toISOString();
    expect(pushed[1]).toEqual({ userId: 'u', status: 'offline', lastSeenAt });
    expect(await a.statusOf(['u', 'never'])).toEqual({
      u: { status: 'offline', lastSeenAt },
      never: { status: 'offline', lastSeenAt: null },
    });
  });

  it('pushes nothing for a connection that flaps within the window, even across nodes', async () => {
    const [a, b] = [node('a'), node('b')];
    a.socketOpened('u');
    await settle();
    a.socketClosed('u');
    await jest.advanceTimersByTimeAsync(700);
    b.socketOpened('u');
    await jest.advanceTimersByTimeAsync(5000);
    await a.commitDue();
    expect(pushed.map((p) => p.status)).toEqual(['online']);
  });

  it('reaps a dead node: its users go offline after the debounce unless seen elsewhere', async () => {
    const [dead, a] = [node('dead'), node('a')];
    dead.socketOpened('u');
    dead.socketOpened('v');
    a.socketOpened('v');
    await settle();
    dead.stop();
    expect(await a.reap('dead')).toBe(2);
    expect(await store.takeTombstone('dead')).toBe(true);
    await jest.advanceTimersByTimeAsync(DEBOUNCE + 50);
    expect(pushed.filter((p) => p.status === 'offline').map((p) => p.userId)).toEqual(['u']);
    expect(await store.nodes()).toEqual(['a']);
  });

  it('reconciles its own counts after a failed step', async () => {
    const failing = { on: false };
    const a = node('a', failing);
    a.socketOpened('u');
    await settle();
    failing.on = true;
    a.socketOpened('u');
    a.socketClosed('u');
    a.socketClosed('u');
    await settle();
    expect(a.needsReconcile).toBe(true);
    failing.on = false;
    await a.reconcile();
    expect(a.needsReconcile).toBe(false);
    expect(store.records.get('u')?.sockets.size).toBe(0);
    await jest.advanceTimersByTimeAsync(DEBOUNCE + 50);
    expect(pushed.map((p) => p.status)).toEqual(['online', 'offline']);
  });

  it('at boot, clears what a previous process with the same id left behind', async () => {
    node('a').socketOpened('u');
    await settle();
    const reborn = node('a');
    await reborn.reconcile();
    await jest.advanceTimersByTimeAsync(DEBOUNCE + 50);
    expect(pushed.map((p) => p.status)).toEqual(['online', 'offline']);
  });
});
