import { ConfigError, loadConfig } from './load-config';

const valid = {
  MONGO_URL: 'mongodb://127.0.0.1:27018/parley',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19094',
  S3_ENDPOINT: 'http://127.0.0.1:19000',
  S3_BUCKET: 'parley',
  S3_ACCESS_KEY_ID: 'key',
  S3_SECRET_ACCESS_KEY: 'secret',
  AUTH_JWT_SECRET: 'x'.repeat(32),
};

function errorOf(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig', () => {
  it('accepts a complete environment and applies defaults', () => {
    const config = loadConfig(valid);
    expect(config.port).toBe(3000);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:19092', '127.0.0.1:19094']);
    expect(config.auth.audience).toBe('chat');
    expect(config.limits).toEqual({
      messageMaxLength: 8000,
      groupMaxParticipants: 1000,
      sendRatePerSecond: 10,
      sendRateBurst: 50,
      reactionMaxDistinct: 50,
    });
    expect(config.s3.credentials).toEqual({ accessKeyId: 'key', secretAccessKey: 'secret' });
    expect(config.nodeId).toMatch(/-3000$/);
  });

  it('accepts attachments of common types by default, never HTML, SVG or scripts', () => {
    const { attachments } = loadConfig(valid);
    expect(attachments.maxBytes).toBe(25 * 1024 * 1024);
    expect(attachments.types).toEqual(expect.arrayContaining(['image/png', 'application/pdf']));
    for (const t of ['text/html', 'image/svg+xml', 'text/javascript', 'application/javascript'])
      expect(attachments.types).not.toContain(t);
    expect(attachments.downloadExpirySeconds).toBeLessThanOrEqual(300);
    const custom = loadConfig({ ...valid, ATTACHMENT_TYPES: 'image/png, text/csv' });
    expect(custom.attachments.types).toEqual(['image/png', 'text/csv']);
    expect(errorOf({ ...valid, ATTACHMENT_TYPES: 'Image/PNG' })).toMatch(/ATTACHMENT_TYPES/);
    expect(errorOf({ ...valid, ATTACHMENT_DOWNLOAD_EXPIRY_S: '600' })).toMatch(
      /ATTACHMENT_DOWNLOAD_EXPIRY_S/,
    );
  });

  it('stops a quiet typist within the contract’s 6 s, whatever TYPING_TIMEOUT_MS says', () => {
    expect(loadConfig(valid).typing.timeoutMs).toBe(5000);
    expect(loadConfig({ ...valid, TYPING_TIMEOUT_MS: '6000' }).typing.timeoutMs).toBe(6000);
    expect(errorOf({ ...valid, TYPING_TIMEOUT_MS: '6001' })).toMatch(
      /^Invalid configuration: TYPING_TIMEOUT_MS:/,
    );
  });

  it('names a missing variable in one line', () => {
    const message = errorOf({ ...valid, MONGO_URL: undefined });
    expect(message).toBe('Invalid configuration: MONGO_URL is required');
  });

  it('treats an empty value as unset', () => {
    expect(errorOf({ ...valid, REDIS_URL: '  ' })).toContain('REDIS_URL is required');
    expect(loadConfig({ ...valid, PORT: '' }).port).toBe(3000);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['LISTEN_BACKLOG', '0'],
    ['MONGO_URL', 'http://localhost:27017'],
    ['REDIS_URL', 'not a url'],
    ['KAFKA_BROKERS', 'localhost'],
    ['S3_BUCKET', 'Bad_Bucket'],
    ['AUTH_JWT_SECRET', 'short'],
    ['NODE_ID', 'has spaces'],
    ['LOG_LEVEL', 'loud'],
  ])('refuses a malformed %s (%s) and names it', (name, value) => {
    const message = errorOf({ ...valid, [name]: value });
    expect(message.startsWith(`Invalid configuration: ${name}:`)).toBe(true);
    expect(message.split('\n')).toHaveLength(1);
  });

  it('lists every bad variable at once', () => {
    const message = errorOf({ ...valid, PORT: 'x', KAFKA_BROKERS: undefined });
    expect(message).toContain('PORT:');
    expect(message).toContain('KAFKA_BROKERS is required');
  });

  it('requires a JWT secret or a JWKS URL', () => {
    expect(errorOf({ ...valid, AUTH_JWT_SECRET: undefined })).toContain(
      'AUTH_JWT_SECRET: one of AUTH_JWT_SECRET or AUTH_JWKS_URL is required',
    );
    const jwks = loadConfig({
      ...valid,
      AUTH_JWT_SECRET: undefined,
      AUTH_JWKS_URL: 'https://id.example.test/.well-known/jwks.json',
    });
    expect(jwks.auth.jwksUrl).toBe('https://id.example.test/.well-known/jwks.json');
  });

  it('requires both S3 keys or neither', () => {
    expect(errorOf({ ...valid, S3_SECRET_ACCESS_KEY: undefined })).toContain(
      'S3_SECRET_ACCESS_KEY:',
    );
    const ambient = loadConfig({
      ...valid,
      S3_ACCESS_KEY_ID: undefined,
      S3_SECRET_ACCESS_KEY: undefined,
    });
    expect(ambient.s3.credentials).toBeUndefined();
  });

  it('takes CORS_ORIGINS as exact browser origins, or `*`', () => {
    expect(
      loadConfig({ ...valid, CORS_ORIGINS: 'https://a.test, http://127.0.0.1:8080' }).corsOrigins,
    ).toEqual(['https://a.test', 'http://127.0.0.1:8080']);
    expect(loadConfig({ ...valid, CORS_ORIGINS: '*' }).corsOrigins).toEqual(['*']);
    expect(errorOf({ ...valid, CORS_ORIGINS: 'https://a.test/' })).toMatch(
      /^Invalid configuration: CORS_ORIGINS: /,
    );
    expect(errorOf({ ...valid, CORS_ORIGINS: 'a.test' })).toMatch(/CORS_ORIGINS/);
  });

  it('keeps the demo sign-in off unless DEMO_ENABLED=true, which needs the HS256 secret', () => {
    expect(loadConfig(valid).demo).toEqual({ enabled: false });
    expect(loadConfig({ ...valid, DEMO_ENABLED: 'true' }).demo).toEqual({ enabled: true });
    expect(
      errorOf({
        ...valid,
        DEMO_ENABLED: 'true',
        AUTH_JWT_SECRET: undefined,
        AUTH_JWKS_URL: 'https://id.test/jwks.json',
      }),
    ).toMatch(/DEMO_ENABLED: the demo signs its dev tokens with AUTH_JWT_SECRET/);
    expect(errorOf({ ...valid, DEMO_ENABLED: 'yes' })).toMatch(/DEMO_ENABLED/);
  });
});
