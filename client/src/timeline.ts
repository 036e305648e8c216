import type { Message } from './wire.js';

// Messages held past a gap, at most; beyond that the sync that fills the gap brings them.
const AHEAD_MAX = 1000;

/**
 * One conversation's place in its history: the last seq handed to the application and the
 * messages that arrived past a gap. Pure: it decides, the client performs (emit, sync).
 *
 * - `accept(m)`: a seq at or below `lastSeq` is a duplicate (an echo, a sync overlapping live
 *   delivery) and is dropped; the next seq is ready, and so are the held messages that follow
 *   it; a seq further on is held and reported as a gap, to be filled by `sync`.
 * - `skipTo(seq)`: the application has the history up to `seq` from elsewhere (a REST page).
 */
export class Timeline {
  private readonly ahead = new Map<number, Message>();

  constructor(private last: number) {}

  get lastSeq(): number {
    return this.last;
  }

  /** Something between lastSeq and a message already seen is missing. */
  get hasGap(): boolean {
    return this.ahead.size > 0;
  }

  accept(message: Message): { ready: Message[]; gap: boolean } {
    const ready: Message[] = [];
    if (message.seq === this.last + 1) {
      ready.push(message);
      this.last = message.seq;
      this.drain(ready);
    } else if (message.seq > this.last + 1) {
      if (this.ahead.size < AHEAD_MAX || this.ahead.has(message.seq)) {
        this.ahead.set(message.seq, message);
      }
    }
    return { ready, gap: this.ahead.size > 0 };
  }

  skipTo(seq: number): Message[] {
    const ready: Message[] = [];
    if (seq <= this.last) return ready;
    this.last = seq;
    for (const held of this.ahead.keys()) if (held <= seq) this.ahead.delete(held);
    this.drain(ready);
    return ready;
  }

  private drain(ready: Message[]): void {
    for (let next = this.ahead.get(this.last + 1); next; next = this.ahead.get(this.last + 1)) {
      this.ahead.delete(next.seq);
      ready.push(next);
      this.last = next.seq;
    }
  }
}
