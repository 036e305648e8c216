import pino from 'pino';
import { Registry } from 'prom-client';
import type { ChangeVerifier } from './change-verifier';
import type { ChangeVouches } from './change-vouches';
import type { EventPublisher } from './event-publisher';
import { OutboxRelay } from './outbox-relay';
import type { OutboxStore } from './outbox-store';
import { RelayMetrics } from './relay-metrics';
import type { OutboxRow, Verdict } from './relay-plan';
import { VouchedChangeVerifier } from './vouched-change-verifier';

/** The vouches in memory (what Redis holds), or unreachable. */
class FakeVouches implements ChangeVouches {
  readonly ids = new Set<string>();
  down = false;
  vouch(eventIds: readonly string[]): void {
    eventIds.forEach((id) => this.ids.add(id));
  }
  async take(eventIds: readonly string[]): Promise<Set<string>> {
    if (this.down) throw new Error('redis unreachable');
    const found = new Set(eventIds.filter((id) => this.ids.has(id)));
    eventIds.forEach((id) => this.ids.delete(id));
    return found;
  }
}

/** MongoDB's answer: the changes in `stored` are there; every event it was asked about. */
class FakeStoreVerifier implements ChangeVerifier {
  readonly stored = new Set<string>();
  readonly asked: string[] = [];
  async verify(rows: readonly OutboxRow[]): Promise<Map<string, Verdict>> {
    this.asked.push(...rows.map((r) => r.id));
    return new Map(rows.map((r) => [r.id, this.stored.has(r.id) ? 'stored' : 'missing']));
  }
}

function setup() {
  const outbox: OutboxRow[] = [];
  const published: string[] = [];
  const vouches = new FakeVouches();
  const mongo = new FakeStoreVerifier();
  let kafkaDown = false;
  const store = {
    pending: async (limit: number, skip: readonly string[]) =>
      outbox.filter((r) => !skip.includes(r.conversationId)).slice(0, limit),
    remove: async (ids: readonly string[]) => {
      const kept = outbox.filter((r) => !ids.includes(r.id));
      outbox.splice(0, outbox.length, ...kept);
    },
    count: async () => outbox.length,
  } as unknown as OutboxStore;
  const publisher = {
    publish: async (rows: readonly OutboxRow[]) => {
      if (kafkaDown) throw new Error('kafka unreachable');
      published.push(...rows.map((r) => r.id));
    },
  } as unknown as EventPublisher;
  const relay = new OutboxRelay(
    {
      store,
      verifier: new VouchedChangeVerifier(vouches, mongo),
      publisher,
      sink: { published: async () => undefined },
      lease: { start: () => undefined, stop: async () => undefined, held: () => true } as never,
      metrics: new RelayMetrics(new Registry()),
      logger: pino({ level: 'silent' }),
    },
    { enabled: false, pollMs: 10, batchSize: 100, graceMs: 60_000 },
  );
  let ord = 0;
  const add = (conversationId: string, name: string) => {
    const id = `chat.message.created:${name}`;
    outbox.push({
      id,
      ord: String(++ord).padStart(24, '0'),
      type: 'chat.message.created',
      topic: 'chat.messages.v1',
      conversationId,
      time: new Date(),
      data: {},
    });
    return id;
  };
  return {
    relay,
    outbox,
    published,
    vouches,
    mongo,
    add,
    kafka: (down: boolean) => (kafkaDown = down),
  };
}

describe('relay verification vouched for by the writer', () => {
  afterEach(() => jest.restoreAllMocks());

  it('publishes vouched events without reading MongoDB', async () => {
    const t = setup();
    const ids = [t.add('c1', 'm1'), t.add('c1', 'm2'), t.add('c2', 'm3')];
    t.vouches.vouch(ids);
    await expect(t.relay.runOnce()).resolves.toMatchObject({ published: 3 });
    expect(t.published).toEqual(ids);
    expect(t.mongo.asked).toEqual([]);
    expect(t.outbox).toEqual([]);
  });

  it('reads MongoDB for the events nobody vouched for, and keeps each conversation in order', async () => {
    const t = setup();
    const m1 = t.add('c1', 'm1'); // vouched
    const m2 = t.add('c1', 'm2'); // not vouched, stored: published after reading
    const m3 = t.add('c2', 'm3'); // not vouched, not stored (yet): c2 waits
    const m4 = t.add('c2', 'm4'); // vouched, but behind m3
    t.vouches.vouch([m1, m4]);
    t.mongo.stored.add(m2);
    await t.relay.runOnce();
    expect(t.mongo.asked).toEqual([m2, m3]);
    expect(t.published).toEqual([m1, m2]);

    // m3's change lands; the relay rechecks c2 later and publishes both in order, m4 without
    // a read (verified when it was vouched, remembered while it waited).
    t.mongo.stored.add(m3);
    const later = Date.now() + 5000; // past c2's recheck (at most 2 s)
    jest.spyOn(Date, 'now').mockReturnValue(later);
    await t.relay.runOnce();
    expect(t.published).toEqual([m1, m2, m3, m4]);
    expect(t.mongo.asked).toEqual([m2, m3, m3]);
  });

  it('reads MongoDB for every event when the vouches cannot be read', async () => {
    const t = setup();
    const ids = [t.add('c1', 'm1'), t.add('c1', 'm2')];
    t.vouches.vouch(ids);
    t.vouches.down = true;
    t.mongo.stored.add(ids[0]);
    await t.relay.runOnce();
    // m2 is vouched for, but with Redis away only MongoDB counts, and it has no m2.
    expect(t.mongo.asked).toEqual(ids);
    expect(t.published).toEqual([ids[0]]);
  });

  it('never publishes an unvouched event whose change is not stored', async () => {
    const t = setup();
    const ghost = t.add('c1', 'ghost'); // its insert was refused: never vouched, never stored
    t.vouches.vouch([t.add('c2', 'real')]);
    await t.relay.runOnce();
    await t.relay.runOnce();
    expect(t.published).toEqual(['chat.message.created:real']);
    expect(t.published).not.toContain(ghost);
  });

  it('a round that failed to publish needs neither the vouch nor a read the next time', async () => {
    const t = setup();
    const id = t.add('c1', 'm1');
    t.vouches.vouch([id]);
    t.kafka(true);
    await expect(t.relay.runOnce()).rejects.toThrow('kafka unreachable');
    expect(t.vouches.ids.size).toBe(0); // taken by the round
    t.kafka(false);
    await t.relay.runOnce();
    expect(t.published).toEqual([id]);
    expect(t.mongo.asked).toEqual([]);
  });
});
