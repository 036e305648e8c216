import type { Logger } from 'pino';
import { ChatError } from '../common/chat-error';
import { acked } from './ack';
import { messageSendPayload, syncPayload } from './events';
import { originAllowed } from '../common/cors';

const logger = () =>
  ({ info: jest.fn(), error: jest.fn() }) as unknown as Logger & {
    info: jest.Mock;
    error: jest.Mock;
  };
const id = 'a'.repeat(24);
const valid = { conversationId: id, content: ' hi ', clientMessageId: 'c-1' };

/** Calls `listener` like socket.io does and resolves with the ack's answer. */
const call = (listener: (p: unknown, ack?: unknown) => void, ...args: unknown[]) =>
  new Promise((resolve) => listener(...([...args, resolve] as [unknown, unknown])));

describe('acked', () => {
  it('parses, runs with the parsed input and answers ok', async () => {
    const run = jest.fn(async (input: unknown) => input);
    const answer = await call(acked('message:send', messageSendPayload, run, logger()), valid);
    expect(answer).toEqual({ ok: true, data: { ...valid, content: 'hi' } });
  });

  it('refuses unknown fields and a missing clientMessageId without running', async () => {
    const run = jest.fn();
    const listener = acked('message:send', messageSendPayload, run, logger());
    const extra = await call(listener, { ...valid, senderId: 'someone-else' });
    const missing = await call(listener, { conversationId: id, content: 'x' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(missing).toMatchObject({
      ok: false,
      error: { code: 'validation_failed', details: [{ path: 'clientMessageId' }] },
    });
    expect(run).not.toHaveBeenCalled();
  });

  it('answers a ChatError with its wire form and hides anything else behind internal', async () => {
    const log = logger();
    const refused = acked(
      'sync',
      syncPayload,
      () => Promise.reject(ChatError.rateLimited(1200)),
      log,
    );
    expect(await call(refused, { cursors: {} })).toEqual({
      ok: false,
      error: {
        code: 'rate_limited',
        message: 'too many requests; retry later',
        retryAfterMs: 1200,
      },
    });
    const broken = acked('sync', syncPayload, () => Promise.reject(new Error('db password')), log);
    expect(await call(broken, { cursors: {} })).toEqual({
      ok: false,
      error: { code: 'internal', message: 'internal error' },
    });
    expect(log.error).toHaveBeenCalledTimes(1);
  });

  it('takes a callback sent without a payload as the ack', async () => {
    const answer = await call(acked('sync', syncPayload, async () => 'x', logger()));
    expect(answer).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
  });

  it('applies a command sent without a callback and logs its refusal', async () => {
    const log = logger();
    const run = jest.fn(async () => 'done');
    acked('message:send', messageSendPayload, run, log)(valid);
    acked('message:send', messageSendPayload, run, log)({ nope: true });
    await new Promise((r) => setImmediate(r));
    expect(run).toHaveBeenCalledTimes(1);
    expect(log.info).toHaveBeenCalledWith(
      expect.objectContaining({
        event: 'message:send',
        error: expect.objectContaining({ code: 'validation_failed' }),
      }),
      'socket command refused',
    );
  });

  it('bounds sync to 100 conversations with object-id keys', () => {
    const cursors = (n: number) =>
      Object.fromEntries(
        Array.from({ length: n }, (_, i) => [i.toString(16).padStart(24, '0'), i]),
      );
    expect(syncPayload.safeParse({ cursors: cursors(100) }).success).toBe(true);
    expect(syncPayload.safeParse({ cursors: cursors(101) }).success).toBe(false);
    // zod drops an own `__proto__` key from a record instead of refusing it: never merged.
    const hostile = syncPayload.parse({
      cursors: JSON.parse(`{"__proto__": {"x": 1}, "${id}": 3}`),
    });
    expect(Object.getPrototypeOf(hostile.cursors)).toBe(Object.prototype);
    expect(Object.keys(hostile.cursors)).toEqual([id]);
    expect(syncPayload.safeParse({ cursors: { constructor: 1 } }).success).toBe(false);
    expect(syncPayload.safeParse({ cursors: { [id]: -1 } }).success).toBe(false);
  });
});

describe('originAllowed', () => {
  it.each([
    [undefined, [], true],
    ['https://app.test', ['https://app.test'], true],
    ['https://evil.test', ['https://app.test'], false],
    ['https://app.test.evil.test', ['https://app.test'], false],
    ['https://anything.test', ['*'], true],
    ['https://app.test', [], false],
  ])('%s with %j → %s', (origin, allowlist, expected) => {
    expect(originAllowed(origin, allowlist)).toBe(expected);
  });
});
