import { ConfigError, loadConfig } from '../config/load-config';

const valid = {
  MONGO_URL: 'mongodb://127.0.0.1:27018/parley',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092',
  S3_BUCKET: 'parley',
  AUTH_JWT_SECRET: 'x'.repeat(32),
};

describe('cluster configuration', () => {
  it('defaults to a 1 s heartbeat, a 5 s TTL and a 5 s request timeout', () => {
    expect(loadConfig(valid).cluster).toEqual({
      prefix: 'parley',
      heartbeatMs: 1000,
      nodeTtlMs: 5000,
      requestTimeoutMs: 5000,
    });
  });

  it('reads the CLUSTER_* variables', () => {
    const config = loadConfig({
      ...valid,
      CLUSTER_HEARTBEAT_MS: '250',
      CLUSTER_NODE_TTL_MS: '2000',
      CLUSTER_REQUEST_TIMEOUT_MS: '1500',
      CLUSTER_PREFIX: 'staging',
    });
    expect(config.cluster).toEqual({
      prefix: 'staging',
      heartbeatMs: 250,
      nodeTtlMs: 2000,
      requestTimeoutMs: 1500,
    });
  });

  it('refuses a TTL that is not more than twice the heartbeat, saying why', () => {
    expect(() =>
      loadConfig({ ...valid, CLUSTER_HEARTBEAT_MS: '1000', CLUSTER_NODE_TTL_MS: '2000' }),
    ).toThrow(
      new ConfigError(
        'Invalid configuration: CLUSTER_NODE_TTL_MS: must be more than twice CLUSTER_HEARTBEAT_MS (1000)',
      ),
    );
  });

  it.each([
    ['CLUSTER_HEARTBEAT_MS', '99'],
    ['CLUSTER_HEARTBEAT_MS', '60001'],
    ['CLUSTER_NODE_TTL_MS', '499'],
    ['CLUSTER_NODE_TTL_MS', '600001'],
    ['CLUSTER_REQUEST_TIMEOUT_MS', 'soon'],
  ])('refuses %s=%s and names it', (name, value) => {
    expect(() => loadConfig({ ...valid, [name]: value })).toThrow(
      new RegExp(`^Invalid configuration: ${name}:`),
    );
  });
});
