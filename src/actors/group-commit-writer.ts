import { Batcher, Pending } from '../infra/batcher';
import type { ChatEvent } from '../events/chat-events';
import type { ChangeLog } from '../events/change-log';
import type { ChangeVouches } from '../events/change-vouches';
import { DuplicateKeyError } from '../messages/message.repository';
import type { Message } from '../messages/message.types';

/** What the writer needs of the store: the outbox and the ordered message insert. */
export interface GroupCommitStore {
  changeLog: Pick<ChangeLog, 'prepare'>;
  /** See MessageRepository.insertBatch: in order, stops at the first refused document. */
  insertBatch(messages: readonly Message[]): Promise<void>;
  /** Told the events of every batch known stored, once its flush returned (see below). */
  vouches?: Pick<ChangeVouches, 'vouch'>;
}

export interface GroupCommitStats {
  /** Called once per flush with the number of actor batches and documents it stored. */
  flushed?(batches: number, messages: number, seconds: number): void;
}

/**
 * One actor's planned run: consecutive seqs of one conversation, with their events. Storing
 * the messages makes every one of the events true (they announce these messages' creation).
 */
export interface PlannedBatch {
  messages: readonly Message[];
  events: readonly ChatEvent[];
}

type Entry = Pending<PlannedBatch>;

/** Most documents one flush takes; the rest wait for the next flush (which starts at once). */
export const MAX_FLUSH_MESSAGES = 2000;

/**
 * Group commit: the one writer of new messages for every actor of this node.
 *
 * Actors `submit` what they planned; whatever was submitted while the previous flush ran is
 * stored together by the next one, which starts as soon as the previous returned (no timer:
 * an idle node writes at once, a loaded node writes big batches). A flush costs two
 * database commands whatever its size: the outbox events (unordered, idempotent by id), then
 * the messages. The ChangeLog contract holds: every event is durable before its change.
 *
 * Messages go in ONE ordered insert, batch after batch: when the store refuses a document,
 * the documents before it are stored and the batch it belongs to fails with DuplicateKeyError
 * (its own stored prefix stays, as when an actor wrote alone, so its seqs stay gap-free); the
 * documents after it are sent again at once, so only the refused batch fails. Any other error
 * fails every batch not known to be stored: their actors reload and their clients retry with
 * the same clientMessageId.
 *
 * The events of the batches known stored (exactly those acknowledged) are vouched for after
 * the flush, so the relay publishes them without reading MongoDB. A refused batch, a batch of
 * unknown outcome and its stored prefix are never vouched: the relay verifies those by reading.
 */
export class GroupCommitWriter {
  private readonly batcher: Batcher<PlannedBatch>;

  constructor(
    private readonly store: GroupCommitStore,
    private readonly stats: GroupCommitStats = {},
  ) {
    this.batcher = new Batcher(
      (entries) => this.flush(entries),
      MAX_FLUSH_MESSAGES,
      (b) => b.messages.length,
    );
  }

  /** Resolves once the batch is durable; rejects with DuplicateKeyError or the store's error. */
  submit(batch: PlannedBatch): Promise<void> {
    if (batch.messages.length === 0) return Promise.resolve();
    return this.batcher.submit(batch);
  }

  /** Batches waiting for a flush (for tests and metrics). */
  get queued(): number {
    return this.batcher.queued;
  }

  private async flush(entries: Entry[]): Promise<void> {
    const started = performance.now();
    try {
      await this.store.changeLog.prepare(entries.flatMap((e) => e.item.events));
    } catch (err) {
      return entries.forEach((e) => e.reject(err));
    }
    let pending = entries;
    const stored: Entry[] = [];
    let docs = 0;
    while (pending.length > 0) {
      const messages = pending.flatMap((e) => e.item.messages);
      try {
        await this.store.insertBatch(messages);
        stored.push(...pending);
        docs += messages.length;
        break;
      } catch (err) {
        const at = err instanceof DuplicateKeyError ? err.stored : undefined;
        if (at === undefined || at >= messages.length) {
          // Unknown outcome for all: every actor reloads from what is stored.
          pending.forEach((e) => e.reject(err));
          break;
        }
        // Documents [0, at) are stored; the one at `at` was refused.
        let offset = 0;
        let i = 0;
        while (offset + pending[i].item.messages.length <= at) {
          offset += pending[i++].item.messages.length;
        }
        stored.push(...pending.slice(0, i));
        docs += offset;
        pending[i].reject(new DuplicateKeyError((err as Error).message, at - offset));
        pending = pending.slice(i + 1);
      }
    }
    stored.forEach((e) => e.resolve());
    const vouched = stored.flatMap((e) => e.item.events.map((ev) => ev.id));
    if (vouched.length) this.store.vouches?.vouch(vouched);
    this.stats.flushed?.(stored.length, docs, (performance.now() - started) / 1000);
  }
}
