import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databasePids, withDescendants } from './cpu';

describe('databasePids', () => {
  let root: string;
  const children: ReturnType<typeof spawn>[] = [];
  const child = () => {
    const c = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(c);
    return c.pid!;
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'parley-cpu-'));
    mkdirSync(join(root, '.stack', 'data', 'pg'), { recursive: true });
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    rmSync(root, { recursive: true, force: true });
  });

  it('finds the MongoDB role, PostgreSQL pid files and postmaster.pid, never another service', () => {
    const mongo = child();
    const postgres = child();
    const postmaster = child();
    const redis = child();
    const stack = join(root, '.stack');
    writeFileSync(join(stack, 'mongo.pid'), `${mongo}\n`);
    writeFileSync(join(stack, 'postgres.pid'), `${postgres}\n`);
    writeFileSync(
      join(stack, 'data', 'pg', 'postmaster.pid'),
      `${postmaster}\n/data\n1700000000\n`,
    );
    writeFileSync(join(stack, 'redis.pid'), `${redis}\n`);
    writeFileSync(join(stack, 'node-1.pid'), `${process.pid}\n`);
    expect(databasePids(root).sort()).toEqual([mongo, postgres, postmaster].sort());
  });

  it('ignores a pid file whose process is gone, and a missing .stack', () => {
    writeFileSync(join(root, '.stack', 'mongo.pid'), '999999999\n');
    expect(databasePids(root)).toEqual([]);
    expect(databasePids(join(root, 'nowhere'))).toEqual([]);
  });

  it('counts a process tree: every descendant of a root', async () => {
    // A shell that starts a child of its own: the grandchild belongs to the tree too.
    const sh = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    children.push(sh);
    let tree: number[] = [];
    for (let i = 0; i < 100 && tree.length < 2; i++) {
      tree = withDescendants([sh.pid]);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const pid of tree) if (pid !== sh.pid) process.kill(pid, 'SIGKILL');
    expect(tree).toContain(sh.pid);
    expect(tree.length).toBe(2);
    expect(withDescendants([undefined])).toEqual([]);
  });
});
