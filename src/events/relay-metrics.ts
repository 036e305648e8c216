import { Counter, Gauge, Registry } from 'prom-client';

/** The outbox relay's Prometheus metrics (set by the node that leads the relay). */
export class RelayMetrics {
  readonly backlog: Gauge;
  readonly oldestAge: Gauge;
  readonly published: Counter<'type'>;
  readonly dropped: Counter<'type'>;
  readonly verified: Counter<'by'>;
  readonly leader: Gauge;
  readonly failures: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.backlog = new Gauge({
      name: 'parley_outbox_backlog',
      help: 'Prepared events not yet published (as last seen by the relay leader)',
      registers,
    });
    this.oldestAge = new Gauge({
      name: 'parley_outbox_oldest_pending_age_seconds',
      help: 'Age of the oldest pending event (0 when none)',
      registers,
    });
    this.published = new Counter({
      name: 'parley_outbox_events_published_total',
      help: 'Events published to Kafka by the relay, by type (republished ones count again)',
      labelNames: ['type'] as const,
      registers,
    });
    this.dropped = new Counter({
      name: 'parley_outbox_events_dropped_total',
      help: 'Events dropped because their change was never stored (the change failed)',
      labelNames: ['type'] as const,
      registers,
    });
    this.verified = new Counter({
      name: 'parley_outbox_events_verified_total',
      help: 'Events the relay checked: by="vouch" its writer vouched for it, by="read" read in MongoDB',
      labelNames: ['by'] as const,
      registers,
    });
    this.leader = new Gauge({
      name: 'parley_outbox_relay_leader',
      help: '1 while this process holds the relay lease',
      registers,
    });
    this.failures = new Counter({
      name: 'parley_outbox_relay_failures_total',
      help: 'Relay rounds that failed (Kafka, MongoDB or the delivery queue) and were retried',
      registers,
    });
  }
}
