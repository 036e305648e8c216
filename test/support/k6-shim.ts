/*
 * Just enough of the k6 JavaScript API, on Node, to run the k6 scripts (load/k6) in jest:
 * jest.config.js maps every `k6` and `k6/*` import here. Metrics are recorded, not
 * aggregated; WebSockets are `ws`; HTTP is synchronous (as in k6) through a child process,
 * so the server under test must run in another process too. Timers and sockets are counted,
 * so a runner can wait, as k6 does, until a VU's event loop has nothing left (`idle`).
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import WS from 'ws';

export interface Sample {
  value: number;
  tags: Record<string, string>;
}

// ---- k6/timers, and what keeps a VU's iteration alive ---------------------------------------

// One state for every copy of this module (jest.isolateModules gives each run its own copy).
const state = ((globalThis as { __k6shim?: object }).__k6shim ??= {
  samples: new Map(),
  timers: new Set(),
  sockets: { open: 0 },
  vu: { idInTest: 1 },
  scenario: { iterationInTest: 0 },
}) as {
  samples: Map<string, Sample[]>;
  timers: Set<unknown>;
  sockets: { open: number };
  vu: { idInTest: number };
  scenario: { iterationInTest: number };
};
const timers = state.timers;

export function setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
  const t = global.setTimeout(() => {
    timers.delete(t);
    fn();
  }, ms);
  timers.add(t);
  return t;
}
export function clearTimeout(t: NodeJS.Timeout): void {
  timers.delete(t);
  global.clearTimeout(t);
}
export function setInterval(fn: () => void, ms: number): NodeJS.Timeout {
  const t = global.setInterval(fn, ms);
  timers.add(t);
  return t;
}
export function clearInterval(t: NodeJS.Timeout): void {
  timers.delete(t);
  global.clearInterval(t);
}

/** Resolves once no timer is pending and no socket is open (k6 would end the iterations). */
export async function idle(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (timers.size > 0 || state.sockets.open > 0) {
    if (Date.now() > deadline) {
      throw new Error(`still busy: ${timers.size} timers, ${state.sockets.open} sockets`);
    }
    await new Promise((r) => global.setTimeout(r, 20));
  }
}

// ---- k6/metrics: every sample, by metric name ----------------------------------------------

export const samples = state.samples;

class Metric {
  constructor(readonly name: string) {
    if (!samples.has(name)) samples.set(name, []);
  }
  add(value: number | boolean, tags: Record<string, string> = {}): void {
    samples.get(this.name)!.push({ value: Number(value), tags });
  }
}
export class Counter extends Metric {}
export class Gauge extends Metric {}
export class Rate extends Metric {}
export class Trend extends Metric {}

export function resetSamples(): void {
  for (const list of samples.values()) list.length = 0;
}

/**
 * The thresholds of `options` that do not hold on the recorded samples, as k6 would report
 * them: `metric{tag:value}` selects samples by tags; `count` (the sum: counters only), `rate`
 * (the share of true: rates only), `value`, `avg`, `min`, `max`, `med` and `p(N)` against a
 * number. A metric without samples fails what it asks for (stricter than k6, so a spec
 * cannot pass on a metric the script never recorded).
 */
export function failedThresholds(thresholds: Record<string, string[]>): string[] {
  const failed: string[] = [];
  for (const [selector, rules] of Object.entries(thresholds)) {
    const [, name, tagText] = /^([^{]+)(?:\{(.*)\})?$/.exec(selector)!;
    const tags = (tagText ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf(':')), kv.slice(kv.indexOf(':') + 1)]);
    const values = (samples.get(name) ?? [])
      .filter((s) => tags.every(([k, v]) => s.tags[k] === v))
      .map((s) => s.value);
    for (const rule of rules) {
      const m =
        /^(count|rate|value|avg|min|max|med|p\(([\d.]+)\))\s*(<=|>=|==|<|>)\s*([\d.]+)$/.exec(rule);
      if (!m) throw new Error(`threshold not understood: ${rule}`);
      const [, agg, pct, op, bound] = m;
      const got = aggregate(values, agg, pct === undefined ? undefined : Number(pct));
      const ok =
        values.length > 0 &&
        {
          '<': got < +bound,
          '<=': got <= +bound,
          '>': got > +bound,
          '>=': got >= +bound,
          '==': got === +bound,
        }[op];
      if (!ok) failed.push(`${selector}: ${rule} (got ${got} over ${values.length} samples)`);
    }
  }
  return failed;
}

function aggregate(values: number[], agg: string, pct: number | undefined): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = (sorted.length - 1) * q;
    const lo = Math.floor(i);
    return sorted[lo] + (sorted[Math.ceil(i)] - sorted[lo]) * (i - lo);
  };
  const sum = values.reduce((a, b) => a + b, 0);
  if (agg === 'count') return sum;
  if (agg === 'rate') return sum / values.length;
  if (agg === 'value') return values[values.length - 1];
  if (agg === 'avg') return sum / values.length;
  if (agg === 'min') return sorted[0];
  if (agg === 'max') return sorted[sorted.length - 1];
  if (agg === 'med') return at(0.5);
  return at(pct! / 100);
}

// ---- k6, k6/data ---------------------------------------------------------------------------

export function fail(message?: string): never {
  throw new Error(message);
}

/** k6's sleep blocks the VU; the runner schedules repeated iterations itself instead. */
export function sleep(_seconds: number): void {}

export const SharedArray = function <T>(_name: string, make: () => T[]): T[] {
  return make();
};

// ---- k6/websockets -------------------------------------------------------------------------

export class WebSocket {
  static readonly OPEN = 1;
  onopen: () => void = () => undefined;
  onmessage: (e: { data: string }) => void = () => undefined;
  onclose: () => void = () => undefined;
  onerror: (e: { error: string }) => void = () => undefined;
  private readonly ws: WS;

  constructor(url: string) {
    this.ws = new WS(url);
    state.sockets.open++;
    this.ws.on('open', () => this.onopen());
    this.ws.on('message', (data) => this.onmessage({ data: String(data) }));
    this.ws.on('close', () => {
      state.sockets.open--;
      this.onclose();
    });
    this.ws.on('error', (err) => this.onerror({ error: err.message }));
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  send(data: string): void {
    if (this.ws.readyState === WS.OPEN) this.ws.send(data);
  }

  close(): void {
    this.ws.close();
  }
}

// ---- default exports: k6/execution, k6/http, k6/crypto, k6/encoding ------------------------

interface Request {
  method: string;
  url: string;
  body?: string;
  params?: { headers?: Record<string, string>; tags?: Record<string, string> };
}
interface Response {
  status: number;
  body: string;
  json(selector?: string): unknown;
}

const httpDuration = new Trend('http_req_duration');
const httpFailed = new Rate('http_req_failed');

/**
 * Runs the requests in a child Node (fetch), blocking like k6's http does, and records
 * `http_req_duration` (the whole batch's time, child start included) and `http_req_failed`.
 */
function requestAll(requests: Request[]): Response[] {
  const started = Date.now();
  const script = `
    const reqs = JSON.parse(process.argv[1]);
    Promise.all(reqs.map(async (r) => {
      const res = await fetch(r.url, { method: r.method, body: r.body, headers: r.params?.headers });
      return { status: res.status, body: await res.text() };
    })).then((out) => process.stdout.write(JSON.stringify(out)));`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(requests)]);
  const answers = JSON.parse(String(out)) as { status: number; body: string }[];
  answers.forEach((r, i) => {
    const tags = requests[i].params?.tags ?? {};
    httpDuration.add(Date.now() - started, tags);
    httpFailed.add(r.status >= 400, tags);
  });
  return answers.map((r) => ({
    ...r,
    json: (selector?: string) => {
      const body = JSON.parse(r.body) as Record<string, unknown>;
      return selector === undefined ? body : body[selector];
    },
  }));
}

const k6 = {
  // k6/execution
  vu: state.vu,
  scenario: state.scenario,
  // k6/http
  batch: (requests: Request[]) => requestAll(requests),
  post: (url: string, body: string, params?: Request['params']) =>
    requestAll([{ method: 'POST', url, body, params }])[0],
  get: (url: string, params?: Request['params']) => requestAll([{ method: 'GET', url, params }])[0],
  // k6/crypto
  hmac: (_alg: 'sha256', secret: string, input: string, _enc: 'base64rawurl') =>
    createHmac('sha256', secret).update(input).digest('base64url'),
  sha256: (input: ArrayBuffer, _enc: 'hex') =>
    createHash('sha256').update(Buffer.from(input)).digest('hex'),
  randomBytes: (n: number) => new Uint8Array(nodeRandomBytes(n)).buffer,
  // k6/encoding
  b64encode: (s: string, _variant: 'rawurl') => Buffer.from(s, 'utf8').toString('base64url'),
  b64decode: (s: string, _variant: 'rawurl', _format: 's') =>
    Buffer.from(s, 'base64url').toString('utf8'),
};
export default k6;
