import type { ChatEvent } from './chat-events';

/** A prepared event as the relay reads it from the outbox. */
export interface OutboxRow extends ChatEvent {
  /** Orders the events of one conversation as their changes were made (see outbox.schema). */
  ord: string;
}

/**
 * What checking an event's change found: `stored` (publish it), `missing` (not stored, yet or
 * ever) or `unknown` (the check itself failed, e.g. MongoDB unreachable: never a reason to drop).
 */
export type Verdict = 'stored' | 'missing' | 'unknown';

export interface RoundPlan {
  /** Publish these, in this order. */
  ready: OutboxRow[];
  /** Their change was still not stored `graceMs` after the event's time: it failed. */
  dropped: OutboxRow[];
  /** Per conversation, the first event that is not verified yet; it and all after it wait. */
  waiting: Map<string, OutboxRow>;
}

/**
 * Decides one relay round (pure). `rows` are pending events in `ord` order. Per conversation it
 * takes the longest verified prefix: an event is never published while an earlier event of its
 * conversation is still pending, so consumers see each conversation's events in order. A
 * missing change older than the grace period is dropped and the events after it go on.
 */
export function planRound(
  rows: readonly OutboxRow[],
  verdicts: ReadonlyMap<string, Verdict>,
  now: number,
  graceMs: number,
): RoundPlan {
  const plan: RoundPlan = { ready: [], dropped: [], waiting: new Map() };
  for (const row of rows) {
    if (plan.waiting.has(row.conversationId)) continue;
    const verdict = verdicts.get(row.id) ?? 'unknown';
    if (verdict === 'stored') plan.ready.push(row);
    else if (verdict === 'missing' && now - row.time.getTime() > graceMs) plan.dropped.push(row);
    else plan.waiting.set(row.conversationId, row);
  }
  return plan;
}
