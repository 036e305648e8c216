import { hostname } from 'node:os';
import type { Env } from './config.schema';

/** The typed configuration every other module receives by injection (token: AppConfig). */
export class AppConfig {
  readonly env: Env['NODE_ENV'];
  readonly host: string;
  readonly port: number;
  readonly listenBacklog: number;
  readonly nodeId: string;
  readonly logLevel: Env['LOG_LEVEL'];
  readonly mongo: { url: string; socketTimeoutMs: number };
  readonly redis: { url: string };
  readonly kafka: { brokers: string[]; clientId: string };
  readonly s3: {
    endpoint?: string;
    bucket: string;
    region: string;
    credentials?: { accessKeyId: string; secretAccessKey: string };
  };
  readonly attachments: {
    maxBytes: number;
    types: readonly string[];
    uploadExpirySeconds: number;
    downloadExpirySeconds: number;
    pendingTtlSeconds: number;
  };
  readonly auth: { jwtSecret?: string; jwksUrl?: string; audience: string; issuer?: string };
  readonly corsOrigins: string[];
  readonly demo: { enabled: boolean };
  readonly limits: {
    messageMaxLength: number;
    groupMaxParticipants: number;
    sendRatePerSecond: number;
    sendRateBurst: number;
    reactionMaxDistinct: number;
  };
  /** SUMMARY_WRITE_INTERVAL_MS: how often a busy conversation's summary is written. */
  readonly summaryWriteIntervalMs: number;
  readonly healthTimeoutMs: number;
  readonly shutdownTimeoutMs: number;
  readonly cluster: {
    prefix: string;
    heartbeatMs: number;
    nodeTtlMs: number;
    requestTimeoutMs: number;
  };
  readonly typing: { throttleMs: number; timeoutMs: number };
  readonly presence: { offlineDebounceMs: number; sweepMs: number };
  readonly outbox: {
    relayEnabled: boolean;
    pollMs: number;
    batchSize: number;
    graceMs: number;
    publishTimeoutMs: number;
  };
  readonly workers: {
    enabled: boolean;
    deliveryConcurrency: number;
    deliveryAttempts: number;
    /** A new message's delivery job carries its recipients up to this many (0: never). */
    deliveryRecipientsMax: number;
  };
  /** Message search; `url` unset: search is off (answers `unavailable`, nothing indexed). */
  readonly search: {
    url?: string;
    auth?: { username: string; password: string };
    alias: string;
    shards: number;
    replicas: number;
    batchSize: number;
    timeoutMs: number;
  };

  constructor(env: Env) {
    this.env = env.NODE_ENV;
    this.host = env.HOST;
    this.port = env.PORT;
    this.listenBacklog = env.LISTEN_BACKLOG;
    this.nodeId = env.NODE_ID ?? `${hostname()}-${env.PORT}`;
    this.logLevel = env.LOG_LEVEL;
    this.mongo = { url: env.MONGO_URL, socketTimeoutMs: env.MONGO_SOCKET_TIMEOUT_MS };
    this.redis = { url: env.REDIS_URL };
    this.kafka = { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID };
    this.s3 = {
      endpoint: env.S3_ENDPOINT,
      bucket: env.S3_BUCKET,
      region: env.S3_REGION,
      credentials:
        env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
          ? { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
          : undefined,
    };
    this.attachments = {
      maxBytes: env.ATTACHMENT_MAX_BYTES,
      types: env.ATTACHMENT_TYPES,
      uploadExpirySeconds: env.ATTACHMENT_UPLOAD_EXPIRY_S,
      downloadExpirySeconds: env.ATTACHMENT_DOWNLOAD_EXPIRY_S,
      pendingTtlSeconds: env.ATTACHMENT_PENDING_TTL,
    };
    this.auth = {
      jwtSecret: env.AUTH_JWT_SECRET,
      jwksUrl: env.AUTH_JWKS_URL,
      audience: env.AUTH_AUDIENCE,
      issuer: env.AUTH_ISSUER,
    };
    this.corsOrigins = env.CORS_ORIGINS;
    this.demo = { enabled: env.DEMO_ENABLED };
    this.limits = {
      messageMaxLength: env.MESSAGE_MAX_LENGTH,
      groupMaxParticipants: env.GROUP_MAX_PARTICIPANTS,
      sendRatePerSecond: env.SEND_RATE_PER_SECOND,
      sendRateBurst: env.SEND_RATE_BURST,
      reactionMaxDistinct: env.REACTION_MAX_DISTINCT,
    };
    this.summaryWriteIntervalMs = env.SUMMARY_WRITE_INTERVAL_MS;
    this.healthTimeoutMs = env.HEALTH_TIMEOUT_MS;
    this.shutdownTimeoutMs = env.SHUTDOWN_TIMEOUT_MS;
    this.cluster = {
      prefix: env.CLUSTER_PREFIX,
      heartbeatMs: env.CLUSTER_HEARTBEAT_MS,
      nodeTtlMs: env.CLUSTER_NODE_TTL_MS,
      requestTimeoutMs: env.CLUSTER_REQUEST_TIMEOUT_MS,
    };
    this.typing = { throttleMs: env.TYPING_THROTTLE_MS, timeoutMs: env.TYPING_TIMEOUT_MS };
    this.presence = {
      offlineDebounceMs: env.PRESENCE_OFFLINE_DEBOUNCE_MS,
      sweepMs: env.PRESENCE_SWEEP_MS,
    };
    this.outbox = {
      relayEnabled: env.RELAY_ENABLED,
      pollMs: env.OUTBOX_POLL_MS,
      batchSize: env.OUTBOX_BATCH_SIZE,
      graceMs: env.OUTBOX_GRACE_MS,
      publishTimeoutMs: env.KAFKA_PUBLISH_TIMEOUT_MS,
    };
    this.workers = {
      enabled: env.WORKERS_ENABLED,
      deliveryConcurrency: env.DELIVERY_CONCURRENCY,
      deliveryAttempts: env.DELIVERY_ATTEMPTS,
      deliveryRecipientsMax: env.DELIVERY_RECIPIENTS_MAX,
    };
    this.search = {
      url: env.SEARCH_URL,
      auth:
        env.SEARCH_USERNAME && env.SEARCH_PASSWORD
          ? { username: env.SEARCH_USERNAME, password: env.SEARCH_PASSWORD }
          : undefined,
      alias: env.SEARCH_INDEX,
      shards: env.SEARCH_INDEX_SHARDS,
      replicas: env.SEARCH_INDEX_REPLICAS,
      batchSize: env.SEARCH_INDEX_BATCH,
      timeoutMs: env.SEARCH_TIMEOUT_MS,
    };
  }
}
