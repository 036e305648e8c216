import type { ChatEvent } from './chat-events';

export const CHANGE_LOG = Symbol('CHANGE_LOG');

/**
 * Where the domain records what other services must hear about (the outbox).
 *
 * Contract: call `prepare` with a change's events BEFORE writing the change, and write the
 * change only if it resolved. MongoDB here has no multi-document transactions (FerretDB),
 * so the event is recorded first and the relay publishes it only after checking that the
 * change it announces is stored: an event is then never lost (it was durable before the
 * change) and never invented (a change that failed fails the check and its event is dropped).
 * Events of one conversation are prepared by its one actor in the order of the changes, and
 * the relay keeps that order per conversation. `prepare` is idempotent by event id.
 */
export interface ChangeLog {
  prepare(events: readonly ChatEvent[]): Promise<void>;
}
