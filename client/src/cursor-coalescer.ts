type Timer = ReturnType<typeof setTimeout>;

/**
 * Read (or delivered) cursors going up, coalesced per conversation: many `mark()` calls
 * become one command carrying the highest seq, sent after `delayMs`, one in flight per
 * conversation. What the server acknowledged is remembered, so a seq at or below it is never
 * sent again; what failed is sent again by `flush()` (the client calls it on every connect).
 */
export class CursorCoalescer {
  private readonly wanted = new Map<string, number>();
  private readonly acked = new Map<string, number>();
  /** The highest seq sent and answered: never sent again. */
  private readonly answered = new Map<string, number>();
  private readonly inflight = new Set<string>();
  private timer?: Timer;

  constructor(
    private readonly send: (conversationId: string, seq: number) => Promise<number | undefined>,
    private readonly delayMs: number,
  ) {}

  mark(conversationId: string, seq: number): void {
    const known = Math.max(
      this.wanted.get(conversationId) ?? 0,
      this.answered.get(conversationId) ?? 0,
    );
    if (seq <= known) return;
    this.wanted.set(conversationId, seq);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.delayMs);
  }

  /** The cursor the server last confirmed for this conversation (it clamps to its last seq). */
  confirmed(conversationId: string): number {
    return this.acked.get(conversationId) ?? 0;
  }

  flush(): void {
    for (const conversationId of this.wanted.keys()) void this.push(conversationId);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async push(conversationId: string): Promise<void> {
    const seq = this.wanted.get(conversationId);
    if (seq === undefined || this.inflight.has(conversationId)) return;
    this.inflight.add(conversationId);
    let now: number | undefined;
    try {
      now = await this.send(conversationId, seq);
    } finally {
      this.inflight.delete(conversationId);
    }
    if (now === undefined) return; // failed: still wanted, sent again by the next flush()
    this.acked.set(conversationId, Math.max(now, this.acked.get(conversationId) ?? 0));
    this.answered.set(conversationId, Math.max(seq, this.answered.get(conversationId) ?? 0));
    if (this.wanted.get(conversationId) === seq) this.wanted.delete(conversationId);
    else void this.push(conversationId); // marked higher while this one was in flight
  }
}
