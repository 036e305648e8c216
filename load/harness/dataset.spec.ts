import { randomUUID } from 'node:crypto';
import {
  allocate,
  buildConversation,
  ConversationPlan,
  ids,
  privateKey,
  text,
  rng,
} from './dataset';
import {
  fillerPlans,
  fixtures,
  fixtureSizes,
  HUB_CONVERSATIONS,
  HUB_UNREAD,
  LONG_MESSAGES,
} from './dataset-plan';

const id = ids(randomUUID);
const NOW = Date.UTC(2026, 10, 25, 12);

type Doc = Record<string, any>;

function plan(over: Partial<ConversationPlan> = {}): ConversationPlan {
  const members = ['u-a', 'u-b', 'u-c'];
  return {
    id: id.objectId(NOW - 3_600_000).toHexString(),
    type: 'group',
    name: 'team',
    participants: members,
    messages: 5,
    createdAt: NOW - 3_600_000,
    firstAt: NOW - 3_000_000,
    lastAt: NOW - 1_000_000,
    sender: (seq) => members[seq % 2], // u-a, u-b; u-c never sends
    cursor: () => ({ readSeq: 0, deliveredSeq: 0 }),
    content: (seq) => `message ${seq} `.repeat(20),
    ...over,
  };
}

describe('allocate', () => {
  it('splits a total in proportion, in whole numbers that add up exactly', () => {
    // 2.5, 2.5, 5: the one left over goes to the first of the largest remainders.
    expect(allocate(10, [1, 1, 2])).toEqual([3, 2, 5]);
    const parts = allocate(1_000_003, [0.5, 3, 1e-9, 7, 2.25]);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(1_000_003);
    expect(parts.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);
    expect(parts[3] / parts[1]).toBeCloseTo(7 / 3, 3);
    expect(allocate(0, [1, 2])).toEqual([0, 0]);
  });
});

describe('text', () => {
  it('writes 1 to 40 words, the same for the same seed', () => {
    const a = text(rng(7));
    expect(a).toBe(text(rng(7)));
    for (let s = 0; s < 200; s++) {
      const words = text(rng(s)).split(' ');
      expect(words.length).toBeGreaterThanOrEqual(1);
      expect(words.length).toBeLessThanOrEqual(40);
      expect(words.every((w) => w.length > 0)).toBe(true);
    }
  });
});

describe('buildConversation', () => {
  it('stores messages as insertBatch does: gap-free seqs from 1, ids made at their instant', () => {
    const b = buildConversation(plan(), id);
    const msgs = b.messages as Doc[];
    expect(msgs.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(Object.keys(msgs[0]).sort()).toEqual(
      [
        '_id',
        'attachments',
        'clientMessageId',
        'content',
        'conversationId',
        'createdAt',
        'deletedAt',
        'editedAt',
        'parentId',
        'reactions',
        'replyCount',
        'senderId',
        'seq',
        'updatedAt',
      ].sort(),
    );
    for (const m of msgs) {
      expect(m.conversationId.toHexString()).toBe(b.conversation._id!.toString());
      expect(m.updatedAt).toEqual(m.createdAt);
      expect(Math.floor(m.createdAt.getTime() / 1000)).toBe(m._id.getTimestamp().getTime() / 1000);
    }
    // Time moves forward from the first message to the last.
    expect(msgs[0].createdAt.getTime()).toBe(NOW - 3_000_000);
    expect(msgs[4].createdAt.getTime()).toBe(NOW - 1_000_000);
    expect(new Set(msgs.map((m) => m.clientMessageId)).size).toBe(5);
    expect(b.messageIds).toEqual(msgs.map((m) => m._id.toHexString()));
  });

  it('keeps the summary saveLastMessage writes: lastSeq, lastMessageAt, lastMessage', () => {
    const b = buildConversation(plan(), id);
    const c = b.conversation as Doc;
    const last = (b.messages as Doc[])[4];
    expect(c).toMatchObject({
      type: 'group',
      name: 'team',
      participants: ['u-a', 'u-b', 'u-c'],
      admins: ['u-a'],
      createdBy: 'u-a',
      lastSeq: 5,
      lastMessageAt: last.createdAt,
      deletions: { seqs: [], from: 1 },
      deletedAt: null,
      createdAt: new Date(NOW - 3_600_000),
      updatedAt: last.createdAt,
    });
    expect(c.key).toMatch(/^group:[0-9a-f-]{36}$/);
    // Exactly the fields ConversationMongoRepository.create writes.
    expect(Object.keys(c).sort()).toEqual(
      [
        '_id',
        'type',
        'name',
        'participants',
        'admins',
        'createdBy',
        'key',
        'lastSeq',
        'lastMessageAt',
        'lastMessage',
        'deletions',
        'deletedAt',
        'createdAt',
        'updatedAt',
      ].sort(),
    );
    expect(c.lastMessage).toEqual({
      id: last._id,
      seq: 5,
      senderId: 'u-b',
      preview: last.content.slice(0, 140),
      createdAt: last.createdAt,
    });
    expect(c.lastMessage.preview).toHaveLength(140);
  });

  it('keys a private conversation by its sorted pair, with no admins', () => {
    const c = buildConversation(
      plan({ type: 'private', name: null, participants: ['u-z', 'u-a'], sender: () => 'u-z' }),
      id,
    ).conversation as Doc;
    expect(c).toMatchObject({ key: 'private:u-a:u-z', admins: [], createdBy: 'u-z', name: null });
    expect(privateKey('u-z', 'u-a')).toBe('private:u-a:u-z');
  });

  it('sorts a conversation without messages by its creation', () => {
    const b = buildConversation(plan({ messages: 0 }), id);
    expect(b.messages).toEqual([]);
    expect(b.conversation).toMatchObject({
      lastSeq: 0,
      lastMessage: null,
      lastMessageAt: new Date(NOW - 3_600_000),
    });
  });

  it('writes member rows keyed <conversationId>:<userId> with cursors as receipts move them', () => {
    const b = buildConversation(
      plan({
        cursor: (u, last) =>
          u === 'u-c' ? { readSeq: 2, deliveredSeq: 1 } : { readSeq: 0, deliveredSeq: last + 9 },
      }),
      id,
    );
    const byUser = Object.fromEntries((b.members as Doc[]).map((m) => [m.userId, m]));
    const cid = b.conversation._id!.toString();
    expect(byUser['u-a']._id).toBe(`${cid}:u-a`);
    expect(byUser['u-a'].conversationId.toHexString()).toBe(cid);
    // u-a sent seq 4 (sent reads everything before), delivery capped at lastSeq.
    expect(byUser['u-a']).toMatchObject({ readSeq: 4, deliveredSeq: 5 });
    // u-b sent the last message: read to the end.
    expect(byUser['u-b']).toMatchObject({ readSeq: 5, deliveredSeq: 5 });
    // Reading implies delivery.
    expect(byUser['u-c']).toMatchObject({ readSeq: 2, deliveredSeq: 2 });
    for (const m of b.members as Doc[]) {
      expect(m.joinedAt).toEqual(new Date(NOW - 3_600_000));
      expect(m.createdAt).toEqual(m.joinedAt);
    }
  });

  it('refuses a sender who is not a participant', () => {
    expect(() => buildConversation(plan({ sender: () => 'stranger' }), id)).toThrow(
      /not a participant/,
    );
  });
});

describe('fixtures', () => {
  const { built, probes } = fixtures(id, NOW);
  const conv = (cid: string) => built.find((b) => b.conversation._id!.toString() === cid)!;

  it('holds a 1,000-message conversation where P wrote the messages to edit and the readers nothing', () => {
    const long = conv(probes.long);
    expect(long.lastSeq).toBe(LONG_MESSAGES);
    const msgs = long.messages as Doc[];
    const edited = msgs.filter((m) => probes.edits.includes(m._id.toHexString()));
    expect(edited).toHaveLength(probes.edits.length);
    expect(edited.length).toBeGreaterThan(0);
    expect(edited.every((m) => m.senderId === probes.p && m.seq > LONG_MESSAGES - 50)).toBe(true);
    expect(msgs.some((m) => probes.readers.includes(m.senderId))).toBe(false);
    for (const r of probes.readers)
      expect((long.members as Doc[]).find((m) => m.userId === r)).toMatchObject({
        readSeq: 0,
        deliveredSeq: 0,
      });
  });

  it('puts H in 50 conversations, five with unread messages, and P in five', () => {
    const hubRows = built.flatMap((b) =>
      (b.members as Doc[]).filter((m) => m.userId === probes.hub).map((m) => ({ m, b })),
    );
    expect(hubRows).toHaveLength(HUB_CONVERSATIONS);
    expect(hubRows.filter(({ m, b }) => m.readSeq < b.lastSeq)).toHaveLength(HUB_UNREAD);
    const pIn = built.filter((b) => (b.conversation.participants as string[]).includes(probes.p));
    expect(pIn.map((b) => b.conversation._id!.toString()).sort()).toEqual(
      [...probes.pConversations].sort(),
    );
    for (const c of probes.kConversations)
      expect(conv(c).conversation.participants).toEqual(
        expect.arrayContaining([probes.k, probes.x]),
      );
    for (const t of probes.traffic)
      expect(conv(t.conversationId).conversation.participants).toContain(t.senderId);
    for (const b of built) expect(probes.lastSeq[b.conversation._id!.toString()]).toBe(b.lastSeq);
  });
});

describe('fillerPlans', () => {
  const sizes = { messages: 96_820, conversations: 890, users: 4620 };
  const { plans, memberships } = fillerPlans(sizes, id, NOW);

  it('makes exactly the asked numbers of conversations, messages and users', () => {
    expect(plans).toHaveLength(sizes.conversations);
    expect(plans.reduce((n, p) => n + p.messages, 0)).toBe(sizes.messages);
    const users = new Set(plans.flatMap((p) => p.participants));
    expect(users.size).toBe(sizes.users);
    expect(memberships).toBe(plans.reduce((n, p) => n + p.participants.length, 0));
  });

  it('has privates and groups, no member twice, no private pair twice, all in the past', () => {
    const keys = plans
      .filter((p) => p.type === 'private')
      .map((p) => privateKey(p.participants[0], p.participants[1]));
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.length).toBeGreaterThan(plans.length / 3);
    for (const p of plans) {
      expect(new Set(p.participants).size).toBe(p.participants.length);
      expect(p.type === 'private').toBe(p.participants.length === 2);
      expect(p.createdAt).toBeLessThan(p.firstAt);
      expect(p.firstAt).toBeLessThanOrEqual(p.lastAt);
      expect(p.lastAt).toBeLessThan(NOW);
    }
    const counts = plans.map((p) => p.messages).sort((a, b) => b - a);
    // Skewed: the busiest conversations hold far more than the median one.
    expect(counts[0]).toBeGreaterThan(5 * counts[Math.floor(counts.length / 2)]);
  });

  it('builds each into valid documents whose senders and cursors fit the plan', () => {
    for (const p of plans.slice(0, 50)) {
      const b = buildConversation(p, id);
      expect(b.lastSeq).toBe(p.messages);
      for (const m of b.members as Doc[]) {
        expect(m.readSeq).toBeLessThanOrEqual(b.lastSeq);
        expect(m.deliveredSeq).toBeGreaterThanOrEqual(m.readSeq);
        expect(m.deliveredSeq).toBeLessThanOrEqual(b.lastSeq);
      }
    }
  });

  it('with the fixtures, makes the quick database exactly its size', () => {
    const quick = { messages: 100_000, conversations: 1000, users: 5000 };
    const { built } = fixtures(id, NOW);
    const fixed = fixtureSizes(built);
    const filler = fillerPlans(
      {
        messages: quick.messages - fixed.messages,
        conversations: quick.conversations - fixed.conversations,
        users: quick.users - fixed.users,
      },
      id,
      NOW,
    ).plans;
    const users = new Set([
      ...built.flatMap((b) => b.conversation.participants as string[]),
      ...filler.flatMap((p) => p.participants),
    ]);
    expect(built.length + filler.length).toBe(quick.conversations);
    expect(fixed.messages + filler.reduce((n, p) => n + p.messages, 0)).toBe(quick.messages);
    expect(users.size).toBe(quick.users);
  });
});
