import { corsOptions, originAllowed } from './cors';

describe('originAllowed with the request host', () => {
  it.each([
    ['http://127.0.0.1:3000', '127.0.0.1:3000', true], // a page this node served
    ['http://127.0.0.1:3001', '127.0.0.1:3000', false], // another port is another origin
    ['https://evil.test', 'chat.example.com', false],
    ['not a url', 'chat.example.com', false],
  ])('%s on host %s → %s', (origin, host, expected) => {
    expect(originAllowed(origin, [], host)).toBe(expected);
  });
});

describe('corsOptions', () => {
  const resolve = (allowlist: string[], origin: string | undefined) =>
    new Promise((done) => {
      const origin_ = corsOptions(allowlist).origin as (
        o: string | undefined,
        cb: (err: Error | null, value: unknown) => void,
      ) => void;
      origin_(origin, (_, value) => done(value));
    });

  it('echoes an allowed origin, sends nothing to others or without an Origin, `*` only when configured', async () => {
    expect(await resolve(['https://app.test'], 'https://app.test')).toBe('https://app.test');
    expect(await resolve(['https://app.test'], 'https://evil.test')).toBe(false);
    expect(await resolve(['https://app.test'], undefined)).toBe(false);
    expect(await resolve(['*'], 'https://any.test')).toBe('*');
  });
});
