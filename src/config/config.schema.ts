import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().min(1)));
const url = (protocols: RegExp) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.test(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.source.replace(/[\^$()]/g, '')})`,
  );
/** A browser origin as browsers send it: scheme, host and port, no path or trailing slash. */
const origin = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return /^https?:$/.test(u.protocol) && u.origin === v;
  } catch {
    return false;
  }
}, "each origin must be scheme://host[:port] (no path or trailing '/'), or '*'");
/** Common images, PDF, plain text, office documents, zip, audio and video. */
export const DEFAULT_ATTACHMENT_TYPES = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'application/zip',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'audio/mp4',
  'audio/webm',
  'video/mp4',
  'video/webm',
  'video/ogg',
  'video/quicktime',
];
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/**
 * Every setting Parley reads from its environment. Names are the environment variable names,
 * so a validation error names exactly what the operator must fix.
 */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: int(0, 65535).default(3000), // 0: any free port (tests)
    // Connections the kernel holds before they are accepted (capped by net.core.somaxconn):
    // a reconnect storm of thousands of sockets overflows Node's default of 511, and each
    // dropped SYN costs its client a TCP retransmission (1 s, then 3, 7, 15 s).
    LISTEN_BACKLOG: int(1, 65535).default(4096),
    NODE_ID: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ -')
      .optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),

    MONGO_URL: url(/^mongodb(\+srv)?:$/),
    // A database call that gets no answer this long fails (its outcome unknown: the actor
    // reloads) instead of holding a conversation's mailbox for good.
    MONGO_SOCKET_TIMEOUT_MS: int(1000, 600_000).default(15_000),
    REDIS_URL: url(/^rediss?:$/),
    KAFKA_BROKERS: csv.pipe(
      z
        .array(z.string().regex(/^[^:\s]+:\d{1,5}$/, 'each broker must be host:port'))
        .min(1, 'needs at least one host:port'),
    ),
    KAFKA_CLIENT_ID: z.string().min(1).default('parley'),
    S3_ENDPOINT: url(/^https?:$/).optional(),
    S3_BUCKET: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name'),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    // Attachments (src/attachments): browsers upload straight to S3 with a presigned POST.
    ATTACHMENT_MAX_BYTES: int(1, 5 * 1024 ** 3).default(25 * 1024 * 1024),
    // Media types a presign accepts. Never text/html, image/svg+xml or scripts by default:
    // a download of those could run in a browser.
    ATTACHMENT_TYPES: csv
      .pipe(
        z.array(
          z
            .string()
            .regex(
              /^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/,
              'must be type/subtype in lower case',
            ),
        ),
      )
      .default(DEFAULT_ATTACHMENT_TYPES),
    ATTACHMENT_UPLOAD_EXPIRY_S: int(60, 3600).default(600),
    // How long a download URL lives (the contract allows at most 5 minutes).
    ATTACHMENT_DOWNLOAD_EXPIRY_S: int(10, 300).default(300),
    // Seconds a pending upload that no message carries is kept before it is deleted.
    ATTACHMENT_PENDING_TTL: int(60, 30 * 24 * 3600).default(24 * 3600),

    AUTH_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    AUTH_JWKS_URL: url(/^https?:$/).optional(),
    AUTH_AUDIENCE: z.string().min(1).default('chat'),
    AUTH_ISSUER: z.string().min(1).optional(),
    CORS_ORIGINS: csv.pipe(z.array(z.union([z.literal('*'), origin]))).default([]),
    // The demo's dev sign-in (POST /demo/token mints a token for any user id): development
    // only. `npm run up` sets it; production leaves it off.
    DEMO_ENABLED: bool.default(false),

    MESSAGE_MAX_LENGTH: int(1, 100_000).default(8000),
    GROUP_MAX_PARTICIPANTS: int(2, 100_000).default(1000),
    SEND_RATE_PER_SECOND: int(1, 100_000).default(10),
    SEND_RATE_BURST: int(1, 1_000_000).default(50),
    /** Distinct emoji one message takes (one more answers `conflict`). */
    REACTION_MAX_DISTINCT: int(1, 1000).default(50),
    // A busy conversation's summary (lastSeq, lastMessage) and its senders' implicit read
    // cursors are written at most once per this interval (the first send after a quiet one
    // at once); the owning actor's memory is the truth meanwhile. 0: after every flush.
    SUMMARY_WRITE_INTERVAL_MS: int(0, 10_000).default(500),
    HEALTH_TIMEOUT_MS: int(100, 30_000).default(1500),
    SHUTDOWN_TIMEOUT_MS: int(100, 120_000).default(10_000),
    // Cluster membership and node-to-node requests (src/cluster).
    // Namespaces every Redis key and channel of one cluster (membership, bus, Socket.IO
    // adapter), so several clusters or test runs can share a Redis.
    CLUSTER_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1-32 characters of A-Z a-z 0-9 . _ -')
      .default('parley'),
    CLUSTER_HEARTBEAT_MS: int(100, 60_000).default(1000),
    CLUSTER_NODE_TTL_MS: int(500, 600_000).default(5000),
    CLUSTER_REQUEST_TIMEOUT_MS: int(100, 120_000).default(5000),
    // Typing indicators and presence (src/presence).
    TYPING_THROTTLE_MS: int(100, 60_000).default(2000),
    // The contract promises a quiet typist is stopped within 6 s.
    TYPING_TIMEOUT_MS: int(500, 6000).default(5000),
    PRESENCE_OFFLINE_DEBOUNCE_MS: int(0, 60_000).default(1500),
    PRESENCE_SWEEP_MS: int(100, 60_000).default(1000),
    // Asynchronous work (src/events relay, src/jobs workers): in the gateway by default, or
    // only in `npm run worker` processes when the gateways set these to false.
    RELAY_ENABLED: bool.default(true),
    WORKERS_ENABLED: bool.default(true),
    OUTBOX_POLL_MS: int(10, 60_000).default(200),
    OUTBOX_BATCH_SIZE: int(1, 10_000).default(500),
    // An event whose change is still not stored this long after its time is dropped.
    OUTBOX_GRACE_MS: int(1000, 3_600_000).default(30_000),
    // Bounds one Kafka publish (the idempotent producer itself retries without end).
    KAFKA_PUBLISH_TIMEOUT_MS: int(500, 600_000).default(15_000),
    DELIVERY_CONCURRENCY: int(1, 1000).default(8),
    DELIVERY_ATTEMPTS: int(1, 100).default(8),
    // A new message's delivery job carries its recipients (as of the send) for conversations
    // of up to this many; bigger ones read the conversation. 0: always read.
    DELIVERY_RECIPIENTS_MAX: int(0, 10_000).default(256),
    // Message search (src/search): an OpenSearch cluster. Unset, search answers `unavailable`
    // and nothing is indexed.
    SEARCH_URL: url(/^https?:$/).optional(),
    SEARCH_USERNAME: z.string().min(1).optional(),
    SEARCH_PASSWORD: z.string().min(1).optional(),
    // The alias queries and writes go through; its index is `<alias>-v<mapping version>`.
    SEARCH_INDEX: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'must be 1-64 characters of a-z 0-9 . _ -')
      .default('parley-messages'),
    SEARCH_INDEX_SHARDS: int(1, 64).default(1),
    SEARCH_INDEX_REPLICAS: int(0, 8).default(0),
    SEARCH_INDEX_BATCH: int(1, 5000).default(500),
    SEARCH_TIMEOUT_MS: int(100, 120_000).default(5000),
  })
  .superRefine((env, ctx) => {
    if (!env.AUTH_JWT_SECRET && !env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'one of AUTH_JWT_SECRET or AUTH_JWKS_URL is required',
      });
    }
    if (env.DEMO_ENABLED && !env.AUTH_JWT_SECRET) {
      ctx.addIssue({
        code: 'custom',
        path: ['DEMO_ENABLED'],
        message: 'the demo signs its dev tokens with AUTH_JWT_SECRET, which is not set',
      });
    }
    if (!!env.S3_ACCESS_KEY_ID !== !!env.S3_SECRET_ACCESS_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: [env.S3_ACCESS_KEY_ID ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID'],
        message: 'must be set together with its pair (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY)',
      });
    }
    if (!!env.SEARCH_USERNAME !== !!env.SEARCH_PASSWORD) {
      ctx.addIssue({
        code: 'custom',
        path: [env.SEARCH_USERNAME ? 'SEARCH_PASSWORD' : 'SEARCH_USERNAME'],
        message: 'must be set together with its pair (SEARCH_USERNAME, SEARCH_PASSWORD)',
      });
    }
    // A node whose entry expires between two of its own beats would flap in and out.
    if (env.CLUSTER_NODE_TTL_MS <= 2 * env.CLUSTER_HEARTBEAT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['CLUSTER_NODE_TTL_MS'],
        message: `must be more than twice CLUSTER_HEARTBEAT_MS (${env.CLUSTER_HEARTBEAT_MS})`,
      });
    }
  });

export type Env = z.infer<typeof envSchema>;
