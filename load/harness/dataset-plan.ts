/**
 * D1's conversations: the fixtures every measured operation uses (identical in the empty and
 * the full database, so a ratio is the data's effect alone) and the filler around them that
 * makes the full database its size. Pure apart from the ids it is given.
 */
import {
  allocate,
  buildConversation,
  Built,
  ConversationPlan,
  Cursor,
  DatasetSizes,
  hash01,
  Ids,
  privateKey,
  Probes,
  rng,
  text,
} from './dataset';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const LONG_MESSAGES = 1000;
export const HUB_CONVERSATIONS = 50;
export const HUB_UNREAD = 5;
const SMALL_MESSAGES = 20;
const TRAFFIC_CONVERSATIONS = 50;

const caughtUp = (_: string, lastSeq: number): Cursor => ({
  readSeq: lastSeq,
  deliveredSeq: lastSeq,
});

/** Message text that is the same for the same (conversation number, seq). */
const contentOf = (n: number) => (seq: number) => text(rng((n * 1_000_003 + seq) >>> 0));

function group(
  id: Ids,
  n: number,
  participants: string[],
  messages: number,
  at: { createdAt: number; lastAt: number },
  sender: (seq: number) => string,
  cursor: ConversationPlan['cursor'] = caughtUp,
): ConversationPlan {
  return {
    id: id.objectId(at.createdAt).toHexString(),
    type: 'group',
    name: `d1 ${n}`,
    participants,
    messages,
    createdAt: at.createdAt,
    firstAt: at.createdAt + MINUTE,
    lastAt: at.lastAt,
    sender,
    cursor,
    content: contentOf(n),
  };
}

/**
 * The fixtures, built (they are small): the long conversation (P, two readers and seven
 * others; P wrote every tenth message, the readers none), P's four small conversations, K's
 * five (with X in each), H's fifty (H read all but the last five messages of five of them and
 * wrote none) and fifty conversations for the steady sends.
 */
export function fixtures(id: Ids, now: number): { built: Built[]; probes: Probes } {
  const users = (k: number) => Array.from({ length: k }, () => id.uuid());
  const createdAt = now - 2 * DAY;
  const at = (minutesAgo: number) => ({ createdAt, lastAt: now - minutesAgo * MINUTE });
  const roundRobin = (who: string[]) => (seq: number) => who[seq % who.length];
  const plans: ConversationPlan[] = [];
  let n = 0;

  const [p, q1, q2] = users(3);
  const others = users(7);
  const long = group(
    id,
    n++,
    [p, q1, q2, ...others],
    LONG_MESSAGES,
    at(10),
    (seq) => (seq % 10 === 0 ? p : others[seq % others.length]),
    (u, last) => (u === q1 || u === q2 ? { readSeq: 0, deliveredSeq: 0 } : caughtUp(u, last)),
  );
  plans.push(long);
  const small = Array.from({ length: 4 }, (_, i) => {
    const members = [p, ...users(3)];
    return group(id, n++, members, SMALL_MESSAGES, at(20 + i), roundRobin(members));
  });
  plans.push(...small);

  const [k, x] = users(2);
  const kPlans = Array.from({ length: 5 }, (_, i) => {
    const members = [x, k, ...users(1)];
    return group(id, n++, members, SMALL_MESSAGES, at(30 + i), roundRobin(members));
  });
  plans.push(...kPlans);

  const [hub] = users(1);
  const hubPlans = Array.from({ length: HUB_CONVERSATIONS }, (_, i) => {
    const members = users(4);
    const unread = i >= HUB_CONVERSATIONS - HUB_UNREAD;
    return group(
      id,
      n++,
      [members[0], hub, ...members.slice(1)],
      SMALL_MESSAGES,
      at(40 + i),
      roundRobin(members),
      (u, last) =>
        u === hub && unread
          ? { readSeq: last - HUB_UNREAD, deliveredSeq: last }
          : caughtUp(u, last),
    );
  });
  plans.push(...hubPlans);

  const trafficPlans = Array.from({ length: TRAFFIC_CONVERSATIONS }, (_, i) => {
    const members = users(3);
    return group(id, n++, members, SMALL_MESSAGES, at(100 + i), roundRobin(members));
  });
  plans.push(...trafficPlans);

  const built = plans.map((plan) => buildConversation(plan, id));
  const longBuilt = built[0];
  const edits = [];
  for (let seq = LONG_MESSAGES - 49; seq <= LONG_MESSAGES; seq++)
    if (long.sender(seq) === p) edits.push(longBuilt.messageIds[seq - 1]);
  const lastSeq: Record<string, number> = {};
  plans.forEach((plan, i) => (lastSeq[plan.id] = built[i].lastSeq));
  return {
    built,
    probes: {
      p,
      long: long.id,
      pConversations: [long.id, ...small.map((c) => c.id)],
      lastSeq,
      edits,
      readers: [q1, q2],
      hub,
      hubConversations: hubPlans.map((c) => c.id),
      k,
      x,
      kConversations: kPlans.map((c) => c.id),
      traffic: trafficPlans.map((c) => ({ conversationId: c.id, senderId: c.participants[0] })),
    },
  };
}

/** Counts of what `fixtures` builds, to size the filler around it. */
export function fixtureSizes(built: Built[]): DatasetSizes {
  const users = new Set(built.flatMap((b) => b.conversation.participants as string[]));
  return {
    messages: built.reduce((s, b) => s + b.lastSeq, 0),
    conversations: built.length,
    users: users.size,
  };
}

/** A standard normal deviate (Box-Muller). */
const normal = (r: () => number) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/**
 * The filler: `sizes` conversations, users and messages exactly. 60 % private, the rest
 * groups of 3 to 63 (most small); every user in at least one conversation, the rest of the
 * seats taken at random; messages per conversation log-normal (the median half the mean, a
 * few with thousands); created over the last 90 days; 60 % of the members caught up, the
 * others' cursors anywhere, delivery mostly at the end.
 */
export function fillerPlans(
  sizes: DatasetSizes,
  id: Ids,
  now: number,
  seed = 11,
): { plans: ConversationPlan[]; memberships: number } {
  const { conversations, users: userCount, messages } = sizes;
  if (conversations < 1 || userCount < 2 || messages < 0)
    throw new Error(`the filler is empty or negative: ${JSON.stringify(sizes)}`);
  const r = rng(seed);
  const users = Array.from({ length: userCount }, () => id.uuid());
  const seats = Array.from({ length: conversations }, () =>
    r() < 0.6 ? 2 : 3 + Math.floor(r() ** 3 * 61),
  );
  // Every user sits somewhere: widen groups (or make privates groups) until there are seats.
  let total = seats.reduce((a, b) => a + b, 0);
  for (let i = 0; total < userCount; i = (i + 1) % conversations) {
    if (seats[i] >= userCount) continue;
    const more = seats[i] === 2 ? 2 : 1;
    seats[i] += more;
    total += more;
  }
  const counts = allocate(
    messages,
    seats.map(() => Math.exp(1.2 * normal(r))),
  );
  const pairs = new Set<string>();
  let next = 0;
  const plans = seats.map((size, i): ConversationPlan => {
    const members: string[] = [];
    const taken = new Set<string>();
    while (members.length < size) {
      const u = next < userCount ? users[next++] : users[Math.floor(r() * userCount)];
      if (taken.has(u)) continue;
      if (size === 2 && members.length === 1 && pairs.has(privateKey(members[0], u))) continue;
      taken.add(u);
      members.push(u);
    }
    if (size === 2) pairs.add(privateKey(members[0], members[1]));
    const createdAt = now - 90 * DAY + r() * 85 * DAY;
    const lastAt = createdAt + MINUTE + r() * (now - 60 * MINUTE - createdAt - MINUTE);
    const n = 1000 + i;
    return {
      id: id.objectId(createdAt).toHexString(),
      type: size === 2 ? 'private' : 'group',
      name: size === 2 ? null : `filler ${i}`,
      participants: members,
      messages: counts[i],
      createdAt,
      firstAt: createdAt + MINUTE / 2,
      lastAt,
      sender: (seq) => members[Math.floor(hash01(n, seq) * size)],
      cursor: (userId, lastSeq) => {
        const m = members.indexOf(userId);
        if (hash01(n + 1e6, m) < 0.6) return caughtUp(userId, lastSeq);
        const readSeq = Math.floor(hash01(n + 2e6, m) * (lastSeq + 1));
        return { readSeq, deliveredSeq: hash01(n + 3e6, m) < 0.9 ? lastSeq : readSeq };
      },
      content: contentOf(n),
    };
  });
  return { plans, memberships: total };
}
