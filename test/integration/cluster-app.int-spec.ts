import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import Redis from 'ioredis';
import { ClusterMembership } from '../../src/cluster/cluster-membership';
import { NodeBus } from '../../src/cluster/node-bus';
import { startTestApp } from '../support/app';

/** ClusterModule wired into the application: lifecycle hooks, metrics, its own prefix. */
describe('ClusterModule in the application', () => {
  const nodeId = `cluster-it-${randomUUID().slice(0, 8)}`; // unique: never another node's id
  const prefix = `it-${nodeId}`;
  let app: NestFastifyApplication | undefined;
  let url: string;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(process.env.REDIS_URL!);
    ({ app, url } = await startTestApp({
      NODE_ID: nodeId,
      CLUSTER_PREFIX: prefix,
      LOG_LEVEL: 'fatal',
    }));
  });
  afterAll(async () => {
    await app?.close();
    await redis.quit();
  });

  it('joins the cluster on bootstrap and listens on its bus', async () => {
    const membership = app!.get(ClusterMembership);
    expect(membership.nodeId).toBe(nodeId);
    expect(membership.liveNodes()).toContain(nodeId);
    expect(Number(await redis.zscore(`${prefix}:nodes`, nodeId))).toBeGreaterThan(Date.now());
    expect(await redis.pubsub('NUMSUB', `${prefix}:bus:${nodeId}`)).toEqual([
      `${prefix}:bus:${nodeId}`,
      1,
    ]);
    await expect(app!.get(NodeBus).request(`absent-${nodeId}`, {})).rejects.toMatchObject({
      code: 'unavailable',
      message: `node absent-${nodeId} is not listening`,
    });
  });

  it('exports the cluster metrics', async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^parley_cluster_live_nodes [1-9]/m);
    expect(text).toMatch(/^parley_bus_requests_total\{outcome="error"\} 1$/m);
    expect(text).toContain('parley_bus_request_seconds_bucket');
  });

  it('leaves the cluster and stops listening when it closes', async () => {
    await app!.close();
    app = undefined;
    expect(await redis.zscore(`${prefix}:nodes`, nodeId)).toBeNull();
    expect(await redis.pubsub('NUMSUB', `${prefix}:bus:${nodeId}`)).toEqual([
      `${prefix}:bus:${nodeId}`,
      0,
    ]);
  });
});
