import { loadConfig } from '../config/load-config';
import { SendRateLimiter } from './send-rate-limiter';

const config = loadConfig({
  MONGO_URL: 'mongodb://localhost/x',
  REDIS_URL: 'redis://localhost',
  KAFKA_BROKERS: 'localhost:9092',
  S3_BUCKET: 'parley',
  AUTH_JWT_SECRET: 'x'.repeat(32),
  SEND_RATE_PER_SECOND: '2',
  SEND_RATE_BURST: '3',
});

describe('SendRateLimiter', () => {
  it('allows a burst, then refuses with the wait until the next token', () => {
    const limiter = new SendRateLimiter(config);
    for (let i = 0; i < 3; i++) limiter.take('u', 1000);
    expect(() => limiter.take('u', 1000)).toThrow(
      expect.objectContaining({ code: 'rate_limited', retryAfterMs: 500 }),
    );
    // Another user has a bucket of their own.
    expect(() => limiter.take('v', 1000)).not.toThrow();
  });

  it('refills at the configured rate, up to the burst', () => {
    const limiter = new SendRateLimiter(config);
    for (let i = 0; i < 3; i++) limiter.take('u', 0);
    expect(() => limiter.take('u', 499)).toThrow();
    limiter.take('u', 500);
    for (let i = 0; i < 3; i++) limiter.take('u', 60_000);
    expect(() => limiter.take('u', 60_000)).toThrow();
  });
});
