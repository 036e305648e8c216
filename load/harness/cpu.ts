/** CPU and memory of processes and of the machine, read from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
 * included (0 when it is gone). With a process's live children (`withChildren`), a sum stays
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

/** A process and its live children (none when it is gone). */
export function withChildren(pid: number | undefined): number[] {
  if (!pid) return [];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return [pid, ...children.split(/\s+/).filter(Boolean).map(Number)];
  } catch {
    return [];
  }
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
export function stackPid(name: 'redis' | 'pg' | 'mongo' | 'kafka' | 's3'): number | undefined {
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
