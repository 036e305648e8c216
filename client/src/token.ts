/** The application's token source: called at connect, before expiry and after a refusal. */
export type GetToken = () => string | Promise<string>;

/** The claims the SDK reads from a JWT (unverified: the server verifies). */
export function tokenClaims(token: string): { sub?: string; exp?: number } {
  const part = token.split('.')[1];
  if (!part) return {};
  try {
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '=');
    const json = JSON.parse(atob(padded)) as { sub?: unknown; exp?: unknown };
    return {
      sub: typeof json.sub === 'string' ? json.sub.toLowerCase() : undefined,
      exp: typeof json.exp === 'number' ? json.exp : undefined,
    };
  } catch {
    return {};
  }
}

/** `exp` of a JWT in ms since the epoch; undefined when the token is not a readable JWT. */
export function tokenExpiry(token: string): number | undefined {
  const { exp } = tokenClaims(token);
  return exp === undefined ? undefined : exp * 1000;
}

/**
 * Holds the current token and fetches a fresh one when it is close to expiry: within
 * `marginMs`, or within half its lifetime for tokens shorter than twice the margin. One fetch
 * at a time; callers waiting for a token share it.
 */
export class TokenKeeper {
  private token?: string;
  private expiresAt?: number;
  private refreshAt?: number;
  private inflight?: Promise<string>;

  constructor(
    private readonly source: GetToken,
    private readonly marginMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The current token, or a fresh one when it is due (or `fresh`). */
  get(fresh = false): Promise<string> {
    if (!fresh && this.token !== undefined && !this.due()) return Promise.resolve(this.token);
    this.inflight ??= Promise.resolve()
      .then(() => this.source())
      .then((token) => {
        this.keep(token);
        return token;
      })
      .finally(() => (this.inflight = undefined));
    return this.inflight;
  }

  /** ms until the current token should be replaced; undefined without an expiring token. */
  msUntilRefresh(): number | undefined {
    return this.refreshAt === undefined ? undefined : Math.max(0, this.refreshAt - this.now());
  }

  /** The user the current token is for (its `sub`). */
  get subject(): string | undefined {
    return this.token === undefined ? undefined : tokenClaims(this.token).sub;
  }

  private due(): boolean {
    return this.refreshAt !== undefined && this.now() >= this.refreshAt;
  }

  private keep(token: string): void {
    const now = this.now();
    this.token = token;
    this.expiresAt = tokenExpiry(token);
    this.refreshAt =
      this.expiresAt === undefined
        ? undefined
        : this.expiresAt - Math.min(this.marginMs, Math.max(0, this.expiresAt - now) / 2);
  }
}
