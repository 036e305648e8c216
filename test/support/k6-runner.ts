import { join } from 'node:path';
import { parseDuration } from '../../load/k6/lib/chat';
import k6, { Counter, failedThresholds, idle, resetSamples, samples, type Sample } from './k6-shim';

/*
 * Runs a k6 script of load/k6 in jest the way `k6 run` would, on the k6 stand-in: sets
 * __ENV, loads the script afresh (its init stage), runs `setup`, then its scenarios' VUs,
 * waits until every VU's event loop is empty, and evaluates `options.thresholds`.
 * Executors: per-vu-iterations (one iteration per VU), constant-vus (one VU, an iteration
 * a second: the S1 probe) and constant-arrival-rate (iterations one after another at the
 * rate; HTTP blocks, so keep rates to a few per second). k6 drops an arrival-rate iteration
 * only when every VU is busy; the runner has no VU pool and drops none, so it records
 * `dropped_iterations` as 0: a test here cannot fail on it.
 */

const dropped = new Counter('dropped_iterations');

interface Scenario {
  executor: string;
  exec?: string;
  vus?: number;
  duration?: string;
  rate?: number;
  timeUnit?: string;
  startTime?: string;
}
interface Script {
  options: { scenarios: Record<string, Scenario>; thresholds: Record<string, string[]> };
  setup?: () => unknown;
  [fn: string]: unknown;
}

export interface ScriptRun {
  /** Thresholds that failed, as k6 would print them; empty when `k6 run` would exit 0. */
  failures: string[];
  samples: (name: string) => Sample[];
  total: (name: string) => number;
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** `k6 run load/k6/<name>` with `env` as its `-e` variables. */
export async function runScript(
  name: string,
  env: Record<string, string>,
  timeoutMs = 120_000,
): Promise<ScriptRun> {
  (globalThis as { __ENV?: Record<string, string> }).__ENV = env;
  resetSamples();
  let script!: Script;
  await jest.isolateModulesAsync(async () => {
    script = (await import(join(__dirname, '..', '..', 'load', 'k6', name))) as Script;
  });
  const data = script.setup?.();
  const busy: Promise<void>[] = [];
  for (const scenario of Object.values(script.options.scenarios)) {
    const fn = script[scenario.exec ?? 'default'] as (data: unknown) => void;
    const start = scenario.startTime ? parseDuration(scenario.startTime) : 0;
    if (scenario.executor === 'per-vu-iterations') {
      for (let vu = 1; vu <= (scenario.vus ?? 1); vu++) {
        k6.vu.idInTest = vu;
        fn(data);
      }
    } else if (scenario.executor === 'constant-vus') {
      const end = Date.now() + parseDuration(scenario.duration!);
      busy.push(
        (async () => {
          while (Date.now() < end) {
            fn(data);
            await wait(1000);
          }
        })(),
      );
    } else if (scenario.executor === 'constant-arrival-rate') {
      const every = parseDuration(scenario.timeUnit ?? '1s') / scenario.rate!;
      const first = Date.now() + start;
      const count = Math.floor(parseDuration(scenario.duration!) / every);
      busy.push(
        (async () => {
          for (let i = 0; i < count; i++) {
            await wait(first + i * every - Date.now());
            dropped.add(0);
            k6.scenario.iterationInTest = i;
            fn(data);
          }
        })(),
      );
    } else {
      throw new Error(`executor not supported by the runner: ${scenario.executor}`);
    }
  }
  await Promise.all(busy);
  await idle(timeoutMs);
  const list = (name: string) => samples.get(name) ?? [];
  return {
    failures: failedThresholds(script.options.thresholds),
    samples: list,
    total: (name) => list(name).reduce((sum, s) => sum + s.value, 0),
  };
}
