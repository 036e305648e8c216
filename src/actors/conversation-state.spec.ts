import type { Conversation } from '../conversations/conversation.types';
import type { Message } from '../messages/message.types';
import {
  commitSends,
  ConversationState,
  dedupeKey,
  planDelete,
  planEdit,
  planSends,
  planThreads,
  RECENT_LIMIT,
  SendContext,
  SendRequest,
  withThreads,
} from './conversation-state';

const root = { replyCount: 0, lastReplyAt: null, replyUserIds: [] };

const alice = '11111111-1111-4111-8111-111111111111';
const bob = '22222222-2222-4222-8222-222222222222';
const eve = '33333333-3333-4333-8333-333333333333';

function state(overrides: Partial<Conversation> = {}, lastSeq = 0): ConversationState {
  const now = new Date(0);
  return {
    conversation: {
      id: 'c'.repeat(24),
      type: 'group',
      name: 'g',
      participants: [alice, bob],
      admins: [alice],
      createdBy: alice,
      lastSeq,
      lastMessageAt: null,
      lastMessage: null,
      createdAt: now,
      updatedAt: now,
      deletedAt: null,
      ...overrides,
    },
    lastSeq,
    recent: [],
    dedupe: new Map(),
  };
}

let ids = 0;
const ctx = (
  parents: SendContext['parents'] = new Map(),
  elsewhere?: SendContext['elsewhere'],
): SendContext => ({
  now: new Date(1000),
  newId: () => (++ids).toString(16).padStart(24, '0'),
  newClientMessageId: () => `server-${ids}`,
  parents,
  elsewhere,
});
const send = (senderId: string, content: string, clientMessageId?: string): SendRequest => ({
  senderId,
  content,
  clientMessageId,
  attachments: [],
  parentId: null,
});

describe('planSends', () => {
  it('assigns consecutive seqs after lastSeq in mailbox order', () => {
    const { planned, toInsert } = planSends(
      state({}, 7),
      [send(alice, 'a'), send(bob, 'b'), send(alice, 'c')],
      ctx(),
    );
    expect(toInsert.map((m) => [m.seq, m.content])).toEqual([
      [8, 'a'],
      [9, 'b'],
      [10, 'c'],
    ]);
    expect(planned.map((p) => p.kind)).toEqual(['new', 'new', 'new']);
  });

  it('refuses non-members as not_found and gives them no seq', () => {
    const { planned, toInsert } = planSends(state(), [send(eve, 'x'), send(alice, 'y')], ctx());
    expect(planned[0]).toMatchObject({ kind: 'rejected', error: { code: 'not_found' } });
    expect(toInsert.map((m) => m.seq)).toEqual([1]);
  });

  it('refuses everyone once the conversation is deleted', () => {
    const { planned } = planSends(state({ deletedAt: new Date() }), [send(alice, 'x')], ctx());
    expect(planned[0]).toMatchObject({ kind: 'rejected', error: { code: 'not_found' } });
  });

  it('answers a retried clientMessageId with the stored message and no new seq', () => {
    const first = planSends(state(), [send(alice, 'hi', 'k1')], ctx());
    const committed = commitSends(state(), first.toInsert);
    const retry = planSends(
      committed,
      [send(alice, 'hi again', 'k1'), send(bob, 'other', 'k1')],
      ctx(),
    );
    expect(retry.planned[0]).toEqual({ kind: 'duplicate', message: first.toInsert[0] });
    // The same client id from another sender is a different message.
    expect(retry.toInsert.map((m) => [m.senderId, m.seq])).toEqual([[bob, 2]]);
  });

  it('dedupes repeats inside one batch', () => {
    const { planned, toInsert } = planSends(
      state(),
      [send(alice, 'a', 'k'), send(alice, 'a', 'k')],
      ctx(),
    );
    expect(toInsert).toHaveLength(1);
    expect(planned[1]).toEqual({ kind: 'duplicate', message: toInsert[0] });
  });

  it('makes up a clientMessageId when the client gave none', () => {
    const { toInsert } = planSends(state(), [send(alice, 'a'), send(alice, 'b')], ctx());
    expect(toInsert[0].clientMessageId).toMatch(/^server-/);
    expect(toInsert[0].clientMessageId).not.toBe(toInsert[1].clientMessageId);
  });

  it('checks thread parents: known, top-level, not deleted, of this conversation', () => {
    const parents = new Map([
      ['p'.repeat(24), { ...root, seq: 1, parentId: null, deleted: false }],
      ['r'.repeat(24), { ...root, seq: 2, parentId: 'p'.repeat(24), deleted: false }],
      ['d'.repeat(24), { ...root, seq: 3, parentId: null, deleted: true }],
    ]);
    // 'e' is a message of another conversation alice is a member of; bob is not.
    const elsewhere = new Map([['e'.repeat(24), new Set([alice])]]);
    const reqs = ['p', 'r', 'd', 'x', 'e'].map((c) => ({
      ...send(alice, c),
      parentId: c.repeat(24),
    }));
    reqs.push({ ...send(bob, 'e2'), parentId: 'e'.repeat(24) });
    const { planned, toInsert } = planSends(state({}, 3), reqs, ctx(parents, elsewhere));
    const codes = planned.map((p) => (p.kind === 'rejected' ? p.error.code : p.kind));
    expect(codes).toEqual([
      'new',
      'validation_failed', // a reply
      'validation_failed', // a deleted root
      'not_found', // unknown
      'validation_failed', // another conversation, visible to alice
      'not_found', // the same, invisible to bob
    ]);
    expect(toInsert).toHaveLength(1);
    expect(toInsert[0]).toMatchObject({ seq: 4, parentId: 'p'.repeat(24) });
  });
});

describe('commitSends', () => {
  it('advances lastSeq, the summary and the recent window', () => {
    const { toInsert } = planSends(state(), [send(alice, 'a', 'k1'), send(bob, 'b')], ctx());
    const next = commitSends(state(), toInsert);
    expect(next.lastSeq).toBe(2);
    expect(next.conversation).toMatchObject({
      lastSeq: 2,
      lastMessage: { seq: 2, preview: 'b', senderId: bob },
    });
    expect(next.recent.map((m) => m.seq)).toEqual([1, 2]);
    expect(next.dedupe.get(dedupeKey(alice, 'k1'))?.seq).toBe(1);
  });

  it('leaves the state unchanged when the batch was not stored (nothing committed)', () => {
    const before = state({}, 5);
    planSends(before, [send(alice, 'a')], ctx());
    expect(before.lastSeq).toBe(5);
    expect(commitSends(before, [])).toBe(before);
  });

  it('refuses a batch that does not follow lastSeq', () => {
    const { toInsert } = planSends(state({}, 1), [send(alice, 'a')], ctx());
    expect(() => commitSends(state({}, 0), toInsert)).toThrow(/do not follow/);
  });

  it('keeps at most RECENT_LIMIT messages and gives held roots their thread summaries', () => {
    let s = state();
    const many = planSends(
      s,
      Array.from({ length: RECENT_LIMIT + 5 }, (_, i) => send(alice, `m${i}`)),
      ctx(),
    );
    s = commitSends(s, many.toInsert);
    expect(s.recent).toHaveLength(RECENT_LIMIT);
    expect(s.recent[0].seq).toBe(6);
    const parent = s.recent[s.recent.length - 1];
    const parents = new Map([
      [
        parent.id,
        {
          ...root,
          replyCount: 2,
          replyUserIds: [eve],
          seq: parent.seq,
          parentId: null,
          deleted: false,
        },
      ],
    ]);
    const reply = planSends(
      s,
      [
        { ...send(bob, 'reply'), parentId: parent.id },
        { ...send(alice, 'x'), parentId: parent.id },
        { ...send(bob, 'reply 2'), parentId: parent.id },
      ],
      ctx(parents),
    );
    s = withThreads(commitSends(s, reply.toInsert), planThreads(parents, reply.toInsert));
    expect(s.recent.find((m) => m.id === parent.id)).toMatchObject({
      replyCount: 5,
      lastReplyAt: new Date(1000),
      replyUserIds: [bob, alice, eve],
    });
  });
});

describe('edit and delete rules', () => {
  const message = (senderId: string, deletedAt: Date | null = null): Message => ({
    ...planSends(state(), [send(senderId, 'text')], ctx()).toInsert[0],
    deletedAt,
  });

  it('lets only the sender edit, and not a tombstone', () => {
    const m = message(alice);
    expect(planEdit(state(), alice, m, 'new', new Date(5))).toMatchObject({
      content: 'new',
      editedAt: new Date(5),
    });
    expect(() => planEdit(state(), bob, m, 'x', new Date())).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
    expect(() => planEdit(state(), alice, message(alice, new Date()), 'x', new Date())).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    expect(() => planEdit(state(), eve, m, 'x', new Date())).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });

  it('lets the sender or a group admin delete, keeping the seq', () => {
    const m = message(bob);
    const byAdmin = planDelete(state(), alice, m, new Date(9));
    expect(byAdmin).toMatchObject({
      seq: m.seq,
      content: null,
      attachments: [],
      deletedAt: new Date(9),
    });
    expect(() => planDelete(state({ type: 'private', admins: [] }), alice, m, new Date())).toThrow(
      expect.objectContaining({ code: 'forbidden' }),
    );
    expect(planDelete(state(), bob, m, new Date(3)).deletedAt).toEqual(new Date(3));
    expect(planDelete(state(), bob, byAdmin, new Date(4))).toBe(byAdmin);
  });
});
