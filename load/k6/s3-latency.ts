/**
 * S3 latency: send → receive at a fixed open-loop rate (each send is timed from when it was
 * due, so a stalled server or generator shows up instead of slowing the load down).
 * Run it at 25, 50 and 75 % of the deliveries per second S2 reached:
 * PARLEY_ROOMS × PARLEY_RATE × PARLEY_ROOM_SIZE deliveries per second.
 * Thresholds: p50 < PARLEY_P50_MS (20), p99 < PARLEY_P99_MS (100), p99.9 < PARLEY_P999_MS (250).
 *
 *   k6 run -e PARLEY_URL=... -e PARLEY_TOKEN_SECRET=... -e PARLEY_RATE=2 load/k6/s3-latency.ts
 */
import { real } from './lib/env.ts';
import { runMember } from './lib/room-member.ts';
import { roomsConfig, roomsOptions, setupRooms, type RoomsData } from './lib/rooms.ts';

const cfg = roomsConfig({ rooms: 10, roomSize: 10, senders: 1, rate: 2, duration: '2m' });
const lagP99 = real('PARLEY_LAG_P99_MS', 20, 1);
const p50 = real('PARLEY_P50_MS', 20, 1);
const p99 = real('PARLEY_P99_MS', 100, 1);
const p999 = real('PARLEY_P999_MS', 250, 1);

export const options = roomsOptions(cfg, {
  parley_delivery_ms: [`p(50)<${p50}`, `p(99)<${p99}`, `p(99.9)<${p999}`],
  parley_connect_ok: ['rate>0.99'],
  parley_ack_ok: ['rate>0.999'],
  parley_messages_missing: ['count==0'],
  // Late sends are charged to the latency, but a generator this late is measuring itself.
  parley_send_lag_ms: [`p(99)<${lagP99}`],
});

export function setup(): RoomsData {
  return setupRooms(cfg);
}

export default function (data: RoomsData): void {
  runMember(cfg, data);
}
