/**
 * D1's preload: the documents of dataset.ts inserted through the driver in big unordered
 * insertMany batches, a few in flight, into the database a running Parley cluster already
 * created (its collections and indexes, as the nodes make them at start-up).
 */
import { mongo } from 'mongoose';
import type { Built } from './dataset';

type Db = InstanceType<typeof mongo.Db>;
type Doc = Record<string, unknown>;

export interface PreloadOptions {
  batch: number;
  inflight: number;
  /** Called now and then with the documents inserted so far. */
  progress?: (docs: number) => void;
}

export interface PreloadStats {
  messages: number;
  conversations: number;
  members: number;
  ms: number;
}

const ATTEMPTS = 5;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts `docs` unordered; what failed for another reason than a duplicate key is tried
 * again (a duplicate on a retry is this loader's own earlier attempt, which did land).
 */
async function insert(db: Db, collection: string, docs: Doc[]): Promise<void> {
  let pending = docs;
  for (let attempt = 1; ; attempt++) {
    try {
      await db.collection(collection).insertMany(pending, { ordered: false });
      return;
    } catch (err) {
      let retry = pending;
      if (err instanceof mongo.MongoBulkWriteError) {
        const errors = [err.writeErrors].flat();
        const real = errors.filter((e) => e.code !== 11000 || attempt === 1);
        if (errors.some((e) => e.code === 11000 && attempt === 1))
          throw new Error(`preload: duplicate key in ${collection}: ${err.message}`, {
            cause: err,
          });
        retry = real.map((e) => pending[e.index]);
      }
      if (!retry.length) return;
      if (attempt >= ATTEMPTS) throw err;
      console.error(
        `bench: preload: ${retry.length} ${collection} documents failed (${String(err).slice(0, 120)}); retrying`,
      );
      pending = retry;
      await sleep(250 * attempt);
    }
  }
}

/** Inserts every document of `source` (built lazily, one conversation at a time). */
export async function preload(
  db: Db,
  source: Iterable<Built>,
  opts: PreloadOptions,
): Promise<PreloadStats> {
  const t0 = performance.now();
  const buffers: Record<string, Doc[]> = { conversations: [], members: [], messages: [] };
  const stats = { messages: 0, conversations: 0, members: 0 };
  const running = new Set<Promise<void>>();
  let failure: unknown;
  let done = 0;
  let reported = 0;

  const dispatch = async (collection: string, count: number) => {
    const docs = buffers[collection].splice(0, count);
    while (running.size >= opts.inflight) await Promise.race(running);
    if (failure) throw failure;
    const p: Promise<void> = insert(db, collection, docs).then(
      () => {
        running.delete(p);
        done += docs.length;
        if (opts.progress && done - reported >= 100_000) opts.progress((reported = done));
      },
      (err: unknown) => {
        running.delete(p);
        failure ??= err;
      },
    );
    running.add(p);
  };

  for (const built of source) {
    buffers.conversations.push(built.conversation);
    for (const m of built.members) buffers.members.push(m);
    for (const m of built.messages) buffers.messages.push(m);
    stats.conversations++;
    stats.members += built.members.length;
    stats.messages += built.messages.length;
    for (const c of Object.keys(buffers))
      while (buffers[c].length >= opts.batch) await dispatch(c, opts.batch);
  }
  for (const c of Object.keys(buffers)) if (buffers[c].length) await dispatch(c, buffers[c].length);
  await Promise.all(running);
  if (failure) throw failure;
  return { ...stats, ms: performance.now() - t0 };
}
