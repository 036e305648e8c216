import { TokenKeeper, tokenClaims } from './token';

const jwt = (claims: object) =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;

describe('TokenKeeper', () => {
  it('reuses a token until its refresh is due, then fetches a fresh one (once for all callers)', async () => {
    let now = 1_000_000;
    let fetched = 0;
    const keeper = new TokenKeeper(
      () => jwt({ sub: 'U', exp: (now + 600_000) / 1000, n: ++fetched }),
      60_000,
      () => now,
    );
    await keeper.get();
    expect(keeper.msUntilRefresh()).toBe(540_000);
    now += 539_999;
    await keeper.get();
    expect(fetched).toBe(1);
    now += 1;
    await Promise.all([keeper.get(), keeper.get()]);
    expect(fetched).toBe(2);
    expect(keeper.subject).toBe('u');
  });

  it('renews a short-lived token half-way through its life', async () => {
    const now = 1_000_000;
    const keeper = new TokenKeeper(
      () => jwt({ exp: (now + 10_000) / 1000 }),
      60_000,
      () => now,
    );
    await keeper.get();
    expect(keeper.msUntilRefresh()).toBe(5000);
  });

  it('reads nothing from a token that is not a JWT', () => {
    expect(tokenClaims('opaque')).toEqual({});
    expect(tokenClaims('a.!!!.c')).toEqual({});
  });
});
