/**
 * S4 cross-node: S2 with the members of every room alternating between two nodes
 * (PARLEY_URL and PARLEY_URL_2, by VU), so most deliveries cross the Redis adapter.
 * `parley_delivery_ms{cross:yes}` are deliveries whose sender was on the other node.
 * Compare `parley_deliveries` per second with S2 against one node, per CPU-second of the
 * nodes (from your own monitoring: k6 cannot see the servers' CPU).
 *
 *   k6 run -e PARLEY_URL=http://node-1:3000 -e PARLEY_URL_2=http://node-2:3000 \
 *     -e PARLEY_TOKEN_SECRET=... load/k6/s4-cross-node.ts
 */
import { baseUrl, real } from './lib/env.ts';
import { runMember } from './lib/room-member.ts';
import { roomsConfig, roomsOptions, setupRooms, type RoomsData } from './lib/rooms.ts';

const cfg = roomsConfig({
  rooms: 20,
  roomSize: 10,
  senders: 2,
  rate: 4,
  urls: [baseUrl(), baseUrl('PARLEY_URL_2', 'http://127.0.0.1:3001')],
});
const p99 = real('PARLEY_P99_MS', 100, 1);

export const options = roomsOptions(cfg, {
  parley_delivery_ms: [`p(99)<${p99}`],
  'parley_delivery_ms{cross:yes}': [`p(99)<${p99}`],
  'parley_deliveries{node:n1}': ['count>0'],
  'parley_deliveries{node:n2}': ['count>0'],
  parley_connect_ok: ['rate>0.99'],
  parley_ack_ok: ['rate>0.999'],
  parley_messages_missing: ['count==0'],
  parley_audit_ok: ['rate>0.99'],
  parley_socket_drops: ['count==0'],
});

export function setup(): RoomsData {
  return setupRooms(cfg);
}

export default function (data: RoomsData): void {
  runMember(cfg, data);
}
