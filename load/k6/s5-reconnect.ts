/**
 * S5 reconnect storm: rooms keep sending while, PARLEY_STORM_AT into the sending window,
 * PARLEY_DROP_FRACTION of all members drop their connection at once and reconnect within
 * PARLEY_RECONNECT_SPREAD, calling `sync` with their cursors (the client of the README:
 * also on a gap and on `sync:required`). Passes when 99 % of reconnects have caught up
 * within PARLEY_RECOVERY_P99_MS and no member misses a message by the end.
 * `parley_resent_per_reconnect` is how many messages a `sync` returned that the member had.
 *
 *   k6 run -e PARLEY_URL=... -e PARLEY_TOKEN_SECRET=... -e PARLEY_ROOMS=500 load/k6/s5-reconnect.ts
 */
import { duration, real } from './lib/env.ts';
import { runMember } from './lib/room-member.ts';
import { roomsConfig, roomsOptions, setupRooms, type RoomsData } from './lib/rooms.ts';

const cfg = roomsConfig({
  rooms: 50,
  roomSize: 10,
  senders: 1,
  rate: 2,
  recover: true,
  duration: '1m',
});
cfg.storm = {
  atMs: duration('PARLEY_STORM_AT', '20s'),
  fraction: real('PARLEY_DROP_FRACTION', 1, 0, 1),
  spreadMs: duration('PARLEY_RECONNECT_SPREAD', '5s'),
};
// Every dropped socket is back (and sending) before the window closes, so the audit sees it.
if (cfg.storm.atMs + cfg.storm.spreadMs >= cfg.sendMs) {
  throw new Error('PARLEY_STORM_AT + PARLEY_RECONNECT_SPREAD must end inside PARLEY_DURATION');
}
const recoveryP99 = real('PARLEY_RECOVERY_P99_MS', 10_000, 1);

export const options = roomsOptions(cfg, {
  parley_recovery_ms: [`p(99)<${recoveryP99}`],
  parley_recovery_ok: ['rate>0.99'],
  parley_messages_missing: ['count==0'],
  parley_audit_ok: ['rate>0.99'],
  parley_connect_ok: ['rate>0.99'],
});

export function setup(): RoomsData {
  return setupRooms(cfg);
}

export default function (data: RoomsData): void {
  runMember(cfg, data);
}
