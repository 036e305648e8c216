import { randomBytes } from 'node:crypto';

/**
 * On a machine with a Docker engine and no local stack, starts the same roles as
 * docker-compose.yml with testcontainers. Returns undefined when no engine answers.
 * (The machines this project is built on have no engine; scripts/stack.sh runs them instead.)
 */
export async function startContainers(): Promise<Record<string, string> | undefined> {
  const tc = await import('testcontainers');
  try {
    await tc.getContainerRuntimeClient();
  } catch {
    return undefined;
  }
  const { GenericContainer, Wait } = tc;
  const [redis, mongo, kafka, s3, search] = await Promise.all([
    new GenericContainer('redis:7.4')
      .withCommand(['redis-server', '--maxmemory-policy', 'noeviction'])
      .withExposedPorts(6379)
      .start(),
    new GenericContainer('mongo:8.0')
      .withCommand(['--replSet', 'rs0', '--bind_ip_all'])
      .withExposedPorts(27017)
      .withWaitStrategy(Wait.forLogMessage(/Waiting for connections/))
      .start(),
    new GenericContainer('apache/kafka:4.1.1')
      .withExposedPorts({ container: 9092, host: 19092 })
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
        KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://localhost:19092',
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
      .start(),
    new GenericContainer('andrewgaul/s3proxy:latest')
      .withEnvironment({
        S3PROXY_AUTHORIZATION: 'aws-v2-or-v4',
        S3PROXY_IDENTITY: 'parley-dev',
        S3PROXY_CREDENTIAL: 'parley-dev-secret-key-0123456789',
        JCLOUDS_PROVIDER: 'filesystem',
      })
      .withExposedPorts(80)
      .start(),
    new GenericContainer('opensearchproject/opensearch:2.19.6')
      .withEnvironment({
        'discovery.type': 'single-node',
        DISABLE_SECURITY_PLUGIN: 'true',
        DISABLE_INSTALL_DEMO_CONFIG: 'true',
        OPENSEARCH_JAVA_OPTS: '-Xms512m -Xmx512m',
      })
      .withExposedPorts(9200)
      .withWaitStrategy(Wait.forHttp('/_cluster/health?wait_for_status=yellow', 9200))
      .start(),
  ]);
  await mongo.exec([
    'mongosh',
    '--quiet',
    '--eval',
    "rs.initiate({_id:'rs0',members:[{_id:0,host:'localhost:27017'}]})",
  ]);
  return {
    MONGO_URL: `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/parley?directConnection=true`,
    REDIS_URL: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    KAFKA_BROKERS: `${kafka.getHost()}:19092`,
    S3_ENDPOINT: `http://${s3.getHost()}:${s3.getMappedPort(80)}`,
    S3_BUCKET: 'parley',
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'parley-dev',
    S3_SECRET_ACCESS_KEY: 'parley-dev-secret-key-0123456789',
    SEARCH_URL: `http://${search.getHost()}:${search.getMappedPort(9200)}`,
    AUTH_JWT_SECRET: randomBytes(24).toString('hex'),
  };
}
