import type { BeforeApplicationShutdown } from '@nestjs/common';
import type { PresenceBroadcaster } from './presence-broadcaster';
import type { PresenceMetrics } from './presence.metrics';
import { TypingInput, TypingOptions, TypingState, typingStep } from './typing-throttle';

interface Entry {
  userId: string;
  conversationId: string;
  /** The socket that last said "typing": its disconnect stops the indicator. */
  socketId: string;
  state: TypingState;
  timer?: NodeJS.Timeout;
}

/**
 * Typing indicators of the typists connected to this node: runs typing-throttle.ts per
 * (user, conversation) with one timer each, and broadcasts what it decides. The state lives
 * on the node that received the typing (the contract needs no more: a typist on two nodes
 * is throttled per node). Callers check membership first; this service trusts its input.
 */
export class TypingService implements BeforeApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly bySocket = new Map<string, Set<string>>();
  private readonly now: () => number;

  constructor(
    private readonly broadcaster: PresenceBroadcaster,
    private readonly metrics: PresenceMetrics,
    private readonly options: TypingOptions & { now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  typing(userId: string, conversationId: string, isTyping: boolean, socketId: string): void {
    this.metrics.typingReceived.inc();
    const key = `${userId}/${conversationId}`;
    const entry = this.entries.get(key) ?? { userId, conversationId, socketId, state: undefined };
    if (isTyping) this.moveTo(key, entry, socketId);
    const step = this.apply(key, entry, { kind: 'typing', isTyping });
    if (step.dropped) this.metrics.typingDropped.inc();
  }

  /** The socket went away: stops what it was typing (other devices keep their own). */
  socketClosed(socketId: string): void {
    for (const key of this.bySocket.get(socketId) ?? []) {
      const entry = this.entries.get(key);
      if (entry) this.apply(key, entry, { kind: 'stop' });
    }
    // What is left is only remembered for the throttle window; nothing to stop any more.
    this.bySocket.delete(socketId);
  }

  beforeApplicationShutdown(): void {
    for (const e of this.entries.values()) clearTimeout(e.timer);
    this.entries.clear();
    this.bySocket.clear();
  }

  private apply(
    key: string,
    entry: Omit<Entry, 'state'> & { state?: TypingState },
    input: TypingInput,
  ) {
    const now = this.now();
    const step = typingStep(entry.state, input, now, this.options);
    if (step.emit !== undefined) {
      const { conversationId, userId } = entry;
      this.metrics.typingEmitted.inc({ is_typing: String(step.emit) });
      this.broadcaster.typing({ conversationId, userId, isTyping: step.emit });
    }
    clearTimeout(entry.timer);
    if (!step.state || step.wakeAt === undefined) {
      this.entries.delete(key);
      this.unindex(key, entry.socketId);
      return step;
    }
    entry.state = step.state;
    entry.timer = setTimeout(() => this.apply(key, entry, { kind: 'tick' }), step.wakeAt - now);
    entry.timer.unref();
    this.entries.set(key, entry as Entry);
    return step;
  }

  private moveTo(key: string, entry: { socketId: string }, socketId: string): void {
    if (this.entries.has(key) && entry.socketId === socketId) return;
    this.unindex(key, entry.socketId);
    entry.socketId = socketId;
    const keys = this.bySocket.get(socketId);
    if (keys) keys.add(key);
    else this.bySocket.set(socketId, new Set([key]));
  }

  private unindex(key: string, socketId: string): void {
    const keys = this.bySocket.get(socketId);
    keys?.delete(key);
    if (keys?.size === 0) this.bySocket.delete(socketId);
  }
}
