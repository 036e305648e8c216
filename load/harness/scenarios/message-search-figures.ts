/** Q1's figures from what the nodes and OpenSearch answer (pure, see message-search.ts). */

/** Cumulative bucket counts by upper bound (Infinity for +Inf). */
export type Buckets = Map<number, number>;

/** The `parley_search_index_lag_seconds` buckets of one /metrics text. */
export function lagBuckets(metrics: string): Buckets {
  const out: Buckets = new Map();
  for (const m of metrics.matchAll(
    /^parley_search_index_lag_seconds_bucket\{le="([^"]+)"\} (\d+)$/gm,
  ))
    out.set(m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2]));
  return out;
}

/** The buckets of several nodes as one histogram. */
export function sumBuckets(all: Buckets[]): Buckets {
  const out: Buckets = new Map();
  for (const b of all) for (const [le, n] of b) out.set(le, (out.get(le) ?? 0) + n);
  return out;
}

/**
 * The upper bound of the bucket that holds percentile `p` of the samples observed between
 * two scrapes (`before` and `after`), and how many samples that is. NaN without samples.
 */
export function bucketPercentile(
  before: Buckets,
  after: Buckets,
  p: number,
): { bound: number; samples: number } {
  const delta = (le: number) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const samples = delta(Infinity);
  if (samples <= 0) return { bound: NaN, samples: 0 };
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const bound = bounds.find((le) => delta(le) >= (samples * p) / 100) ?? Infinity;
  return { bound, samples };
}

/** Size of an index (or of the indices behind an alias) from `GET <index>/_stats/docs,store`. */
export function indexSize(stats: unknown): { bytes: number; docs: number; deleted: number } {
  const total = (
    stats as {
      _all?: {
        total?: {
          docs?: { count?: number; deleted?: number };
          store?: { size_in_bytes?: number };
        };
      };
    }
  )._all?.total;
  const bytes = total?.store?.size_in_bytes;
  const docs = total?.docs?.count;
  if (typeof bytes !== 'number' || typeof docs !== 'number')
    throw new Error(
      `no _all.total store and docs in _stats: ${JSON.stringify(stats).slice(0, 200)}`,
    );
  return { bytes, docs, deleted: total?.docs?.deleted ?? 0 };
}

/** Requests by command from FerretDB's /debug/metrics (`ferretdb_client_requests_total`). */
export function ferretCommands(metrics: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of metrics.matchAll(
    /^ferretdb_client_requests_total\{command="([^"]+)",[^}]*\} (\d+)$/gm,
  ))
    out.set(m[1], (out.get(m[1]) ?? 0) + Number(m[2]));
  return out;
}
