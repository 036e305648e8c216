import k6, { resetSamples, samples, type Sample } from '../../support/k6-shim';
import { FAKE_SECRET, fakeParley } from './fake';

/*
 * The k6 room scenarios' glue (load/k6/lib/rooms.ts, room-member.ts, k6-chat.ts,
 * identity.ts, rest.ts) run on the Node stand-in of the k6 API (k6-shim.ts) against
 * fake-parley.mjs in another process:
 * setup creates the rooms over REST with tokens signed as in k6, then one "VU" per member
 * runs the real timeline. The metrics each run records are checked against what the fake
 * server did, including a broadcast it deliberately lost.
 */

// The modules under test are loaded at run time (after __ENV is set, as k6 sets it before
// the init stage) and typed here by hand: the root type-check leaves load/k6 to its own.
interface RoomsConfig {
  rooms: number;
  roomSize: number;
  members: number;
  storm?: { atMs: number; fraction: number; spreadMs: number };
}
interface RoomsModule {
  roomsConfig(defaults: {
    rooms: number;
    roomSize: number;
    senders: number;
    rate: number;
    recover?: boolean;
  }): RoomsConfig;
  setupRooms(cfg: RoomsConfig): { runId: string; rooms: string[]; startAt: number };
  runMember(cfg: RoomsConfig, data: ReturnType<RoomsModule['setupRooms']>): void;
}

const LIB = '../../../load/k6/lib';
const list = (name: string): Sample[] => samples.get(name) ?? [];
const total = (name: string) => list(name).reduce((sum, s) => sum + s.value, 0);

async function eventually(check: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** setup, then one VU per member, then waits for every member's audit. */
async function run(
  rooms: RoomsModule,
  url: string,
  recover: boolean,
  storm?: RoomsConfig['storm'],
): Promise<RoomsConfig> {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = { ...baseEnv, PARLEY_URL: url };
  const cfg = rooms.roomsConfig({ rooms: 2, roomSize: 3, senders: 1, rate: 20, recover });
  cfg.storm = storm;
  const data = rooms.setupRooms(cfg);
  for (let vu = 1; vu <= cfg.rooms * cfg.members; vu++) {
    k6.vu.idInTest = vu;
    rooms.runMember(cfg, data);
  }
  await eventually(() => list('parley_audit_ok').length === cfg.rooms * cfg.members);
  return cfg;
}

const baseEnv: Record<string, string> = {
  PARLEY_TOKEN_SECRET: FAKE_SECRET,
  PARLEY_WARMUP: '700ms',
  PARLEY_DURATION: '1s',
  PARLEY_DRAIN: '400ms',
  PARLEY_ACK_TIMEOUT: '2s',
  PARLEY_MESSAGE_BYTES: '120',
};

jest.setTimeout(30_000);

describe('k6 room scenarios (rooms.ts) against a fake Parley', () => {
  let rooms: RoomsModule;
  const fakes = fakeParley();
  const fake = fakes.start;

  beforeAll(async () => {
    (globalThis as { __ENV?: Record<string, string> }).__ENV = baseEnv;
    const [config, member] = await Promise.all([
      import(`${LIB}/rooms`),
      import(`${LIB}/room-member`),
    ]);
    rooms = { ...config, ...member } as RoomsModule;
  });
  beforeEach(() => resetSamples());
  afterAll(() => fakes.stop());

  it('S2: every stored message reaches every member once, timed from its stamp', async () => {
    const url = await fake();
    const startedAt = Date.now();
    const cfg = await run(rooms, url, false);
    const ranFor = Date.now() - startedAt;
    // 20 msg/s per room for 1 s from one sender: sends k = 0..19 per room.
    expect(total('parley_messages_stored')).toBe(40);
    expect(list('parley_ack_ok').every((s) => s.value === 1)).toBe(true);
    expect(total('parley_deliveries')).toBe(40 * cfg.roomSize);
    const latencies = list('parley_delivery_ms');
    expect(latencies).toHaveLength(40 * cfg.roomSize);
    expect(Math.min(...latencies.map((s) => s.value))).toBeGreaterThanOrEqual(0);
    // From the send's stamp, within this run: never before it, never longer than the run.
    expect(Math.max(...latencies.map((s) => s.value))).toBeLessThanOrEqual(ranFor);
    expect(latencies.every((s) => s.tags.cross === 'no' && s.tags.node === 'n1')).toBe(true);
    expect(total('parley_messages_missing')).toBe(0);
    expect(total('parley_duplicates')).toBe(0);
    expect(list('parley_audit_ok').map((s) => s.value)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(list('parley_connect_ok').map((s) => s.value)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(total('parley_socket_drops')).toBe(0);
  });

  it('S2: a broadcast lost on the way is counted missing by the final audit', async () => {
    const cfg = await run(rooms, await fake({ SKIP_SEQ: '3' }), false);
    expect(total('parley_messages_stored')).toBe(40);
    expect(total('parley_deliveries')).toBe(40 * cfg.roomSize - 1);
    expect(total('parley_messages_missing')).toBe(1);
    expect(list('parley_messages_missing').filter((s) => s.value > 0)).toHaveLength(1);
  });

  it('S5 client: the same lost broadcast is recovered by the sync a gap triggers', async () => {
    await run(rooms, await fake({ SKIP_SEQ: '3' }), true);
    expect(total('parley_messages_missing')).toBe(0);
    expect(total('parley_messages_recovered')).toBe(1);
  });

  it('S5: after every socket drops and reconnects, sync leaves nobody missing anything', async () => {
    const url = await fake();
    // The storm comes once every socket had time to connect even on a loaded machine (a
    // socket closed while still connecting has nothing to recover): inside the 1.7 s of
    // warm-up and measurement, so messages still flow around it.
    const cfg = await run(rooms, url, true, {
      atMs: 900,
      fraction: 1,
      spreadMs: 200,
    });
    const members = cfg.rooms * cfg.members;
    expect(list('parley_recovery_ok').map((s) => s.value)).toEqual(Array(members).fill(1));
    expect(list('parley_recovery_ms')).toHaveLength(members);
    expect(total('parley_messages_missing')).toBe(0);
    // Every due send was stored, skipped (socket down) or failed (dropped with the socket).
    const failed = list('parley_ack_ok').filter(
      (s) => s.tags.command === 'message:send' && !s.value,
    );
    const stored = total('parley_messages_stored');
    expect(stored + total('parley_sends_skipped') + failed.length).toBe(40);
    expect(stored).toBeGreaterThan(30);
    // A send whose socket dropped before its ack may still have been stored (the client
    // counts it failed): the server holds every acknowledged send and at most those too.
    const onServer = Object.values(k6.get(`${url}/stats`).json() as Record<string, number>);
    const storedOnServer = onServer.reduce((a, b) => a + b, 0);
    expect(storedOnServer).toBeGreaterThanOrEqual(stored);
    expect(storedOnServer).toBeLessThanOrEqual(stored + failed.length);
    // Each member got each message the server stored exactly once: live, or from a sync.
    expect(total('parley_deliveries') + total('parley_messages_recovered')).toBe(
      storedOnServer * cfg.roomSize,
    );
    // The storm's drops were the script's own: not counted as drops.
    expect(total('parley_socket_drops')).toBe(0);
    expect(list('parley_connect_ok')).toHaveLength(2 * members);
  });
});
