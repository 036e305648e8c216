/**
 * S1 idle connections: PARLEY_VUS × PARLEY_SOCKETS_PER_VU sockets opened at an even pace over
 * PARLEY_RAMP, all held for PARLEY_HOLD (answering the server's pings), then closed.
 * Passes when 99 % connect, p95 connect time stays under PARLEY_CONNECT_P95_MS and no held
 * socket is dropped. A probe scrapes PARLEY_URL/metrics every 5 s: point PARLEY_URL at one
 * node (not a load balancer) and `parley_server_bytes_per_socket` is that node's resident
 * memory growth since setup divided by the sockets the schedule has opened by then.
 *
 *   k6 run -e PARLEY_URL=http://node-1:3000 -e PARLEY_TOKEN_SECRET=... -e PARLEY_VUS=2000 load/k6/s1-idle.ts
 */
import { sleep } from 'k6';
import exec from 'k6/execution';
import http from 'k6/http';
import { Gauge, Trend } from 'k6/metrics';
import type { Options } from 'k6/options';
import { setTimeout } from 'k6/timers';
import { baseUrl, count, duration, real, seconds } from './lib/env.ts';
import { newRunId, requireUsers, token } from './lib/identity.ts';
import { ChatConnection } from './lib/k6-chat.ts';

const url = baseUrl();
const vus = count('PARLEY_VUS', 100);
const perVu = count('PARLEY_SOCKETS_PER_VU', 10);
const rampMs = duration('PARLEY_RAMP', '1m');
const holdMs = duration('PARLEY_HOLD', '2m');
const connectP95 = real('PARLEY_CONNECT_P95_MS', 1000, 1);
const total = vus * perVu;
const PROBE_EVERY_S = 5;

const rss = new Gauge('parley_server_rss_bytes');
const heap = new Gauge('parley_server_heap_used_bytes');
const perSocket = new Trend('parley_server_bytes_per_socket');

export const options: Options = {
  setupTimeout: '1m',
  scenarios: {
    idle: {
      executor: 'per-vu-iterations',
      vus,
      iterations: 1,
      maxDuration: seconds(rampMs + holdMs + 60_000),
      gracefulStop: '30s',
    },
    probe: {
      executor: 'constant-vus',
      exec: 'probe',
      vus: 1,
      duration: seconds(rampMs + holdMs),
    },
  },
  thresholds: {
    parley_connect_ok: ['rate>0.99'],
    parley_connect_ms: [`p(95)<${connectP95}`],
    parley_socket_drops: ['count==0'],
  },
};

interface Data {
  runId: string;
  startAt: number;
  baseline: number | null;
}

/** The node's Prometheus text, or null when /metrics does not answer. */
function scrape(): { rss: number; heap: number } | null {
  const res = http.get(`${url}/metrics`, { tags: { name: 'GET /metrics' } });
  if (res.status !== 200 || typeof res.body !== 'string') return null;
  const read = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(res.body as string);
    return m ? Number(m[1]) : NaN;
  };
  return {
    rss: read('parley_process_resident_memory_bytes'),
    heap: read('parley_nodejs_heap_size_used_bytes'),
  };
}

export function setup(): Data {
  requireUsers(total);
  return { runId: newRunId(), startAt: Date.now() + 2000, baseline: scrape()?.rss ?? null };
}

export default function (data: Data): void {
  const vu = exec.vu.idInTest - 1;
  const closeAt = data.startAt + rampMs + holdMs;
  const conns: ChatConnection[] = [];
  for (let j = 0; j < perVu; j++) {
    const index = vu * perVu + j;
    // Socket `index` of `total` opens at its share of the ramp: an even pace overall.
    const openAt = data.startAt + (index * rampMs) / total;
    setTimeout(
      () => conns.push(new ChatConnection({ url, token: token(data.runId, index) })),
      Math.max(0, openAt - Date.now()),
    );
  }
  setTimeout(() => conns.forEach((c) => c.close()), closeAt - Date.now());
}

export function probe(data: Data): void {
  const sample = scrape();
  if (sample) {
    rss.add(sample.rss);
    heap.add(sample.heap);
    const opened = Math.min(total, ((Date.now() - data.startAt) / rampMs) * total);
    if (data.baseline !== null && opened >= 100) {
      perSocket.add((sample.rss - data.baseline) / opened);
    }
  }
  sleep(PROBE_EVERY_S);
}
