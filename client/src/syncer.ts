import { ParleyError } from './errors.js';
import type { Link } from './link.js';
import { sleep } from './outbox.js';
import type { Timeline } from './timeline.js';
import type { ParleyEvents } from './types.js';
import { type Message, SYNC_MAX_CONVERSATIONS } from './wire.js';

type Timer = ReturnType<typeof setTimeout>;

export interface SyncerDeps {
  link: Link;
  /** The client's tracked conversations; a conversation the server leaves out is dropped. */
  timelines: Map<string, Timeline>;
  /** A message from an answer: the client hands it over in order. */
  receive: (message: Message) => void;
  emit: <E extends keyof ParleyEvents>(event: E, payload: ParleyEvents[E]) => void;
  /** The connect's sync has caught up. */
  live: () => void;
  ackTimeoutMs: number;
  retryDelayMs: number;
  retryDelayMaxMs: number;
  gapGraceMs: number;
}

/**
 * Fetches what a client missed: `request(ids)` queues conversations for `sync` (on connect,
 * on `sync:required`), `gapSeen(id)` after a seq jump (after a grace in which live delivery
 * may fill it). One sync runs at a time, in batches of the server's limit, again from the new
 * cursor while `hasMore`. A failure keeps the conversations queued; a drop leaves them to the
 * next connect, which syncs everything anyway.
 */
export class Syncer {
  private readonly wanted = new Set<string>();
  private readonly gapTimers = new Map<string, Timer>();
  private syncing = false;
  /** A connect happened while a sync was running: report `live` once it has caught up. */
  private pendingLive = false;

  constructor(private readonly deps: SyncerDeps) {}

  close(): void {
    this.gapTimers.forEach(clearTimeout);
    this.gapTimers.clear();
  }

  gapSeen(conversationId: string): void {
    if (this.gapTimers.has(conversationId)) return;
    this.gapTimers.set(
      conversationId,
      setTimeout(() => {
        this.gapTimers.delete(conversationId);
        if (this.deps.timelines.get(conversationId)?.hasGap) this.request([conversationId]);
      }, this.deps.gapGraceMs),
    );
  }

  clearGap(conversationId: string): void {
    const timer = this.gapTimers.get(conversationId);
    if (timer) clearTimeout(timer);
    this.gapTimers.delete(conversationId);
  }

  request(ids: Iterable<string>, afterConnect = false): void {
    for (const id of ids) if (this.deps.timelines.has(id)) this.wanted.add(id);
    void this.runSync(afterConnect);
  }

  /** One sync at a time, in batches of the server's limit, again while `hasMore`. */
  private async runSync(afterConnect: boolean): Promise<void> {
    if (this.syncing) {
      if (afterConnect) this.pendingLive = true;
      return;
    }
    this.syncing = true;
    let live = afterConnect || this.pendingLive;
    this.pendingLive = false;
    try {
      while ((this.wanted.size > 0 || live) && this.deps.link.connected) {
        const batch = [...this.wanted].slice(0, SYNC_MAX_CONVERSATIONS);
        batch.forEach((id) => this.wanted.delete(id));
        const cursors = Object.fromEntries(
          batch.map((id) => [id, this.deps.timelines.get(id)?.lastSeq ?? 0]),
        );
        let answer;
        try {
          answer = await this.deps.link.request('sync', { cursors }, this.deps.ackTimeoutMs);
        } catch (err) {
          batch.forEach((id) => this.wanted.add(id));
          if ((err as ParleyError).code === 'disconnected') return; // the next connect syncs all
          await sleep(this.deps.retryDelayMs);
          continue;
        }
        if (!answer.ok) {
          batch.forEach((id) => this.wanted.add(id));
          this.deps.emit(
            'error',
            new ParleyError(answer.error.code, `sync: ${answer.error.message}`),
          );
          await sleep(this.deps.retryDelayMaxMs);
          continue;
        }
        for (const id of batch) {
          const page = answer.data[id];
          const timeline = this.deps.timelines.get(id);
          if (!timeline) continue;
          if (!page) {
            this.deps.timelines.delete(id); // not a member (any more)
            continue;
          }
          for (const m of page.messages) this.deps.receive(m);
          if (page.hasMore) this.wanted.add(id);
          else if (timeline.hasGap)
            this.gapSeen(id); // a live message overtook this answer
          else this.deps.emit('synced', { conversationId: id, lastSeq: timeline.lastSeq });
        }
        if (live && this.wanted.size === 0) {
          live = false;
          this.deps.live();
        }
        if (this.pendingLive) {
          live = true;
          this.pendingLive = false;
        }
      }
    } finally {
      this.syncing = false;
    }
    if (this.wanted.size > 0 && this.deps.link.connected) void this.runSync(false);
  }
}
