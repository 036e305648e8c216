type Timer = ReturnType<typeof setTimeout>;

interface Typist {
  lastSentAt: number;
  idle: Timer;
}

/**
 * The local user's typing indicator per conversation. `typing()` is meant to be called on
 * every keystroke: `isTyping: true` goes out at most once per `throttleMs` (which also keeps
 * the server's indicator alive), and `false` goes out once the user has been quiet for
 * `idleMs`, or at once on `stop()` (a send stops it too).
 */
export class TypingSender {
  private readonly typists = new Map<string, Typist>();

  constructor(
    private readonly send: (conversationId: string, isTyping: boolean) => void,
    private readonly throttleMs: number,
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  typing(conversationId: string): void {
    const now = this.now();
    const typist = this.typists.get(conversationId);
    if (typist) clearTimeout(typist.idle);
    let lastSentAt = typist?.lastSentAt ?? -Infinity;
    if (now - lastSentAt >= this.throttleMs) {
      this.send(conversationId, true);
      lastSentAt = now;
    }
    const idle = setTimeout(() => this.stop(conversationId), this.idleMs);
    this.typists.set(conversationId, { lastSentAt, idle });
  }

  stop(conversationId: string): void {
    const typist = this.typists.get(conversationId);
    if (!typist) return;
    clearTimeout(typist.idle);
    this.typists.delete(conversationId);
    this.send(conversationId, false);
  }

  close(): void {
    for (const typist of this.typists.values()) clearTimeout(typist.idle);
    this.typists.clear();
  }
}

/**
 * Who else is typing, per conversation, from the server's `typing` events. The server stops
 * a quiet typist itself; the local expiry only covers a `false` that never comes (the
 * typist's node died), so an indicator cannot stick.
 */
export class TypingWatcher {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly expireMs: number,
    private readonly expired: (conversationId: string, userId: string) => void,
  ) {}

  /** Returns whether the event changes what is shown. */
  seen(conversationId: string, userId: string, isTyping: boolean): boolean {
    const key = `${conversationId} ${userId}`;
    const was = this.timers.get(key);
    if (was) clearTimeout(was);
    if (!isTyping) return this.timers.delete(key);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        this.expired(conversationId, userId);
      }, this.expireMs),
    );
    return was === undefined;
  }

  typists(conversationId: string): string[] {
    const prefix = `${conversationId} `;
    return [...this.timers.keys()]
      .filter((k) => k.startsWith(prefix))
      .map((k) => k.slice(prefix.length));
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
