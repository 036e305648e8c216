/*
 * The room scenarios (S2 fan-out, S3 latency, S4 cross-node, S5 reconnect storm, S6 over
 * sockets): setup creates `rooms` groups of `roomSize` test users over REST; then every VU
 * plays one member of one room with one socket, on a timeline every VU shares:
 *
 *   setup ─ warm-up (connect) ─ startAt ─ sending window (open loop) ─ stopAt ─ drain ─ audit
 *
 * Senders (the first `senders` members) send on a fixed schedule, each message stamped with
 * when it was due; every member (the sender's own socket included, as the contract says)
 * times each `message:new` from that stamp. At the end each member asks `sync` for everything
 * after what it saw: what comes back was stored but never reached it (`parley_messages_missing`).
 */
import type { Options } from 'k6/options';
import { baseUrl, count, duration, real, seconds } from './env.ts';
import { newRunId, requireUsers } from './identity.ts';
import { createRooms } from './rest.ts';

export interface RoomsConfig {
  /** Members connect to these in turn (by VU), so with two URLs every room spans both. */
  urls: string[];
  rooms: number;
  roomSize: number;
  /** Members of each room that get a VU and a socket (the others exist but stay away). */
  members: number;
  /** The first `senders` members send. */
  senders: number;
  /** Messages per second per room, shared by its senders. */
  rate: number;
  messageBytes: number;
  warmupMs: number;
  sendMs: number;
  drainMs: number;
  ackTimeoutMs: number;
  /** Follow the README's client: `sync` on reconnect, on a gap and on `sync:required`. */
  recover: boolean;
  /** S5: at `atMs` into the sending window, `fraction` of the members drop their socket and
   * reconnect within `spreadMs`. */
  storm?: { atMs: number; fraction: number; spreadMs: number };
}

export type RoomsDefaults = Pick<RoomsConfig, 'rooms' | 'roomSize' | 'senders' | 'rate'> &
  Partial<Pick<RoomsConfig, 'recover' | 'urls'>> & { duration?: string };

/**
 * The configuration from PARLEY_* variables, with the scenario's defaults; `fixed` shapes
 * the scenario does not let the environment change (S6: one sender alone in a room of two).
 */
export function roomsConfig(
  defaults: RoomsDefaults,
  fixed: Partial<Pick<RoomsConfig, 'roomSize' | 'members' | 'senders'>> = {},
): RoomsConfig {
  const roomSize = fixed.roomSize ?? count('PARLEY_ROOM_SIZE', defaults.roomSize, 2);
  const members = Math.min(roomSize, fixed.members ?? roomSize);
  const senders = fixed.senders ?? count('PARLEY_SENDERS', defaults.senders);
  if (senders > members) throw new Error('PARLEY_SENDERS must not exceed the connected members');
  return {
    urls: defaults.urls ?? [baseUrl()],
    rooms: count('PARLEY_ROOMS', defaults.rooms),
    roomSize,
    members,
    senders,
    rate: real('PARLEY_RATE', defaults.rate, 0.001),
    messageBytes: count('PARLEY_MESSAGE_BYTES', 200, 0),
    warmupMs: duration('PARLEY_WARMUP', '10s'),
    sendMs: duration('PARLEY_DURATION', defaults.duration ?? '1m'),
    drainMs: duration('PARLEY_DRAIN', '5s'),
    ackTimeoutMs: duration('PARLEY_ACK_TIMEOUT', '10s'),
    recover: defaults.recover ?? false,
  };
}

/** One VU per connected member, one iteration each, long enough for the whole timeline. */
export function roomsOptions(cfg: RoomsConfig, thresholds: Options['thresholds']): Options {
  const timeline = cfg.warmupMs + cfg.sendMs + cfg.drainMs + 2 * cfg.ackTimeoutMs;
  return {
    setupTimeout: '10m',
    scenarios: {
      members: {
        executor: 'per-vu-iterations',
        vus: cfg.rooms * cfg.members,
        iterations: 1,
        maxDuration: seconds(timeline + 60_000),
        gracefulStop: '30s',
      },
    },
    thresholds,
    summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(99)', 'p(99.9)', 'max'],
  };
}

export interface RoomsData {
  runId: string;
  rooms: string[];
  /** When the sending window opens (ms since the epoch); setup end + warm-up. */
  startAt: number;
}

export function setupRooms(cfg: RoomsConfig): RoomsData {
  const runId = newRunId();
  requireUsers(cfg.rooms * cfg.roomSize);
  const rooms = createRooms(cfg.urls[0], runId, cfg.rooms, cfg.roomSize);
  return { runId, rooms, startAt: Date.now() + cfg.warmupMs };
}
