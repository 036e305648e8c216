/*
 * Just enough of the k6 JavaScript API, on Node, to run the k6 glue (load/k6/lib) in jest:
 * jest.config.js maps every `k6` and `k6/*` import here. Metrics are recorded, not
 * aggregated; WebSockets are `ws`; HTTP is synchronous (as in k6) through a child process,
 * so the server under test must run in another process too.
 */
import { execFileSync } from 'node:child_process';
import { createHash, createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import WS from 'ws';

export { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';

// ---- k6/metrics: every sample, by metric name ----------------------------------------------

export interface Sample {
  value: number;
  tags: Record<string, string>;
}
export const samples = new Map<string, Sample[]>();

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

// ---- k6, k6/data ---------------------------------------------------------------------------

export function fail(message?: string): never {
  throw new Error(message);
}

export const SharedArray = function <T>(_name: string, make: () => T[]): T[] {
  return make();
};

// ---- k6/websockets -------------------------------------------------------------------------

export class WebSocket {
  onopen: () => void = () => undefined;
  onmessage: (e: { data: string }) => void = () => undefined;
  onclose: () => void = () => undefined;
  onerror: (e: { error: string }) => void = () => undefined;
  private readonly ws: WS;

  constructor(url: string) {
    this.ws = new WS(url);
    this.ws.on('open', () => this.onopen());
    this.ws.on('message', (data) => this.onmessage({ data: String(data) }));
    this.ws.on('close', () => this.onclose());
    this.ws.on('error', (err) => this.onerror({ error: err.message }));
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
  params?: { headers?: Record<string, string> };
}
interface Response {
  status: number;
  body: string;
  json(selector?: string): unknown;
}

/** Runs the requests in a child Node (fetch), blocking like k6's http does. */
function requestAll(requests: Request[]): Response[] {
  const script = `
    const reqs = JSON.parse(process.argv[1]);
    Promise.all(reqs.map(async (r) => {
      const res = await fetch(r.url, { method: r.method, body: r.body, headers: r.params?.headers });
      return { status: res.status, body: await res.text() };
    })).then((out) => process.stdout.write(JSON.stringify(out)));`;
  const out = execFileSync(process.execPath, ['-e', script, JSON.stringify(requests)]);
  return (JSON.parse(String(out)) as { status: number; body: string }[]).map((r) => ({
    ...r,
    json: (selector?: string) => {
      const body = JSON.parse(r.body) as Record<string, unknown>;
      return selector === undefined ? body : body[selector];
    },
  }));
}

const k6 = {
  // k6/execution
  vu: { idInTest: 1 },
  scenario: { iterationInTest: 0 },
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
