/**
 * `npm run bench [-- name ...] [-- --quick]`: builds, then runs the named benchmarks (all
 * by default) against the local stack and writes load/results/<date>.json and latest.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { printRows, Row } from './lib/measure';
import { ROOT } from './lib/stack';
import { fanoutBench } from './fanout.bench';
import { outboxBench } from './outbox.bench';
import { restSendBench } from './rest-send.bench';
import { stormBench } from './storm.bench';

const benches: Record<string, (quick: boolean) => Promise<Row[]>> = {
  'rest-send': restSendBench,
  fanout: fanoutBench,
  outbox: outboxBench,
  storm: stormBench,
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const names = args.filter((a) => !a.startsWith('--'));
  const rows: Row[] = [];
  for (const name of names.length ? names : Object.keys(benches)) {
    const bench = benches[name];
    if (!bench)
      throw new Error(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}`);
    console.error(`bench: ${name}${quick ? ' (quick)' : ''}`);
    rows.push(...(await bench(quick)));
  }
  printRows(rows);
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  const result = { date: new Date().toISOString(), quick, machine, scenarios: rows };
  const dir = join(ROOT, 'load', 'results');
  mkdirSync(dir, { recursive: true });
  const json = JSON.stringify(result, null, 2);
  writeFileSync(join(dir, `${result.date.slice(0, 19).replace(/:/g, '-')}.json`), json);
  writeFileSync(join(dir, 'latest.json'), json);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
