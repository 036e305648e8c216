import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { ChatError } from '../common/chat-error';
import type { ConversationRepository } from '../conversations/conversation.repository';
import { withDeletion } from '../conversations/conversation.types';
import { DuplicateKeyError, MessageRepository } from '../messages/message.repository';
import type { Message } from '../messages/message.types';
import type { ChangeLog } from '../events/change-log';
import { messageDeleted, messagesCreated, messageUpdated } from '../events/chat-events';
import { ReactionCoalescer } from '../reactions/reaction-coalescer';
import type { ReactionMetrics } from '../reactions/reaction-metrics';
import type { ReactionsUpdate } from '../reactions/reaction-state';
import { ReceiptCoalescer } from '../receipts/receipt-coalescer';
import type { ThreadSummary } from '../threads/thread-state';
import type { ReceiptMetrics } from '../receipts/receipt-metrics';
import { Cursors, ReceiptType, withReceipts } from '../receipts/receipt-state';
import type { Broadcaster } from './broadcaster';
import type { GroupCommitWriter } from './group-commit-writer';
import {
  commitSends,
  ConversationState,
  dedupeKey,
  isMember,
  planDelete,
  planEdit,
  ParentInfo,
  PlannedSend,
  planSends,
  planThreads,
  RECENT_LIMIT,
  replaceMessage,
  SendRequest,
  withThreads,
} from './conversation-state';

export interface ActorDeps {
  messages: MessageRepository;
  /** The node's one writer of new messages and their events (group commit). */
  writer: Pick<GroupCommitWriter, 'submit'>;
  changeLog: ChangeLog;
  broadcaster: Broadcaster;
  conversations: ConversationRepository;
  logger: Logger;
  receiptMetrics?: ReceiptMetrics;
  reactionMetrics?: ReactionMetrics;
  /** Most sends stored by one insert. */
  maxBatch: number;
  /** REACTION_MAX_DISTINCT: distinct emoji one message takes. */
  reactionMaxDistinct: number;
  /** SUMMARY_WRITE_INTERVAL_MS: least time between two follow-up writes of the conversation. */
  summaryIntervalMs: number;
  /** DELIVERY_RECIPIENTS_MAX: a new message's event carries its recipients up to this many. */
  recipientsMax?: number;
}

export interface SendResult {
  message: Message;
  /** False when the send repeated a stored (senderId, clientMessageId): nothing was stored. */
  created: boolean;
}

type Pending<T> = { resolve: (v: T) => void; reject: (e: unknown) => void };
type Task =
  | ({ kind: 'send'; request: SendRequest } & Pending<SendResult>)
  | ({
      kind: 'run';
      run: (state: ConversationState) => Promise<unknown>;
      /** False: runs without waiting for earlier writes on the lane (it writes nothing). */
      lane: boolean;
    } & Pending<unknown>);

const DUPLICATE_RETRIES = 3;

/**
 * The one writer of a conversation in this process. Commands queue in a mailbox and run one
 * at a time; consecutive sends are planned and handed to the node's group-commit writer as
 * one batch. State is loaded from the database on first use and after any write whose outcome
 * is unknown, so the database stays the last word: a duplicate key (another writer, or a
 * retried send) reloads and replans.
 *
 * Writes that are not inserts (the conversation summary, reply counts, cursors, edits,
 * membership) run one at a time on the actor's write lane: a command that writes waits there
 * for the follow-up writes of earlier sends, while new sends do not (they only insert), so
 * the summary and reply counts never hold up an acknowledgement. FerretDB applies an update
 * by read-modify-write: two updates of one document must never overlap.
 */
export class ConversationActor {
  private state?: ConversationState;
  private readonly mailbox: Task[] = [];
  private running = false;
  private lastActiveAt = Date.now();
  /** The tail of the write lane (never rejects). */
  private lane: Promise<unknown> = Promise.resolve();
  private laneIdle = true;
  /** Follow-up writes of stored sends not yet on the lane, coalesced per conversation. */
  private followUp?: { readers: Map<string, number>; timer?: NodeJS.Timeout };
  /** When the last follow-up write was put on the lane. */
  private followUpAt = -Infinity;
  /** Read and delivered cursors of the members, written in coalesced flushes. */
  readonly receipts: ReceiptCoalescer;
  /** The messages' reactions, written in coalesced flushes. */
  readonly reactions: ReactionCoalescer;

  constructor(
    readonly conversationId: string,
    private readonly deps: ActorDeps,
  ) {
    this.receipts = new ReceiptCoalescer(conversationId, {
      ...deps,
      metrics: deps.receiptMetrics,
      serialize: (write) => this.onLane(write),
    });
    this.reactions = new ReactionCoalescer(conversationId, {
      ...deps,
      store: deps.messages,
      metrics: deps.reactionMetrics,
      maxDistinct: deps.reactionMaxDistinct,
      serialize: (write) => this.onLane(write),
      lost: (ids) => void this.refreshReactions(ids).catch(() => undefined),
    });
  }

  /** The state as last committed, without waiting for the mailbox (undefined: not loaded). */
  snapshot(): ConversationState | undefined {
    return this.state;
  }

  /** True when nothing is queued or running and nothing happened for `idleMs`. */
  isIdle(idleMs: number, now = Date.now()): boolean {
    return (
      !this.running &&
      this.mailbox.length === 0 &&
      !this.followUp &&
      this.laneIdle &&
      now - this.lastActiveAt >= idleMs
    );
  }

  send(request: SendRequest): Promise<SendResult> {
    return new Promise((resolve, reject) =>
      this.enqueue({ kind: 'send', request, resolve, reject }),
    );
  }

  /** Runs `fn` in the mailbox with the loaded state; `fn` returns the next state and a value. */
  run<T>(
    fn: (state: ConversationState) => Promise<{ state?: ConversationState; value: T }>,
    lane = true,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) =>
      this.enqueue({
        kind: 'run',
        lane,
        run: async (state) => {
          const { state: next, value } = await fn(state);
          if (next) this.state = next;
          return value;
        },
        resolve: resolve as (v: unknown) => void,
        reject,
      }),
    );
  }

  /** Reads the loaded state in mailbox order (after every command queued before it). */
  read<T>(fn: (state: ConversationState) => T | Promise<T>): Promise<T> {
    return this.run(async (state) => ({ value: await fn(state) }));
  }

  /**
   * A read or delivered receipt: membership checked and cursors moved in mailbox order, then
   * answered once the coalesced write is durable (without holding the mailbox meanwhile).
   */
  async receipt(userId: string, type: ReceiptType, seq: number): Promise<Cursors> {
    const { durable } = await this.read((state) => {
      if (!isMember(state, userId)) throw new ChatError('not_found', 'conversation not found');
      return this.receipts.stage(userId, type, seq, state.lastSeq, true);
    });
    return durable;
  }

  /**
   * Adds or removes the caller's reaction: decided in mailbox order from memory (the distinct
   * limit holds whatever the race), answered once the coalesced write is durable. Runs off
   * the lane, so reactions keep arriving while a flush is written.
   */
  async react(
    userId: string,
    messageId: string,
    emoji: string,
    add: boolean,
  ): Promise<ReactionsUpdate> {
    const { update, durable } = await this.run(async (state) => {
      if (!isMember(state, userId)) throw new ChatError('not_found', 'conversation not found');
      const staged = await this.reactions.stage(messageId, userId, emoji, add);
      return {
        state: withReactions(state, messageId, staged.update.reactions),
        value: staged,
      };
    }, false);
    await durable;
    return update;
  }

  edit(userId: string, messageId: string, content: string): Promise<Message> {
    return this.run(async (state) => {
      const updated = planEdit(
        state,
        userId,
        await this.find(state, messageId),
        content,
        new Date(),
      );
      await this.deps.changeLog.prepare([messageUpdated(updated)]);
      await this.deps.messages.update(updated);
      const [seen] = this.withReceipts(state, [updated]);
      this.deps.broadcaster.messages('message:updated', this.conversationId, [seen]);
      return { state: replaceMessage(state, updated), value: seen };
    });
  }

  delete(userId: string, messageId: string): Promise<Message> {
    return this.run(async (state) => {
      const target = await this.find(state, messageId);
      const updated = planDelete(state, userId, target, new Date());
      if (updated === target) return { value: this.withReceipts(state, [updated])[0] };
      await this.deps.changeLog.prepare([messageDeleted(updated)]);
      // Recorded before the message changes: a failure fails the delete (the client
      // retries), so unread counts never count a deleted message.
      const deletions = state.deletions && withDeletion(state.deletions, updated.seq);
      if (deletions && deletions !== state.deletions) {
        await this.deps.conversations.saveDeletions(this.conversationId, deletions);
      }
      await this.deps.messages.update(updated);
      this.reactions.deleted(updated.id, updated.seq);
      const [seen] = this.withReceipts(state, [updated]);
      this.deps.broadcaster.messages('message:deleted', this.conversationId, [seen]);
      let next: ConversationState = { ...replaceMessage(state, updated), deletions };
      if (updated.parentId) next = await this.recountThread(next, updated.parentId);
      return { state: next, value: seen };
    });
  }

  private enqueue(task: Task): void {
    this.mailbox.push(task);
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.mailbox.length > 0) {
        if (this.mailbox[0].kind === 'send') {
          let n = 0;
          while (
            n < this.mailbox.length &&
            n < this.deps.maxBatch &&
            this.mailbox[n].kind === 'send'
          )
            n++;
          await this.storeSends(this.mailbox.splice(0, n) as Extract<Task, { kind: 'send' }>[]);
        } else {
          const task = this.mailbox.shift() as Extract<Task, { kind: 'run' }>;
          try {
            const run = async () => task.run(await this.loaded());
            task.resolve(await (task.lane ? this.onLane(run) : run()));
          } catch (err) {
            task.reject(err);
          }
        }
      }
    } finally {
      this.running = false;
      this.lastActiveAt = Date.now();
    }
  }

  private async storeSends(tasks: Extract<Task, { kind: 'send' }>[]): Promise<void> {
    const requests = tasks.map((t) => t.request);
    for (let attempt = 0; attempt < DUPLICATE_RETRIES; attempt++) {
      let planned: PlannedSend[];
      let toInsert: Message[];
      let state: ConversationState;
      let parents: Map<string, ParentInfo>;
      try {
        state = await this.loaded();
        const parentIds = [...new Set(requests.flatMap((r) => (r.parentId ? [r.parentId] : [])))];
        parents = await this.deps.messages.parents(this.conversationId, parentIds);
        ({ planned, toInsert } = planSends(state, requests, {
          now: new Date(),
          newId: () => new Types.ObjectId().toHexString(),
          newClientMessageId: randomUUID,
          parents,
          elsewhere: await this.elsewhere(requests, parents),
        }));
        await this.deps.writer.submit({
          messages: toInsert,
          events: messagesCreated(toInsert, state.conversation, this.deps.recipientsMax),
        });
      } catch (err) {
        // The unique indexes refused part of the batch: a retried send stored earlier, or
        // another writer took these seqs. Reload what is stored and plan again.
        this.state = undefined;
        if (err instanceof DuplicateKeyError) {
          await this.reload(requests).catch(() => undefined);
          continue;
        }
        if (err instanceof ChatError) return tasks.forEach((t) => t.reject(err));
        this.deps.logger.error(
          { err, conversationId: this.conversationId },
          'message insert failed',
        );
        const unavailable = new ChatError(
          'unavailable',
          'message store unavailable; retry with the same clientMessageId',
        );
        return tasks.forEach((t) => t.reject(unavailable));
      }
      const threads = planThreads(parents, toInsert);
      this.state = withThreads(commitSends(state, toInsert), threads);
      if (toInsert.length)
        this.deps.broadcaster.messages('message:new', this.conversationId, toInsert);
      this.scheduleFollowUp(toInsert);
      await this.saveThreads(threads);
      planned.forEach((p, i) => {
        if (p.kind === 'rejected') tasks[i].reject(p.error);
        else tasks[i].resolve({ message: p.message, created: p.kind === 'new' });
      });
      return;
    }
    const busy = new ChatError(
      'unavailable',
      'conversation is busy; retry with the same clientMessageId',
    );
    tasks.forEach((t) => t.reject(busy));
  }

  /**
   * A batch with replies answers once their roots' summaries are written (on the lane, so
   * never beside an edit of a root), then the room hears `thread:updated`: thread summaries
   * read from the database are as exact as the actor's. The next batch reads the roots again
   * only after this write. A failure is logged; the sends are stored all the same.
   */
  private async saveThreads(summaries: ReadonlyMap<string, ThreadSummary>): Promise<void> {
    if (summaries.size === 0) return;
    try {
      await this.onLane(() => this.deps.messages.saveThreads(this.conversationId, summaries));
      this.deps.broadcaster.threads(
        [...summaries].map(([messageId, s]) => ({
          conversationId: this.conversationId,
          messageId,
          ...s,
        })),
      );
    } catch (err) {
      this.deps.logger.warn(
        { err, conversationId: this.conversationId },
        'thread summaries not saved',
      );
    }
  }

  /** After a reply is deleted (on the lane): the root's summary counted again from the store. */
  private async recountThread(state: ConversationState, rootId: string) {
    const summary = await this.deps.messages.threadSummary(this.conversationId, rootId);
    await this.deps.messages.saveThreads(this.conversationId, new Map([[rootId, summary]]));
    this.deps.broadcaster.threads([
      { conversationId: this.conversationId, messageId: rootId, ...summary },
    ]);
    return withThreads(state, new Map([[rootId, summary]]));
  }

  /**
   * For parents that are not messages of this conversation: the senders who may see them
   * (members of the conversation they belong to) are told `validation_failed`, the others
   * `not_found`, so an id of a conversation one cannot see stays unknown.
   */
  private async elsewhere(
    requests: readonly SendRequest[],
    parents: ReadonlyMap<string, ParentInfo>,
  ): Promise<Map<string, Set<string>> | undefined> {
    const missing = requests.filter((r) => r.parentId && !parents.has(r.parentId));
    if (missing.length === 0) return undefined;
    const owners = await this.deps.messages.conversationsOf([
      ...new Set(missing.map((r) => r.parentId!)),
    ]);
    const out = new Map<string, Set<string>>();
    for (const r of missing) {
      const other = owners.get(r.parentId!);
      if (!other) continue;
      const member = await this.deps.conversations.memberOf(r.senderId, [other]);
      if (!member.has(other)) continue;
      out.set(r.parentId!, (out.get(r.parentId!) ?? new Set()).add(r.senderId));
    }
    return out;
  }

  /** A flush failed: what `recent` shows of these messages' reactions is read again. */
  private refreshReactions(messageIds: readonly string[]): Promise<void> {
    return this.run(async (state) => {
      let next = state;
      for (const id of messageIds) {
        if (!state.recent.some((m) => m.id === id)) continue;
        const stored = await this.deps.messages.findById(this.conversationId, id);
        if (stored) next = withReactions(next, id, stored.reactions);
      }
      return { state: next, value: undefined };
    });
  }

  /**
   * Queues the follow-up writes of stored messages, merged with any not yet started: the
   * summary (from the state at write time) and the senders' implicit read. The first after a
   * quiet spell goes on the lane at once; a busy conversation's wait until `summaryIntervalMs`
   * after the previous one (a write per message would cost the database more than the
   * messages: FerretDB spends ~1 ms per updated document). The actor's memory answers
   * meanwhile. Their failure does not fail the sends: the summary is repaired by the next
   * write (lastSeq is read from the messages on load), and is never moved backwards.
   */
  private scheduleFollowUp(stored: Message[]): void {
    if (stored.length === 0) return;
    const first = !this.followUp;
    const f: NonNullable<typeof this.followUp> = (this.followUp ??= { readers: new Map() });
    for (const m of stored) f.readers.set(m.senderId, m.seq);
    if (!first) return;
    const wait = this.followUpAt + this.deps.summaryIntervalMs - Date.now();
    if (wait <= 0) this.startFollowUp();
    else f.timer = setTimeout(() => this.startFollowUp(), wait).unref();
  }

  /** Puts a follow-up waiting for its interval on the lane now (a stop or a handover). */
  flushFollowUp(): void {
    if (this.followUp?.timer) this.startFollowUp();
  }

  private startFollowUp(): void {
    clearTimeout(this.followUp?.timer);
    this.followUp!.timer = undefined;
    this.followUpAt = Date.now();
    void this.onLane(async () => {
      const { readers } = this.followUp!;
      this.followUp = undefined;
      const state = this.state;
      if (!state) return; // reloaded meanwhile: the summary is repaired by the next write
      // Sending reads everything before it (the sender's own unread count stays 0). The
      // cursors land before the summary's lastSeq moves, so an unread count computed from
      // the two never counts the sender's own message. Not announced: every client knows a
      // sender saw what they answered.
      const rows = [...readers].map(([userId, seq]) => ({
        userId,
        readSeq: seq,
        deliveredSeq: seq,
      }));
      try {
        await this.deps.conversations.saveCursors(this.conversationId, rows);
        this.receipts.seed(new Map(rows.map(({ userId, ...c }) => [userId, c])));
      } catch (err) {
        this.deps.logger.warn({ err, conversationId: this.conversationId }, 'implicit read failed');
      }
      await this.deps.conversations
        .saveLastMessage(state.conversation)
        .catch((err) =>
          this.deps.logger.warn({ err, conversationId: this.conversationId }, 'summary not saved'),
        );
    });
  }

  /** Runs `write` after every write queued on the lane before it; the lane never rejects. */
  private onLane<T>(write: () => Promise<T>): Promise<T> {
    const result = this.lane.then(write);
    this.laneIdle = false;
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.lane = tail;
    void tail.then(() => {
      if (this.lane === tail) this.laneIdle = true;
    });
    return result;
  }

  private async loaded(): Promise<ConversationState> {
    if (!this.state) await this.reload([]);
    return this.state!;
  }

  private async reload(pending: readonly SendRequest[]): Promise<void> {
    const stored = await this.deps.conversations.findStateById(this.conversationId);
    if (!stored || stored.conversation.deletedAt)
      throw new ChatError('not_found', 'conversation not found');
    const { conversation, deletions } = stored;
    // Each query of a conversation costs FerretDB v1 the whole conversation (it filters and
    // sorts in Go): the newest page also says where the history ends, and a retried send is
    // looked up only when it is not among the newest messages.
    const [recent, cursors] = await Promise.all([
      this.deps.messages.page(this.conversationId, { limit: RECENT_LIMIT }),
      this.deps.conversations.cursorsIn(this.conversationId),
    ]);
    const held = new Set(recent.items.map((m) => dedupeKey(m.senderId, m.clientMessageId)));
    const found = await this.deps.messages.findByClientIds(
      this.conversationId,
      pending.flatMap((r) =>
        r.clientMessageId && !held.has(dedupeKey(r.senderId, r.clientMessageId))
          ? [{ senderId: r.senderId, clientMessageId: r.clientMessageId }]
          : [],
      ),
    );
    this.receipts.seed(cursors);
    // The stored messages, not the summary, say where the history ends.
    const lastSeq = recent.items.at(-1)?.seq ?? 0;
    this.state = {
      conversation: { ...conversation, lastSeq },
      lastSeq,
      recent: recent.items,
      // The newest messages too: a client retrying a send that the previous owner stored is
      // answered from memory instead of by a refused insert and a reload.
      dedupe: new Map(
        [...recent.items, ...found].map((m) => [dedupeKey(m.senderId, m.clientMessageId), m]),
      ),
      deletions,
    };
  }

  /** `messages` with their deliveredTo/readBy derived from the members' durable cursors. */
  withReceipts(state: ConversationState, messages: readonly Message[]): Message[] {
    return withReceipts(messages, this.receipts.cursorsOf(state.conversation.participants));
  }

  private async find(state: ConversationState, messageId: string): Promise<Message | undefined> {
    return (
      state.recent.find((m) => m.id === messageId) ??
      (await this.deps.messages.findById(this.conversationId, messageId)) ??
      undefined
    );
  }
}

/** The message held in `recent`, if it is, with `reactions` (the wire form). */
function withReactions(
  state: ConversationState,
  messageId: string,
  reactions: Message['reactions'],
): ConversationState {
  if (!state.recent.some((m) => m.id === messageId)) return state;
  return {
    ...state,
    recent: state.recent.map((m) => (m.id === messageId ? { ...m, reactions } : m)),
  };
}
