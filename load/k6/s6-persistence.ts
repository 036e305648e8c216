/**
 * S6 persistence: stored messages per second. PARLEY_MODE=socket (default) sends
 * `message:send` over one socket per conversation, open loop, and counts `{ ok: true }` acks
 * (an ack means the message is durably stored); PARLEY_MODE=rest POSTs the messages at a
 * constant arrival rate. Either way the offered load is PARLEY_ROOMS × PARLEY_RATE messages
 * per second; it is sustained when every send is stored and the p99 store time stays under
 * PARLEY_ACK_P99_MS (a server that falls behind grows a queue, and its p99 with it).
 * Keep PARLEY_RATE (per conversation, so per sending user) under the deployment's
 * SEND_RATE_PER_SECOND, or sends are refused `rate_limited`.
 *
 *   k6 run -e PARLEY_URL=... -e PARLEY_TOKEN_SECRET=... -e PARLEY_ROOMS=50 load/k6/s6-persistence.ts
 */
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { stampContent } from './lib/chat.ts';
import { count, real, seconds, text } from './lib/env.ts';
import { token } from './lib/identity.ts';
import { postMessage } from './lib/rest.ts';
import { runMember, stored } from './lib/room-member.ts';
import { roomsConfig, roomsOptions, setupRooms, type RoomsData } from './lib/rooms.ts';

const mode = text('PARLEY_MODE', 'socket');
if (mode !== 'socket' && mode !== 'rest') throw new Error('PARLEY_MODE must be socket or rest');
// Private rooms of two: only the sender connects (or posts).
const cfg = roomsConfig(
  { rooms: 20, roomSize: 2, senders: 1, rate: 5 },
  { roomSize: 2, members: 1, senders: 1 },
);
const lagP99 = real('PARLEY_LAG_P99_MS', 50, 1);
const ackP99 = real('PARLEY_ACK_P99_MS', 500, 1);
const total = cfg.rooms * cfg.rate;

const socketOptions = roomsOptions(cfg, {
  'parley_ack_ok{command:message:send}': ['rate>0.999'],
  'parley_ack_ms{command:message:send}': [`p(99)<${ackP99}`],
  parley_messages_stored: ['count>0'],
  parley_send_lag_ms: [`p(99)<${lagP99}`],
  parley_connect_ok: ['rate>0.99'],
});

const restOptions: Options = {
  setupTimeout: '10m',
  scenarios: {
    posts: {
      executor: 'constant-arrival-rate',
      exec: 'post',
      rate: Math.round(total * 1000),
      timeUnit: '1000s', // rate is per second with three decimals
      duration: seconds(cfg.sendMs),
      startTime: seconds(cfg.warmupMs),
      preAllocatedVUs: count('PARLEY_VUS', Math.max(10, Math.ceil(total / 10))),
      maxVUs: count('PARLEY_MAX_VUS', Math.max(50, Math.ceil(total))),
    },
  },
  thresholds: {
    'http_req_failed{name:POST /conversations/:id/messages}': ['rate<0.001'],
    'http_req_duration{name:POST /conversations/:id/messages}': [`p(99)<${ackP99}`],
    parley_messages_stored: ['count>0'],
    // Iterations k6 could not start on time: the server held every VU, the load was not offered.
    dropped_iterations: ['count==0'],
  },
};

export const options: Options = mode === 'socket' ? socketOptions : restOptions;

export function setup(): RoomsData {
  return setupRooms(cfg);
}

export default function (data: RoomsData): void {
  runMember(cfg, data);
}

/** REST mode: one POST per iteration, the conversations taking turns (member 0 sends). */
export function post(data: RoomsData): void {
  const i = exec.scenario.iterationInTest;
  const room = i % data.rooms.length;
  const ok = postMessage(
    cfg.urls[0],
    token(data.runId, room * cfg.roomSize),
    data.rooms[room],
    stampContent(Date.now(), 'rest', cfg.messageBytes),
    `${data.runId}.rest.${i}`,
  );
  if (ok) stored.add(1);
}
