/** CPU and memory of processes and of the machine, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './stack';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** Busy and total CPU seconds of the whole machine so far (all cores, /proc/stat). */
export function machineSeconds(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = t.reduce((a, b) => a + b, 0);
    return { busy: (total - t[3] - t[4]) / CLK_TCK, total: total / CLK_TCK }; // idle, iowait
  } catch {
    return { busy: NaN, total: NaN };
  }
}

/**
 * User + system CPU seconds a process has used so far, its exited (waited-for) children's
 * included (0 when it is gone). With its live descendants (`withDescendants`), a sum stays
 * right while they come and go: PostgreSQL's backends, for one.
 */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime
    return (
      (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / CLK_TCK
    );
  } catch {
    return 0;
  }
}

/** `roots` and every live process descended from them (/proc parent links). */
export function withDescendants(roots: (number | undefined)[]): number[] {
  const found = new Set(roots.filter((p): p is number => !!p));
  if (!found.size) return [];
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
    } catch {
      // exited meanwhile
    }
  }
  const queue = [...found];
  while (queue.length)
    for (const c of children.get(queue.pop()!) ?? [])
      if (!found.has(c)) {
        found.add(c);
        queue.push(c);
      }
  return [...found];
}

const readPid = (file: string): number | undefined => {
  try {
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
    return pid > 0 && pidAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
};

const pidAlive = (pid: number) => {
  try {
    return !/^\S+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** PostgreSQL's own pid files (`postmaster.pid`, first line the postmaster) under `dir`. */
function postmasters(dir: string, depth: number): number[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (e.isFile() && e.name === 'postmaster.pid') return [readPid(join(dir, e.name))];
    if (e.isDirectory() && depth > 0) return postmasters(join(dir, e.name), depth - 1);
    return [];
  }) as number[];
}

/**
 * The local stack's database, whatever its backend: the MongoDB role's process
 * (`.stack/mongo.pid`: FerretDB, or a mongod), any process of a database pid file beside it
 * (`postgres*.pid`, `pg*.pid`, `ferretdb*.pid`), PostgreSQL's postmaster.pid files under
 * `.stack/`, and every process descended from them (PostgreSQL's backends and workers).
 */
export function databasePids(root = ROOT): number[] {
  const stack = join(root, '.stack');
  let files: string[];
  try {
    files = readdirSync(stack).filter((f) => /^(mongo|ferretdb|postgres|pg)[\w.-]*\.pid$/i.test(f));
  } catch {
    return [];
  }
  const roots = [...files.map((f) => readPid(join(stack, f))), ...postmasters(stack, 4)];
  return withDescendants(roots);
}

/** What the database processes are, for people: "FerretDB on SQLite", "FerretDB on PostgreSQL". */
export function describeDatabase(pids = databasePids()): string {
  const procs = pids.flatMap((pid) => {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return [{ name: (cmd[0].split('/').pop() ?? '').replace(/-v?\d.*$/, ''), cmd }];
    } catch {
      return [];
    }
  });
  const names = new Set(procs.map((p) => p.name));
  const ferret = procs.find((p) => p.name === 'ferretdb');
  if (ferret) {
    const flag = ferret.cmd.find((a) => a.startsWith('--handler='))?.slice('--handler='.length);
    const backend = [...names].some((n) => n.startsWith('postgres'))
      ? 'PostgreSQL'
      : flag === 'sqlite'
        ? 'SQLite'
        : flag === 'postgresql' || flag === 'pg'
          ? 'PostgreSQL'
          : (flag ?? 'its default backend');
    return `FerretDB on ${backend}`;
  }
  if (names.has('mongod')) return 'MongoDB';
  return names.size ? [...names].join(' + ') : 'the database (no process found)';
}

/** Resident set size of a process in bytes (NaN when it is gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** The pid of a local stack service (`.stack/<name>.pid`). */
export function stackPid(
  name: 'redis' | 'pg' | 'mongo' | 'kafka' | 's3' | 'search',
): number | undefined {
  try {
    return Number(readFileSync(join(ROOT, '.stack', `${name}.pid`), 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds used by named groups of processes between `start()` and `stop()`. */
export class CpuMeter {
  private before: Record<string, number> = {};
  private machineBefore = machineSeconds();
  private at = performance.now();

  constructor(private readonly groups: Record<string, () => (number | undefined)[]>) {}

  private read(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, pids] of Object.entries(this.groups))
      out[name] = pids().reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);
    return out;
  }

  start(): void {
    this.before = this.read();
    this.machineBefore = machineSeconds();
    this.at = performance.now();
  }

  /** CPU seconds per group since start, the wall seconds, and the machine's busy share. */
  stop(): { seconds: number; machine: number; cpu: Record<string, number> } {
    const after = this.read();
    const m = machineSeconds();
    const cpu: Record<string, number> = {};
    for (const name of Object.keys(after)) cpu[name] = after[name] - (this.before[name] ?? 0);
    return {
      seconds: (performance.now() - this.at) / 1000,
      machine: (m.busy - this.machineBefore.busy) / (m.total - this.machineBefore.total),
      cpu,
    };
  }
}

/** This process's open-file limit (children inherit it); Infinity when unknown. */
export function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}
