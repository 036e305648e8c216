/**
 * S2 fan-out: rooms of PARLEY_ROOM_SIZE members, PARLEY_SENDERS of them sending
 * PARLEY_RATE messages per second per room in total; every member counts its deliveries.
 * Passes when deliveries stay under 100 ms at p99 (PARLEY_P99_MS), every send is stored and
 * no member misses a message. Raise PARLEY_ROOMS or PARLEY_RATE between runs to find the
 * highest deliveries per second (`parley_deliveries` rate) that still passes.
 *
 *   k6 run -e PARLEY_URL=https://chat.example.test -e PARLEY_TOKEN_SECRET=... load/k6/s2-fanout.ts
 */
import { real } from './lib/env.ts';
import { runMember } from './lib/room-member.ts';
import { roomsConfig, roomsOptions, setupRooms, type RoomsData } from './lib/rooms.ts';

const cfg = roomsConfig({ rooms: 20, roomSize: 10, senders: 2, rate: 4 });
const lagP99 = real('PARLEY_LAG_P99_MS', 50, 1);
const p99 = real('PARLEY_P99_MS', 100, 1);

export const options = roomsOptions(cfg, {
  parley_delivery_ms: [`p(99)<${p99}`],
  parley_connect_ok: ['rate>0.99'],
  parley_ack_ok: ['rate>0.999'],
  parley_messages_missing: ['count==0'],
  parley_audit_ok: ['rate>0.99'],
  parley_socket_drops: ['count==0'],
  parley_send_lag_ms: [`p(99)<${lagP99}`],
});

export function setup(): RoomsData {
  return setupRooms(cfg);
}

export default function (data: RoomsData): void {
  runMember(cfg, data);
}
