import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Inject, Injectable, Optional } from '@nestjs/common';
import Redis from 'ioredis';
import type { Connection } from 'mongoose';
import { AppConfig } from '../config/app-config';
import type { KafkaClients } from '../infra/kafka';
import { KAFKA, MONGO_CONNECTION, REDIS, S3 } from '../infra/tokens';
import { withTimeout } from '../infra/with-timeout';
import { SEARCH_INDEX, type SearchIndex } from '../search/search-index';

export type Dependency = 'mongo' | 'redis' | 'kafka' | 's3' | 'search';
/** Down, these make the node degraded but still ready: chat works without them. */
const OPTIONAL: ReadonlySet<Dependency> = new Set(['search']);
export type CheckResult = { status: 'up' } | { status: 'down'; error: string };
export type HealthReport = {
  status: 'ok' | 'error';
  /** `search` only when SEARCH_URL is set. */
  checks: Partial<Record<Dependency, CheckResult>>;
  /** Every dependency a node needs to serve chat is up (what readiness asks). */
  serving: boolean;
};

/** Pings each dependency for real, in parallel, each bounded by HEALTH_TIMEOUT_MS. */
@Injectable()
export class HealthService {
  private readonly probes: Partial<Record<Dependency, () => Promise<unknown>>>;

  constructor(
    private readonly config: AppConfig,
    @Inject(MONGO_CONNECTION) mongo: Connection,
    @Inject(REDIS) redis: Redis,
    @Inject(KAFKA) kafka: KafkaClients,
    @Inject(S3) s3: S3Client,
    @Optional() @Inject(SEARCH_INDEX) search?: SearchIndex | null,
  ) {
    this.probes = {
      mongo: () => mongo.db!.command({ ping: 1 }),
      redis: () => redis.ping(),
      kafka: () => kafka.describeCluster(),
      s3: () => s3.send(new HeadBucketCommand({ Bucket: config.s3.bucket })),
      ...(search && { search: () => search.ping() }),
    };
  }

  async check(): Promise<HealthReport> {
    const names = Object.keys(this.probes) as Dependency[];
    const results = await Promise.all(names.map((name) => this.probe(name)));
    const checks = Object.fromEntries(
      names.map((n, i) => [n, results[i]]),
    ) as HealthReport['checks'];
    const ok = results.every((r) => r.status === 'up');
    const serving = names.every((n, i) => OPTIONAL.has(n) || results[i].status === 'up');
    return { status: ok ? 'ok' : 'error', checks, serving };
  }

  private async probe(name: Dependency): Promise<CheckResult> {
    try {
      await withTimeout(this.probes[name]!(), this.config.healthTimeoutMs, `${name} ping`);
      return { status: 'up' };
    } catch (err) {
      return { status: 'down', error: err instanceof Error ? err.message : String(err) };
    }
  }
}
