import type { Logger } from 'pino';
import type { Broadcaster, Receipt } from '../actors/broadcaster';
import type { ConversationRepository } from '../conversations/conversation.repository';
import type { ChangeLog } from '../events/change-log';
import { receiptRead } from '../events/chat-events';
import type { ReceiptMetrics } from './receipt-metrics';
import { applyReceipt, Cursors, ReceiptType } from './receipt-state';

interface Staged {
  before: Cursors;
  after: Cursors;
  /** Explicit receipts are broadcast and published; a send's implicit read is not. */
  announce: boolean;
  waiters: { resolve: (c: Cursors) => void; reject: (e: unknown) => void }[];
}

export interface ReceiptDeps {
  /**
   * Runs a write in the conversation's mailbox, so cursor writes and membership changes of
   * one conversation never interleave (FerretDB applies an update by read-modify-write).
   */
  serialize: <T>(write: () => Promise<T>) => Promise<T>;
  conversations: ConversationRepository;
  changeLog: ChangeLog;
  broadcaster: Broadcaster;
  logger: Logger;
  metrics?: ReceiptMetrics;
}

/**
 * One conversation's read and delivered cursors, owned by its actor. Receipts are staged in
 * mailbox order and written in coalesced flushes: one flush is queued or running at a time,
 * and whatever arrives meanwhile is merged per member into the next one, so a storm of
 * receipts becomes a few writes while a lone receipt is written at once. A receipt is
 * answered once its flush is durable. Never await `durable` inside the mailbox: the flush
 * itself runs there.
 */
export class ReceiptCoalescer {
  private readonly known = new Map<string, Cursors>();
  private staged = new Map<string, Staged>();
  private flushing = false;
  /** Receipts received and flush writes done, for the coalescing ratio. */
  stats = { received: 0, flushes: 0 };

  constructor(
    private readonly conversationId: string,
    private readonly deps: ReceiptDeps,
  ) {}

  /**
   * Applies a receipt to the member's cursors (call from the actor's mailbox, membership
   * checked) and returns the promise of its durable write.
   */
  async stage(
    userId: string,
    type: ReceiptType,
    seq: number,
    lastSeq: number,
    announce: boolean,
  ): Promise<{ durable: Promise<Cursors> }> {
    this.stats.received++;
    this.deps.metrics?.staged(type);
    const pending = this.staged.get(userId);
    const base = pending?.after ?? (await this.current(userId));
    const after = applyReceipt(base, type, seq, lastSeq);
    if (!pending && after.readSeq === base.readSeq && after.deliveredSeq === base.deliveredSeq) {
      return { durable: Promise.resolve(after) };
    }
    const entry = pending ?? { before: base, after, announce, waiters: [] };
    entry.after = after;
    entry.announce ||= announce;
    this.staged.set(userId, entry);
    const durable = new Promise<Cursors>((resolve, reject) =>
      entry.waiters.push({ resolve, reject }),
    );
    if (!this.flushing) void this.flushLoop();
    return { durable };
  }

  /** Cursors read from the database (the actor's reload); never moves one backwards. */
  seed(stored: ReadonlyMap<string, Cursors>): void {
    for (const [userId, c] of stored) {
      const mine = this.known.get(userId);
      this.known.set(
        userId,
        mine
          ? {
              readSeq: Math.max(mine.readSeq, c.readSeq),
              deliveredSeq: Math.max(mine.deliveredSeq, c.deliveredSeq),
            }
          : c,
      );
    }
  }

  /** The durable cursors of `members` (those known), to derive messages' receipts from. */
  cursorsOf(members: readonly string[]): Map<string, Cursors> {
    const out = new Map<string, Cursors>();
    for (const userId of members) {
      const c = this.known.get(userId);
      if (c) out.set(userId, c);
    }
    return out;
  }

  private async current(userId: string): Promise<Cursors> {
    let cursors = this.known.get(userId);
    if (!cursors) {
      cursors = await this.deps.conversations.cursors(this.conversationId, userId);
      this.known.set(userId, cursors);
    }
    return cursors;
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.staged.size > 0) {
        const batch = this.staged;
        this.staged = new Map();
        try {
          await this.deps.serialize(() => this.write(batch));
          this.stats.flushes++;
          this.seed(new Map([...batch].map(([userId, s]) => [userId, s.after])));
          for (const s of batch.values()) s.waiters.forEach((w) => w.resolve(s.after));
        } catch (err) {
          // Nothing is known to be stored: forget the cache so the next receipt reloads.
          this.deps.logger.warn(
            { err, conversationId: this.conversationId },
            'receipt flush failed',
          );
          for (const [userId, s] of batch) {
            this.known.delete(userId);
            s.waiters.forEach((w) => w.reject(err));
          }
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(batch: Map<string, Staged>): Promise<void> {
    const at = new Date();
    const entries = [...batch];
    const receipts: Receipt[] = [];
    for (const [userId, s] of entries) {
      if (!s.announce) continue;
      if (s.after.readSeq > s.before.readSeq) {
        receipts.push({
          conversationId: this.conversationId,
          userId,
          type: 'read',
          seq: s.after.readSeq,
          at,
        });
      }
      if (s.after.deliveredSeq > s.before.deliveredSeq) {
        receipts.push({
          conversationId: this.conversationId,
          userId,
          type: 'delivered',
          seq: s.after.deliveredSeq,
          at,
        });
      }
    }
    await this.deps.changeLog.prepare(
      receipts
        .filter((r) => r.type === 'read')
        .map((r) => receiptRead(r.conversationId, r.userId, r.seq, at)),
    );
    await this.deps.conversations.saveCursors(
      this.conversationId,
      entries.map(([userId, s]) => ({ userId, ...s.after })),
    );
    this.deps.metrics?.flushed(entries.length, receipts);
    if (receipts.length) this.deps.broadcaster.receipts(this.conversationId, receipts);
  }
}
