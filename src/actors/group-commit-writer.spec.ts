import type { ChatEvent } from '../events/chat-events';
import { messageCreated } from '../events/chat-events';
import { DuplicateKeyError } from '../messages/message.repository';
import type { Message } from '../messages/message.types';
import { GroupCommitStore, GroupCommitWriter, PlannedBatch } from './group-commit-writer';
import { aMessage } from '../../test/support/message-fixture';

/** An in-memory store with the two unique indexes and MongoDB's ordered-insert semantics. */
class FakeStore implements GroupCommitStore {
  readonly rows: Message[] = [];
  readonly events = new Map<string, ChatEvent>();
  readonly inserts: Message[][] = [];
  readonly prepares: number[] = [];
  /** Set to make the next insert fail with this error before storing anything. */
  failNext?: Error;
  /** Holds each command until released, to pile up submissions behind a running flush. */
  gate?: Promise<void>;

  changeLog = {
    prepare: async (events: readonly ChatEvent[]) => {
      await this.gate;
      this.prepares.push(events.length);
      for (const e of events) this.events.set(e.id, e);
    },
  };

  async insertBatch(messages: readonly Message[]): Promise<void> {
    await this.gate;
    this.inserts.push([...messages]);
    if (this.failNext) {
      const err = this.failNext;
      this.failNext = undefined;
      throw err;
    }
    for (const [i, m] of messages.entries()) {
      const clash = this.rows.some(
        (r) =>
          r.conversationId === m.conversationId &&
          (r.seq === m.seq ||
            (r.senderId === m.senderId && r.clientMessageId === m.clientMessageId)),
      );
      if (clash) throw new DuplicateKeyError('E11000 duplicate key', i);
      this.rows.push(m);
    }
  }

  /** The events vouched for, and those vouched while their message was not stored. */
  readonly vouched: string[] = [];
  readonly vouchedUnstored: string[] = [];
  vouches = {
    vouch: (eventIds: readonly string[]) => {
      for (const id of eventIds) {
        const messageId = id.replace('chat.message.created:', '');
        if (!this.rows.some((r) => r.id === messageId)) this.vouchedUnstored.push(id);
        this.vouched.push(id);
      }
    },
  };

  seqs(conversationId: string): number[] {
    return this.rows.filter((r) => r.conversationId === conversationId).map((r) => r.seq);
  }
}

const at = new Date('2026-12-01T00:00:00Z');
let ids = 0;
function message(conversationId: string, seq: number, clientMessageId = `c-${++ids}`): Message {
  const id = (++ids).toString(16).padStart(24, '0');
  return aMessage({
    id,
    conversationId,
    seq,
    senderId: 'u1',
    content: `m${seq}`,
    createdAt: at,
    clientMessageId,
  });
}

const batch = (conversationId: string, from: number, n: number): PlannedBatch => {
  const messages = Array.from({ length: n }, (_, i) => message(conversationId, from + i));
  return { messages, events: messages.map((m) => messageCreated(m)) };
};

function gated(store: FakeStore): () => void {
  let open!: () => void;
  store.gate = new Promise<void>((r) => (open = r));
  return () => {
    store.gate = undefined;
    open();
  };
}

describe('GroupCommitWriter', () => {
  it('stores what several conversations submitted during a flush in one flush of two commands', async () => {
    const store = new FakeStore();
    const writer = new GroupCommitWriter(store);
    const release = gated(store);
    const first = writer.submit(batch('a', 1, 1)); // starts a flush at once, held by the gate
    const later = [writer.submit(batch('b', 1, 3)), writer.submit(batch('c', 1, 2))];
    expect(writer.queued).toBe(2);
    release();
    await Promise.all([first, ...later]);

    expect(store.inserts.map((i) => i.length)).toEqual([1, 5]);
    expect(store.prepares).toEqual([1, 5]);
    expect(store.seqs('b')).toEqual([1, 2, 3]);
    expect(store.events.size).toBe(6);
  });

  it('fails only the batch whose document is refused; the others in the flush are stored', async () => {
    const store = new FakeStore();
    const writer = new GroupCommitWriter(store);
    await writer.submit(batch('b', 1, 1)); // b's seq 1 is taken (another writer)
    const release = gated(store);
    const hold = writer.submit(batch('z', 1, 1));
    const a = writer.submit(batch('a', 1, 2));
    const b = writer.submit(batch('b', 1, 2)); // plans seq 1 again: refused
    const c = writer.submit(batch('c', 1, 2));
    release();

    await expect(hold).resolves.toBeUndefined();
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toBeInstanceOf(DuplicateKeyError);
    await expect(c).resolves.toBeUndefined();
    expect(store.seqs('a')).toEqual([1, 2]);
    expect(store.seqs('c')).toEqual([1, 2]);
    // b keeps what it had; none of the refused batch's documents got in after the refusal.
    expect(store.seqs('b')).toEqual([1]);
  });

  it('keeps a refused batch to its stored prefix and tells how much of it was stored', async () => {
    const store = new FakeStore();
    const writer = new GroupCommitWriter(store);
    await writer.submit({ messages: [message('a', 2, 'dup')], events: [] });
    const release = gated(store);
    const hold = writer.submit(batch('z', 1, 1));
    const planned = [message('a', 3), message('a', 4, 'dup'), message('a', 5)];
    const refused = writer.submit({ messages: planned, events: [] });
    const other = writer.submit(batch('b', 1, 1));
    release();
    await hold;

    const err = await refused.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DuplicateKeyError);
    expect((err as DuplicateKeyError).stored).toBe(1);
    await expect(other).resolves.toBeUndefined();
    // Seq 3 (before the refused one) is stored, 5 (after it) is not: no gap in a's history.
    expect(store.seqs('a')).toEqual([2, 3]);
    expect(store.seqs('b')).toEqual([1]);
  });

  it('keeps each conversation in seq order inside a flush', async () => {
    const store = new FakeStore();
    const writer = new GroupCommitWriter(store);
    const release = gated(store);
    const all = [
      writer.submit(batch('x', 1, 1)),
      writer.submit(batch('a', 1, 2)),
      writer.submit(batch('b', 1, 2)),
      writer.submit(batch('a', 3, 2)),
    ];
    release();
    await Promise.all(all);
    expect(store.seqs('a')).toEqual([1, 2, 3, 4]);
    expect(store.seqs('b')).toEqual([1, 2]);
  });

  it('fails exactly the sends of a failing flush; the next flush is written', async () => {
    const store = new FakeStore();
    const writer = new GroupCommitWriter(store);
    const release = gated(store);
    const x = writer.submit(batch('x', 1, 1)); // the first flush, failing
    store.failNext = new Error('connection reset');
    const next = [writer.submit(batch('a', 1, 1)), writer.submit(batch('b', 1, 1))];
    release();
    await expect(x).rejects.toThrow('connection reset');
    await expect(Promise.all(next)).resolves.toEqual([undefined, undefined]);
    expect(store.seqs('x')).toEqual([]);
    expect(store.seqs('a')).toEqual([1]);
    expect(store.seqs('b')).toEqual([1]);
  });

  it('rejects every batch of the flush when the outbox write fails, storing none of them', async () => {
    const store = new FakeStore();
    const writer = new GroupCommitWriter(store);
    const release = gated(store);
    const hold = writer.submit(batch('x', 1, 1));
    const prepare = store.changeLog.prepare;
    let failed = false;
    store.changeLog.prepare = async (events) => {
      await store.gate;
      if (!failed && events.length === 2) {
        failed = true;
        throw new Error('outbox unavailable');
      }
      return prepare(events);
    };
    const a = writer.submit(batch('a', 1, 1));
    const b = writer.submit(batch('b', 1, 1));
    release();
    await hold;
    await expect(a).rejects.toThrow('outbox unavailable');
    await expect(b).rejects.toThrow('outbox unavailable');
    expect(store.seqs('a')).toEqual([]);
    expect(store.seqs('b')).toEqual([]);
  });

  it('resolves an empty batch at once without writing', async () => {
    const store = new FakeStore();
    await new GroupCommitWriter(store).submit({ messages: [], events: [] });
    expect(store.inserts).toEqual([]);
  });

  describe('vouching for the events of stored batches', () => {
    const ids = (b: PlannedBatch) => b.events.map((e) => e.id);

    it('vouches every acknowledged batch after its flush, never the refused one', async () => {
      const store = new FakeStore();
      const writer = new GroupCommitWriter(store);
      const taken = batch('b', 1, 1); // b's seq 1 is taken
      await writer.submit(taken);
      const release = gated(store);
      const [z, a, b, c] = [batch('z', 1, 1), batch('a', 1, 2), batch('b', 1, 2), batch('c', 1, 2)];
      const sent = [z, a, b, c].map((x) => writer.submit(x));
      release();
      await Promise.allSettled(sent);
      await expect(sent[2]).rejects.toBeInstanceOf(DuplicateKeyError);

      expect(store.vouched.sort()).toEqual([taken, z, a, c].flatMap(ids).sort());
      expect(store.vouchedUnstored).toEqual([]);
    });

    it("never vouches a refused batch's stored prefix (the relay reads those)", async () => {
      const store = new FakeStore();
      const writer = new GroupCommitWriter(store);
      await writer.submit({ messages: [message('a', 2, 'dup')], events: [] });
      const planned = [message('a', 3), message('a', 4, 'dup')];
      const refused = { messages: planned, events: planned.map((m) => messageCreated(m)) };
      await expect(writer.submit(refused)).rejects.toBeInstanceOf(DuplicateKeyError);
      expect(store.seqs('a')).toEqual([2, 3]); // seq 3 is stored, yet not vouched
      expect(store.vouched).toEqual([]);
      expect(store.vouchedUnstored).toEqual([]);
    });

    it('vouches nothing of a flush whose outcome is unknown', async () => {
      const store = new FakeStore();
      const writer = new GroupCommitWriter(store);
      const release = gated(store);
      const x = writer.submit(batch('x', 1, 1));
      store.failNext = new Error('connection reset');
      release();
      await expect(x).rejects.toThrow('connection reset');
      expect(store.vouched).toEqual([]);
      const next = batch('y', 1, 1);
      await writer.submit(next);
      expect(store.vouched).toEqual(ids(next));
    });

    it('vouches nothing when the outbox write failed', async () => {
      const store = new FakeStore();
      const writer = new GroupCommitWriter(store);
      store.changeLog.prepare = () => Promise.reject(new Error('outbox unavailable'));
      await expect(writer.submit(batch('a', 1, 2))).rejects.toThrow('outbox unavailable');
      expect(store.vouched).toEqual([]);
    });
  });
});
