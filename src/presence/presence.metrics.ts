import { Counter, Gauge, Registry } from 'prom-client';

/** Prometheus metrics of typing and presence, registered on the process's registry. */
export class PresenceMetrics {
  readonly typingReceived: Counter;
  readonly typingEmitted: Counter<'is_typing'>;
  readonly typingDropped: Counter;
  readonly subscriptions: Gauge;
  readonly changes: Counter<'status'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.typingReceived = new Counter({
      name: 'parley_typing_received_total',
      help: 'typing events received from clients (members only)',
      registers,
    });
    this.typingEmitted = new Counter({
      name: 'parley_typing_emitted_total',
      help: 'typing events sent to conversation rooms, by isTyping',
      labelNames: ['is_typing'] as const,
      registers,
    });
    this.typingDropped = new Counter({
      name: 'parley_typing_throttled_total',
      help: 'typing events received and not passed on (throttled, or a stop with nothing shown)',
      registers,
    });
    this.subscriptions = new Gauge({
      name: 'parley_presence_subscriptions',
      help: 'presence subscriptions (socket, user) held by sockets on this node',
      registers,
    });
    this.changes = new Counter({
      name: 'parley_presence_changes_total',
      help: 'presence changes pushed to subscribers by this node, by status',
      labelNames: ['status'] as const,
      registers,
    });
  }
}
