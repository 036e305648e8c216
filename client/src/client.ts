import { CursorCoalescer } from './cursor-coalescer.js';
import { Emitter } from './emitter.js';
import { ParleyError } from './errors.js';
import { Outbox } from './outbox.js';
import { Syncer } from './syncer.js';
import { type Link, type LinkHandlers, type LinkOptions, SocketLink } from './link.js';
import { RestClient } from './rest.js';
import type { components } from './openapi.js';
import { Timeline } from './timeline.js';
import { TokenKeeper } from './token.js';
import type { ClientStatus, ConnectOptions, ConversationState, ParleyEvents } from './types.js';
import { TypingSender, TypingWatcher } from './typing.js';
import {
  type Conversation,
  type ConversationDetails,
  type ConversationPage,
  type Message,
  type MessagePage,
  PRESENCE_SUBSCRIBE_MAX,
  type PresenceState,
} from './wire.js';

type Timer = ReturnType<typeof setTimeout>;
type Schemas = components['schemas'];
// setTimeout fires at once for delays above 2^31-1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A Parley client: typed REST, the `/chat` socket kept up, and the recovery rules of the
 * contract done once. Per conversation it hands over every message exactly once and in seq
 * order (a seq jump is a gap filled by `sync`; echoes and overlaps are dropped); it syncs
 * every tracked conversation on each connect and on `sync:required`, paging while `hasMore`;
 * a send stays pending with its clientMessageId and is retried with that same id until the
 * server stored it. Create one with `connect()`.
 */
export class ParleyClient extends Emitter<ParleyEvents> {
  readonly rest: RestClient;
  private readonly tokens: TokenKeeper;
  private readonly link: Link;
  private readonly opts: Required<Omit<ConnectOptions, 'cursors' | 'fetch'>>;
  private readonly timelines = new Map<string, Timeline>();
  private readonly outbox: Outbox;
  private readonly syncer: Syncer;
  private readonly presenceSubs = new Set<string>();
  private readonly presenceKnown = new Map<string, PresenceState>();
  private readonly reads: CursorCoalescer;
  private readonly deliveries: CursorCoalescer;
  private readonly typingOut: TypingSender;
  private readonly typingIn: TypingWatcher;
  private refreshTimer?: Timer;
  private waiters: (() => void)[] = [];
  private current: ClientStatus = 'connecting';

  /** `makeLink` is for tests: the connection to run over instead of Socket.IO. */
  constructor(
    options: ConnectOptions,
    makeLink: (tokens: TokenKeeper, options: LinkOptions, handlers: LinkHandlers) => Link = (
      tokens,
      linkOptions,
      handlers,
    ) => new SocketLink(options.url, tokens, linkOptions, handlers),
  ) {
    super();
    this.opts = {
      url: options.url,
      getToken: options.getToken,
      transports: options.transports ?? ['websocket'],
      ackTimeoutMs: options.ackTimeoutMs ?? 10_000,
      tokenRefreshMarginMs: options.tokenRefreshMarginMs ?? 60_000,
      retryDelayMs: options.retryDelayMs ?? 250,
      retryDelayMaxMs: options.retryDelayMaxMs ?? 5000,
      gapGraceMs: options.gapGraceMs ?? 250,
      typingThrottleMs: options.typingThrottleMs ?? 2000,
      typingIdleMs: options.typingIdleMs ?? 3000,
      receiptDelayMs: options.receiptDelayMs ?? 250,
      autoDelivered: options.autoDelivered ?? true,
    };
    for (const [id, seq] of Object.entries(options.cursors ?? {})) {
      this.timelines.set(id, new Timeline(seq));
    }
    this.tokens = new TokenKeeper(options.getToken, this.opts.tokenRefreshMarginMs);
    this.rest = new RestClient(options.url, (fresh) => this.tokens.get(fresh), options.fetch);
    this.reads = new CursorCoalescer(
      (id, seq) => this.cursor('read', id, seq),
      this.opts.receiptDelayMs,
    );
    this.deliveries = new CursorCoalescer(
      (id, seq) => this.cursor('delivered', id, seq),
      this.opts.receiptDelayMs,
    );
    this.typingOut = new TypingSender(
      (conversationId, isTyping) => {
        this.link
          .request('typing', { conversationId, isTyping }, this.opts.ackTimeoutMs)
          .catch(() => undefined);
      },
      this.opts.typingThrottleMs,
      this.opts.typingIdleMs,
    );
    // The server stops a quiet typist within 6 s; a little more covers a lost `false`.
    this.typingIn = new TypingWatcher(8000, (conversationId, userId) =>
      this.emit('typing', { conversationId, userId, isTyping: false }),
    );
    this.link = makeLink(
      this.tokens,
      {
        transports: this.opts.transports,
        reconnectDelayMs: this.opts.retryDelayMs,
        reconnectDelayMaxMs: this.opts.retryDelayMaxMs,
      },
      {
        connected: () => this.onConnected(),
        disconnected: (reason) => this.setStatus('connecting', reason),
        refused: (error) => this.emit('error', error),
      },
    );
    this.outbox = new Outbox({
      link: this.link,
      ackTimeoutMs: this.opts.ackTimeoutMs,
      retryDelayMs: this.opts.retryDelayMs,
      retryDelayMaxMs: this.opts.retryDelayMaxMs,
      emit: (event, payload) => this.emit(event, payload),
      stored: (message) => this.receive(message),
      closed: () => this.current === 'closed',
      connectedOrClosed: () => this.connectedOrClosed(),
    });
    this.syncer = new Syncer({
      link: this.link,
      timelines: this.timelines,
      receive: (message) => this.receive(message),
      emit: (event, payload) => this.emit(event, payload),
      live: () => this.setStatus('live'),
      ackTimeoutMs: this.opts.ackTimeoutMs,
      retryDelayMs: this.opts.retryDelayMs,
      retryDelayMaxMs: this.opts.retryDelayMaxMs,
      gapGraceMs: this.opts.gapGraceMs,
    });
    this.listen();
    this.link.open();
  }

  /** The signed-in user (the token's `sub`), once the first token was fetched. */
  get userId(): string | undefined {
    return this.tokens.subject;
  }

  get status(): ClientStatus {
    return this.current;
  }

  /** The last seq seen per tracked conversation: pass it as `cursors` to resume later. */
  cursors(): Record<string, number> {
    return Object.fromEntries([...this.timelines].map(([id, t]) => [id, t.lastSeq]));
  }

  state(conversationId: string): ConversationState | undefined {
    const timeline = this.timelines.get(conversationId);
    const pending = this.outbox.pending(conversationId);
    if (!timeline && pending.length === 0) return undefined;
    return { lastSeq: timeline?.lastSeq ?? 0, pending };
  }

  /** Follow a conversation from `lastSeq` (messages after it are delivered, synced on connect). */
  track(conversationId: string, lastSeq = 0): void {
    if (this.timelines.has(conversationId)) return;
    this.timelines.set(conversationId, new Timeline(lastSeq));
    this.syncer.request([conversationId]);
  }

  // ---- REST ----------------------------------------------------------------------------

  /** The caller's conversations; each one not yet tracked is tracked from its `lastSeq`. */
  async conversations(query: { limit?: number; cursor?: string } = {}): Promise<ConversationPage> {
    const page = await this.rest.request('get', '/conversations', { query });
    for (const c of page.items) {
      if (!this.timelines.has(c.id)) this.timelines.set(c.id, new Timeline(c.lastSeq));
    }
    return page;
  }

  conversation(id: string): Promise<ConversationDetails> {
    return this.rest.request('get', '/conversations/{id}', { path: { id } });
  }

  /** A private conversation with one other user (the existing one if any), or a group. */
  async createConversation(body: Schemas['CreateConversationDto']): Promise<Conversation> {
    const conversation = await this.rest.request('post', '/conversations', { body });
    this.track(conversation.id, conversation.lastSeq);
    return conversation;
  }

  updateConversation(id: string, body: Schemas['UpdateConversationDto']): Promise<Conversation> {
    return this.rest.request('patch', '/conversations/{id}', { path: { id }, body });
  }

  deleteConversation(id: string): Promise<Conversation> {
    return this.rest.request('delete', '/conversations/{id}', { path: { id } });
  }

  /**
   * A page of history, oldest first. Without `before` it is the newest page, and the
   * conversation is then followed from its last message: only later ones arrive as
   * `message` events. Page older history with `before: page.items[0].seq` while `hasMore`.
   */
  async history(
    conversationId: string,
    query: { before?: number; limit?: number } = {},
  ): Promise<MessagePage> {
    const page = await this.rest.request('get', '/conversations/{id}/messages', {
      path: { id: conversationId },
      query,
    });
    for (const m of page.items) this.resolvePending(m);
    if (query.before === undefined) {
      const newest = page.items.at(-1)?.seq ?? 0;
      const timeline = this.timelines.get(conversationId);
      if (!timeline) this.timelines.set(conversationId, new Timeline(newest));
      else timeline.skipTo(newest).forEach((m) => this.hand(m));
    }
    return page;
  }

  editMessage(conversationId: string, messageId: string, content: string): Promise<Message> {
    return this.rest.request('patch', '/conversations/{id}/messages/{messageId}', {
      path: { id: conversationId, messageId },
      body: { content },
    });
  }

  deleteMessage(conversationId: string, messageId: string): Promise<Message> {
    return this.rest.request('delete', '/conversations/{id}/messages/{messageId}', {
      path: { id: conversationId, messageId },
    });
  }

  // ---- realtime ------------------------------------------------------------------------

  /**
   * Sends a message and resolves with it once stored, exactly once. It stays pending (see
   * `state()`) until then, through disconnects, `unavailable` and `rate_limited` (retried with
   * the same clientMessageId, so the server stores it once). Sends of one conversation are
   * stored in the order they were made. Rejects only on a refusal that a retry cannot change
   * (validation_failed, not_found, forbidden, payload_too_large, conflict) or on `close()`.
   */
  send(
    conversationId: string,
    content: string,
    options: { clientMessageId?: string; parentId?: string } = {},
  ): Promise<Message> {
    this.typingOut.stop(conversationId);
    return this.outbox.add(conversationId, content, options);
  }

  /** Marks everything up to `seq` read; calls are coalesced into few `read` commands. */
  markRead(conversationId: string, seq: number): void {
    this.reads.mark(conversationId, seq);
  }

  /** Call on every keystroke: throttled, and stopped after a quiet spell or a send. */
  typing(conversationId: string): void {
    this.typingOut.typing(conversationId);
  }

  stopTyping(conversationId: string): void {
    this.typingOut.stop(conversationId);
  }

  /** Who else is typing in this conversation now. */
  typists(conversationId: string): string[] {
    return this.typingIn.typists(conversationId);
  }

  /**
   * Follows these users' presence (only co-members are answered) and answers their state
   * now. The subscriptions are made again after every reconnect.
   */
  async subscribePresence(userIds: string[]): Promise<Record<string, PresenceState>> {
    userIds.forEach((id) => this.presenceSubs.add(id.toLowerCase()));
    if (!this.link.connected) return {};
    return this.presenceRequest(userIds.map((id) => id.toLowerCase()));
  }

  /** The last known presence of a subscribed user. */
  presence(userId: string): PresenceState | undefined {
    return this.presenceKnown.get(userId.toLowerCase());
  }

  /** Syncs these conversations (default: every tracked one) now. */
  sync(conversationIds?: string[]): void {
    this.syncer.request(conversationIds ?? [...this.timelines.keys()]);
  }

  /** Disconnects for good; pending sends reject with `disconnected`. */
  close(): void {
    this.setStatus('closed');
    this.link.close();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.syncer.close();
    this.typingOut.close();
    this.typingIn.close();
    this.reads.close();
    this.deliveries.close();
    this.wake();
  }

  // ---- internals -----------------------------------------------------------------------

  private listen(): void {
    this.link.on('message:new', (m) => this.receive(m));
    this.link.on('message:updated', (m) => this.emit('message:updated', m));
    this.link.on('message:deleted', (m) => this.emit('message:deleted', m));
    this.link.on('conversation:created', (c) => {
      this.track(c.id, c.lastSeq);
      this.emit('conversation:created', c);
    });
    this.link.on('conversation:updated', (c) => {
      // Added to it: follow it from now (its history is a REST page away); removed: forget it.
      const member = this.userId !== undefined && c.participants.includes(this.userId);
      if (member) this.track(c.id, c.lastSeq);
      else this.timelines.delete(c.id);
      this.emit('conversation:updated', c);
    });
    this.link.on('conversation:deleted', (c) => {
      this.timelines.delete(c.id);
      this.emit('conversation:deleted', c);
    });
    this.link.on('receipt', (r) => this.emit('receipt', r));
    this.link.on('typing', (t) => {
      // A renewal of a shown indicator changes nothing.
      if (this.typingIn.seen(t.conversationId, t.userId, t.isTyping)) this.emit('typing', t);
    });
    this.link.on('presence', (p) => {
      this.presenceKnown.set(p.userId, { status: p.status, lastSeenAt: p.lastSeenAt });
      this.emit('presence', p);
    });
    this.link.on('sync:required', ({ conversationIds }) =>
      this.syncer.request(conversationIds ?? [...this.timelines.keys()]),
    );
  }

  private onConnected(): void {
    this.wake();
    this.scheduleRefresh();
    // An answered sync also means this socket's rooms are live (the server holds commands
    // until they are), so it is sent even with nothing tracked.
    this.syncer.request([...this.timelines.keys()], true);
    if (this.presenceSubs.size) {
      void this.presenceRequest([...this.presenceSubs]).catch(() => undefined);
    }
    this.reads.flush();
    this.deliveries.flush();
  }

  private setStatus(status: ClientStatus, reason?: string): void {
    if (this.current === status || this.current === 'closed') return;
    this.current = status;
    this.emit('status', { status, reason });
  }

  private scheduleRefresh(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    const ms = this.tokens.msUntilRefresh();
    if (ms === undefined) return;
    this.refreshTimer = setTimeout(
      () => {
        this.refreshTimer = undefined;
        // Reconnect with the new token before the server cuts the socket at expiry.
        this.link
          .refresh()
          .catch((err: unknown) =>
            this.emit(
              'error',
              new ParleyError('unauthorized', `token refresh failed: ${String(err)}`),
            ),
          );
      },
      Math.min(ms, MAX_TIMER_MS),
    );
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  private connectedOrClosed(): Promise<void> {
    if (this.link.connected || this.current === 'closed') return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }

  /** A message from the server, live or in an answer: handed over in order, once. */
  private receive(message: Message): void {
    this.resolvePending(message);
    let timeline = this.timelines.get(message.conversationId);
    if (!timeline) {
      // First sight of this conversation: earlier messages are history, not news.
      timeline = new Timeline(message.seq - 1);
      this.timelines.set(message.conversationId, timeline);
    }
    const { ready, gap } = timeline.accept(message);
    ready.forEach((m) => this.hand(m));
    if (gap) this.syncer.gapSeen(message.conversationId);
    else this.syncer.clearGap(message.conversationId);
  }

  private hand(message: Message): void {
    this.emit('message', message);
    if (this.opts.autoDelivered && message.senderId !== this.userId) {
      this.deliveries.mark(message.conversationId, message.seq);
    }
  }

  private resolvePending(message: Message): void {
    if (message.senderId === this.userId) this.outbox.matchStored(message);
  }

  private async presenceRequest(userIds: string[]): Promise<Record<string, PresenceState>> {
    const answered: Record<string, PresenceState> = {};
    for (let i = 0; i < userIds.length; i += PRESENCE_SUBSCRIBE_MAX) {
      const chunk = userIds.slice(i, i + PRESENCE_SUBSCRIBE_MAX);
      const answer = await this.link.request(
        'presence:subscribe',
        { userIds: chunk },
        this.opts.ackTimeoutMs,
      );
      if (!answer.ok) throw new ParleyError(answer.error.code, answer.error.message);
      Object.assign(answered, answer.data);
    }
    for (const [userId, state] of Object.entries(answered)) {
      const known = this.presenceKnown.get(userId);
      this.presenceKnown.set(userId, state);
      // What changed while this client was away.
      if (known && known.status !== state.status) this.emit('presence', { userId, ...state });
    }
    return answered;
  }

  private async cursor(type: 'read' | 'delivered', conversationId: string, seq: number) {
    try {
      const answer = await this.link.request(type, { conversationId, seq }, this.opts.ackTimeoutMs);
      if (!answer.ok) return answer.error.code === 'not_found' ? seq : undefined;
      return 'readSeq' in answer.data ? answer.data.readSeq : answer.data.deliveredSeq;
    } catch {
      return undefined;
    }
  }
}

/** Connects to Parley: `const parley = connect({ url, getToken })`. */
export function connect(options: ConnectOptions): ParleyClient {
  return new ParleyClient(options);
}
