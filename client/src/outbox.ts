import { ParleyError } from './errors.js';
import type { Link } from './link.js';
import type { ConversationState, ParleyEvents, PendingMessage } from './types.js';
import type { Message } from './wire.js';

interface Outgoing extends PendingMessage {
  stored?: Message;
  /** Resolves when the message is known stored (ack, echo or sync), whichever comes first. */
  storedSignal: Promise<void>;
  markStored: () => void;
  resolve: (m: Message) => void;
  reject: (e: ParleyError) => void;
}

export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  // Insecure browser contexts have no randomUUID; getRandomValues is always there.
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface OutboxDeps {
  link: Link;
  ackTimeoutMs: number;
  retryDelayMs: number;
  retryDelayMaxMs: number;
  /** Events go out through the client. */
  emit: <E extends keyof ParleyEvents>(event: E, payload: ParleyEvents[E]) => void;
  /** A stored message from an ack: the client hands it over in order. */
  stored: (message: Message) => void;
  closed: () => boolean;
  /** Resolves on the next connect (or close). */
  connectedOrClosed: () => Promise<void>;
}

/**
 * Sends not yet stored, per conversation. Each one keeps its clientMessageId for every
 * attempt, so the server stores it once whatever was lost on the way; a conversation's sends
 * go one after another, so they are stored (and resolve) in the order they were made. A send
 * is known stored from its ack, or from its echo or a sync (`matchStored`) when the ack was
 * lost; temporary failures (unavailable, rate_limited after retryAfterMs, no ack, a dropped
 * connection) are retried with backoff, anything else rejects.
 */
export class Outbox {
  private readonly queues = new Map<string, Outgoing[]>();
  private readonly sending = new Set<string>();
  private readonly byClientId = new Map<string, Outgoing>();

  constructor(private readonly deps: OutboxDeps) {}

  add(
    conversationId: string,
    content: string,
    options: { clientMessageId?: string; parentId?: string },
  ): Promise<Message> {
    let markStored!: () => void;
    const storedSignal = new Promise<void>((r) => (markStored = r));
    let resolve!: (m: Message) => void;
    let reject!: (e: ParleyError) => void;
    const promise = new Promise<Message>((res, rej) => ((resolve = res), (reject = rej)));
    const outgoing: Outgoing = {
      conversationId,
      clientMessageId: options.clientMessageId ?? randomId(),
      content,
      parentId: options.parentId,
      attempts: 0,
      storedSignal,
      markStored,
      resolve,
      reject,
    };
    const queue = this.queues.get(conversationId) ?? [];
    this.queues.set(conversationId, queue);
    queue.push(outgoing);
    this.byClientId.set(key(conversationId, outgoing.clientMessageId), outgoing);
    this.deps.emit('pending', view(outgoing));
    void this.pump(conversationId);
    return promise;
  }

  pending(conversationId: string): ConversationState['pending'] {
    return (this.queues.get(conversationId) ?? []).filter((o) => !o.stored).map(view);
  }

  /** One of the caller's own messages, seen stored (echo, sync, history). */
  matchStored(message: Message): void {
    const outgoing = this.byClientId.get(key(message.conversationId, message.clientMessageId));
    if (outgoing && !outgoing.stored) {
      outgoing.stored = message;
      outgoing.markStored();
    }
  }

  /** Stores a conversation's sends one after another, so they keep their order. */
  private async pump(conversationId: string): Promise<void> {
    if (this.sending.has(conversationId)) return;
    this.sending.add(conversationId);
    const queue = this.queues.get(conversationId) ?? [];
    try {
      while (queue.length > 0) {
        const outgoing = queue[0];
        try {
          outgoing.resolve(await this.deliverSend(outgoing));
        } catch (err) {
          const error = err instanceof ParleyError ? err : new ParleyError('internal', String(err));
          outgoing.reject(error);
          this.deps.emit('pending:failed', { pending: view(outgoing), error });
        }
        queue.shift();
        this.byClientId.delete(key(conversationId, outgoing.clientMessageId));
      }
    } finally {
      this.sending.delete(conversationId);
      if (queue.length === 0) this.queues.delete(conversationId);
    }
  }

  private async deliverSend(o: Outgoing): Promise<Message> {
    const payload = {
      conversationId: o.conversationId,
      content: o.content,
      clientMessageId: o.clientMessageId,
      ...(o.parentId ? { parentId: o.parentId } : {}),
    };
    for (;;) {
      if (o.stored) return o.stored;
      if (this.deps.closed()) throw new ParleyError('disconnected', 'the client was closed');
      if (!this.deps.link.connected) {
        await Promise.race([this.deps.connectedOrClosed(), o.storedSignal]);
        continue;
      }
      o.attempts += 1;
      let delay = Math.min(
        this.deps.retryDelayMaxMs,
        this.deps.retryDelayMs * 2 ** (o.attempts - 1),
      );
      try {
        const answer = await Promise.race([
          this.deps.link.request('message:send', payload, this.deps.ackTimeoutMs),
          o.storedSignal.then(() => undefined),
        ]);
        if (answer === undefined) continue; // stored: the echo or a sync came first
        if (answer.ok) {
          this.deps.stored(answer.data);
          return answer.data;
        }
        const { code, message, retryAfterMs, details } = answer.error;
        const error = new ParleyError(code, message, undefined, retryAfterMs, details);
        if (!error.temporary) throw error;
        if (retryAfterMs !== undefined) delay = retryAfterMs;
        this.deps.emit('pending:retry', { pending: view(o), error });
      } catch (err) {
        if (!(err instanceof ParleyError) || !err.temporary) throw err;
        this.deps.emit('pending:retry', { pending: view(o), error: err });
        if (err.code === 'disconnected') continue; // wait for the connection, then resend
      }
      await Promise.race([sleep(delay), o.storedSignal]);
    }
  }
}

const key = (conversationId: string, clientMessageId: string) =>
  `${conversationId}/${clientMessageId}`;

function view(o: Outgoing): PendingMessage {
  const { conversationId, clientMessageId, content, parentId, attempts } = o;
  return { conversationId, clientMessageId, content, attempts, ...(parentId ? { parentId } : {}) };
}
