import { Registry } from 'prom-client';
import type { TypingChange } from './presence-broadcaster';
import { PresenceMetrics } from './presence.metrics';
import { TypingService } from './typing.service';

describe('TypingService', () => {
  let sent: TypingChange[];
  let typing: TypingService;
  const conv = 'c'.repeat(24);

  beforeEach(() => {
    jest.useFakeTimers({ now: 0 });
    sent = [];
    const broadcaster = { typing: (c: TypingChange) => sent.push(c), presence: jest.fn() };
    typing = new TypingService(broadcaster, new PresenceMetrics(new Registry()), {
      throttleMs: 2000,
      timeoutMs: 5000,
    });
  });
  afterEach(() => jest.useRealTimers());

  const flags = () => sent.map((c) => c.isTyping);

  it('expires a quiet typist with a timer and forgets the key', () => {
    typing.typing('u', conv, true, 's1');
    jest.advanceTimersByTime(4999);
    expect(flags()).toEqual([true]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([
      { conversationId: conv, userId: 'u', isTyping: true },
      { conversationId: conv, userId: 'u', isTyping: false },
    ]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('stops on the disconnect of the socket that last typed, not of another device', () => {
    typing.typing('u', conv, true, 's1');
    typing.typing('u', conv, true, 's2');
    typing.socketClosed('s1');
    expect(flags()).toEqual([true]);
    typing.socketClosed('s2');
    expect(flags()).toEqual([true, false]);
    jest.advanceTimersByTime(10_000);
    expect(flags()).toEqual([true, false]);
    expect(jest.getTimerCount()).toBe(0);
  });
});
