import { userId } from '../../../src/common/schemas';
import {
  answerOf,
  dueAt,
  memberOf,
  parseDuration,
  readStamp,
  SeqLog,
  signToken,
  stampContent,
  tokenSubject,
  userIdFor,
} from '../../../load/k6/lib/chat';

describe('SeqLog', () => {
  it('keeps the contiguous cursor, the max, the gaps and the duplicates', () => {
    const log = new SeqLog();
    expect([1, 2, 4, 2, 7].map((s) => log.see(s))).toEqual([true, true, true, false, true]);
    expect({ cursor: log.cursor, max: log.max, gaps: log.gaps }).toEqual({
      cursor: 2,
      max: 7,
      gaps: 3, // 3, 5, 6
    });
    expect(log.see(3)).toBe(true);
    expect(log.cursor).toBe(4);
    expect(log.see(4)).toBe(false);
    expect(log.has(6)).toBe(false);
    log.see(6);
    log.see(5);
    expect({ cursor: log.cursor, gaps: log.gaps }).toEqual({ cursor: 7, gaps: 0 });
  });

  it('starts from a cursor and refuses what is not a seq', () => {
    const log = new SeqLog(10);
    expect(log.see(10)).toBe(false);
    expect(log.see(11)).toBe(true);
    expect(() => log.see(0)).toThrow('not a seq');
    expect(() => log.see(1.5)).toThrow('not a seq');
  });
});

describe('send stamps', () => {
  it('round-trip the due time and origin at the requested size', () => {
    const content = stampContent(1_764_000_000_123.4, 'vu12-3', 200);
    expect(content).toHaveLength(200);
    expect(readStamp(content)).toEqual({ dueAt: 1_764_000_000_123, origin: 'vu12-3' });
    expect(readStamp(stampContent(5, 'a'))).toEqual({ dueAt: 5, origin: 'a' });
    expect(readStamp('hello k6 5 a')).toBeUndefined();
    expect(readStamp(null)).toBeUndefined(); // a deleted message
  });
});

describe('identities and tokens', () => {
  it('derives distinct user ids that Parley accepts', () => {
    const run = 'a1b2c3d4e5f60718293a';
    const ids = [0, 1, 255, 2 ** 40].map((i) => userIdFor(run, i));
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(userId.safeParse(id).success).toBe(true);
    expect(ids[2]).toBe('a1b2c3d4-e5f6-4071-8829-0000000000ff');
    expect(() => userIdFor('short', 1)).toThrow('18 hex');
    expect(() => userIdFor(run, -1)).toThrow('bad index');
  });

  it('builds a JWT whose parts decode to the claims, and reads its sub back', () => {
    const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
    const token = signToken(
      { sub: 'U', aud: 'chat', iss: 'me', iat: 1, exp: 2 },
      b64url,
      (input) => `sig(${input.length})`,
    );
    const [h, p, s] = token.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
    });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({
      sub: 'U',
      aud: 'chat',
      iss: 'me',
      iat: 1,
      exp: 2,
    });
    expect(s).toBe(`sig(${h.length + 1 + p.length})`);
    const decode = (x: string) => Buffer.from(x, 'base64url').toString();
    expect(tokenSubject(token, decode)).toBe('u');
    expect(() => tokenSubject('garbage', decode)).toThrow('no readable sub');
  });
});

describe('answerOf', () => {
  it('passes Parley answers through and names local failures', () => {
    expect(answerOf({ args: [{ ok: true, data: 1 }] })).toEqual({ ok: true, data: 1 });
    const refused = { ok: false, error: { code: 'forbidden', message: 'no' } };
    expect(answerOf({ args: [refused] })).toEqual(refused);
    expect(answerOf({ failed: 'timeout' })).toMatchObject({ error: { code: 'ack_timeout' } });
    expect(answerOf({ failed: 'disconnected' })).toMatchObject({ error: { code: 'disconnected' } });
    expect(answerOf({ args: ['weird'] })).toMatchObject({ error: { code: 'bad_ack' } });
  });
});

describe('parameters and schedules', () => {
  it('parses k6 durations', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(() => parseDuration('30')).toThrow('not a duration');
    expect(() => parseDuration('3x')).toThrow('not a duration');
  });

  it('maps VUs to room members', () => {
    expect([0, 9, 10, 25].map((v) => memberOf(v, 10))).toEqual([
      { room: 0, member: 0 },
      { room: 0, member: 9 },
      { room: 1, member: 0 },
      { room: 2, member: 5 },
    ]);
  });

  it('spreads a room’s rate over its senders in turn, independent of answers', () => {
    // 4 msg/s from 2 senders: sender 0 at 0, 500, 1000 ms; sender 1 at 250, 750 ms.
    expect([0, 1, 2].map((k) => dueAt(1000, 4, 2, 0, k))).toEqual([1000, 1500, 2000]);
    expect([0, 1].map((k) => dueAt(1000, 4, 2, 1, k))).toEqual([1250, 1750]);
  });
});
