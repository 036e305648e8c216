import {
  bucketPercentile,
  ferretCommands,
  indexSize,
  lagBuckets,
  sumBuckets,
} from './message-search-figures';

const metrics = (counts: number[]) =>
  [
    '# HELP parley_search_index_lag_seconds From a message change to its indexing',
    '# TYPE parley_search_index_lag_seconds histogram',
    ...['0.1', '0.5', '1', '5', '+Inf'].map(
      (le, i) => `parley_search_index_lag_seconds_bucket{le="${le}"} ${counts[i]}`,
    ),
    'parley_search_index_lag_seconds_sum 12.5',
    `parley_search_index_lag_seconds_count ${counts[4]}`,
    'parley_search_index_lag_last_seconds 0.2',
  ].join('\n');

describe('Q1 lag figures', () => {
  it('reads the cumulative buckets of a /metrics text', () => {
    expect([...lagBuckets(metrics([1, 2, 3, 4, 5]))]).toEqual([
      [0.1, 1],
      [0.5, 2],
      [1, 3],
      [5, 4],
      [Infinity, 5],
    ]);
  });

  it('takes the percentile over the samples between two scrapes of both nodes only', () => {
    // Before: 1000 old samples, all slow (the bulk load's), which must not count.
    const before = sumBuckets([
      lagBuckets(metrics([0, 0, 0, 0, 600])),
      lagBuckets(metrics([0, 0, 0, 0, 400])),
    ]);
    // Between: 200 samples, 150 under 0.1 s, 48 more under 0.5 s, 2 under 5 s.
    const after = sumBuckets([
      lagBuckets(metrics([75, 99, 99, 100, 700])),
      lagBuckets(metrics([75, 99, 99, 100, 500])),
    ]);
    expect(bucketPercentile(before, after, 50)).toEqual({ bound: 0.1, samples: 200 });
    expect(bucketPercentile(before, after, 99)).toEqual({ bound: 0.5, samples: 200 });
    expect(bucketPercentile(before, after, 100)).toEqual({ bound: 5, samples: 200 });
  });

  it('has no percentile without samples, and +Inf when they are past the last bound', () => {
    const b = lagBuckets(metrics([1, 1, 1, 1, 1]));
    expect(bucketPercentile(b, b, 99)).toEqual({ bound: NaN, samples: 0 });
    const late = lagBuckets(metrics([1, 1, 1, 1, 11]));
    expect(bucketPercentile(b, late, 99)).toEqual({ bound: Infinity, samples: 10 });
  });
});

describe('Q1 index size', () => {
  it('reads bytes and documents from _stats', () => {
    const stats = {
      _shards: { total: 1, successful: 1, failed: 0 },
      _all: {
        primaries: { docs: { count: 100, deleted: 3 }, store: { size_in_bytes: 2048 } },
        total: { docs: { count: 100, deleted: 3 }, store: { size_in_bytes: 2048 } },
      },
      indices: {},
    };
    expect(indexSize(stats)).toEqual({ bytes: 2048, docs: 100, deleted: 3 });
  });

  it('refuses an answer without them (an error body, a missing index)', () => {
    expect(() => indexSize({ error: { type: 'index_not_found_exception' }, status: 404 })).toThrow(
      /no _all.total/,
    );
  });
});

describe('FerretDB command counts', () => {
  it('sums the requests of each command over opcodes', () => {
    const text = [
      '# TYPE ferretdb_client_requests_total counter',
      'ferretdb_client_requests_total{command="find",opcode="OP_MSG"} 3068',
      'ferretdb_client_requests_total{command="insert",opcode="OP_MSG"} 120',
      'ferretdb_client_requests_total{command="unknown",opcode="OP_QUERY"} 68',
      'ferretdb_client_requests_total{command="find",opcode="OP_QUERY"} 2',
      'ferretdb_client_responses_total{argument="unknown",command="find",opcode="OP_MSG",result="ok"} 9',
    ].join('\n');
    expect([...ferretCommands(text)]).toEqual([
      ['find', 3070],
      ['insert', 120],
      ['unknown', 68],
    ]);
  });
});
