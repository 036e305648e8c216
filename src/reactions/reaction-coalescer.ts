import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Broadcaster } from '../actors/broadcaster';
import { ChatError } from '../common/chat-error';
import type { ChangeLog } from '../events/change-log';
import { reactionUpdated } from '../events/chat-events';
import type { ReactionMetrics } from './reaction-metrics';
import {
  applyReaction,
  fromStored,
  ReactionSet,
  ReactionsUpdate,
  StoredReaction,
  toStored,
  toWire,
} from './reaction-state';

/** What the coalescer reads and writes of the messages collection. */
export interface ReactionStore {
  /** The message's stored reactions, or null when it is not a message of the conversation. */
  reactionsOf(
    conversationId: string,
    messageId: string,
  ): Promise<{ seq: number; deleted: boolean; reactions: StoredReaction[] } | null>;
  /** Sets each message's reactions (and `updatedAt`), in one round trip. */
  saveReactions(
    conversationId: string,
    rows: readonly { messageId: string; reactions: StoredReaction[]; updatedAt: Date }[],
  ): Promise<void>;
}

export interface ReactionDeps {
  /** Runs a write on the actor's write lane (never beside another write of the conversation). */
  serialize: <T>(write: () => Promise<T>) => Promise<T>;
  store: ReactionStore;
  changeLog: ChangeLog;
  broadcaster: Broadcaster;
  logger: Logger;
  maxDistinct: number;
  metrics?: Pick<ReactionMetrics, 'decided' | 'flushed'>;
  /** After a failed flush: these messages' reactions in memory may be ahead of the database. */
  lost?: (messageIds: readonly string[]) => void;
}

interface Target {
  seq: number;
  deleted: boolean;
  reactions: ReactionSet;
}

type Waiter = { resolve: () => void; reject: (e: unknown) => void };

/** Messages whose reactions are held at most (those with a flush pending are never dropped). */
const MAX_TARGETS = 1000;

/**
 * One conversation's reactions, owned by its actor. `stage` runs in the actor's mailbox, so
 * the distinct limit and idempotency are decided one command at a time from memory, on every
 * node's behalf. Writes are coalesced like receipts: one flush is queued or running at a
 * time, and every message changed meanwhile is written once by the next one (its whole
 * reaction list, with a `chat.reaction.updated` event prepared first and one
 * `reaction:updated` broadcast after), so a storm on one message becomes a few writes.
 * Never await `durable` inside the mailbox.
 */
export class ReactionCoalescer {
  private readonly targets = new Map<string, Target>();
  private dirty = new Map<string, Waiter[]>();
  private flushing = false;
  /** Commands staged, those that changed something, flushes and message writes. */
  stats = { received: 0, changed: 0, flushes: 0, writes: 0 };

  constructor(
    private readonly conversationId: string,
    private readonly deps: ReactionDeps,
  ) {}

  /**
   * Applies one add or remove (call from the mailbox, membership checked) and answers the
   * message's reactions after it, with the promise of their durable write.
   */
  async stage(
    messageId: string,
    userId: string,
    emoji: string,
    add: boolean,
  ): Promise<{ update: ReactionsUpdate; durable: Promise<void> }> {
    this.stats.received++;
    const target = await this.target(messageId);
    if (!target) throw ChatError.notFound('message');
    if (target.deleted) throw new ChatError('conflict', 'a deleted message takes no reactions');
    const next = applyReaction(target.reactions, userId, emoji, add, this.deps.maxDistinct);
    const update = {
      conversationId: this.conversationId,
      messageId,
      reactions: toWire(next),
    };
    this.deps.metrics?.decided(next !== target.reactions);
    if (next === target.reactions) return { update, durable: Promise.resolve() };
    this.stats.changed++;
    target.reactions = next;
    const waiters = this.dirty.get(messageId) ?? [];
    this.dirty.set(messageId, waiters);
    const durable = new Promise<void>((resolve, reject) => waiters.push({ resolve, reject }));
    if (!this.flushing) void this.flushLoop();
    return { update, durable };
  }

  /** The message was deleted (in the mailbox): it takes no reactions, and keeps none. */
  deleted(messageId: string, seq: number): void {
    this.touch(messageId, { seq, deleted: true, reactions: new Map() });
  }

  private async target(messageId: string): Promise<Target | undefined> {
    const held = this.targets.get(messageId);
    if (held) {
      this.touch(messageId, held);
      return held;
    }
    const stored = await this.deps.store.reactionsOf(this.conversationId, messageId);
    if (!stored) return undefined;
    const target = {
      seq: stored.seq,
      deleted: stored.deleted,
      reactions: fromStored(stored.reactions),
    };
    this.touch(messageId, target);
    return target;
  }

  /** Marks `messageId` most recently used and trims the least recently used clean ones. */
  private touch(messageId: string, target: Target): void {
    this.targets.delete(messageId);
    this.targets.set(messageId, target);
    if (this.targets.size <= MAX_TARGETS) return;
    for (const id of this.targets.keys()) {
      if (this.targets.size <= MAX_TARGETS) break;
      if (!this.dirty.has(id)) this.targets.delete(id);
    }
  }

  private async flushLoop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.dirty.size > 0) {
        const batch = this.dirty;
        this.dirty = new Map();
        try {
          await this.deps.serialize(() => this.write([...batch.keys()]));
          this.stats.flushes++;
          for (const waiters of batch.values()) waiters.forEach((w) => w.resolve());
        } catch (err) {
          this.deps.logger.warn(
            { err, conversationId: this.conversationId },
            'reaction flush failed',
          );
          // Nothing is known to be stored: read these messages again on their next reaction.
          for (const id of batch.keys()) if (!this.dirty.has(id)) this.targets.delete(id);
          this.deps.lost?.([...batch.keys()]);
          const unavailable = new ChatError('unavailable', 'reaction not saved; retry');
          for (const waiters of batch.values()) waiters.forEach((w) => w.reject(unavailable));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Runs on the lane: the state written is the one held when the write starts. */
  private async write(messageIds: readonly string[]): Promise<void> {
    const at = new Date();
    const changed = messageIds
      .flatMap((messageId) => {
        const t = this.targets.get(messageId);
        return t && !t.deleted ? [{ messageId, ...t }] : [];
      })
      .sort((a, b) => a.seq - b.seq);
    if (changed.length === 0) return;
    const updates = changed.map(({ messageId, reactions }) => ({
      conversationId: this.conversationId,
      messageId,
      reactions: toWire(reactions),
    }));
    await this.deps.changeLog.prepare(
      changed.map((t, i) => reactionUpdated(updates[i], t.seq, at, randomUUID())),
    );
    await this.deps.store.saveReactions(
      this.conversationId,
      changed.map(({ messageId, reactions }) => ({
        messageId,
        reactions: toStored(reactions),
        updatedAt: at,
      })),
    );
    this.stats.writes += changed.length;
    this.deps.metrics?.flushed(changed.length);
    this.deps.broadcaster.reactions(updates);
  }
}
