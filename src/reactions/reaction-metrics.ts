import { Counter, Registry } from 'prom-client';

/**
 * Prometheus metrics of reactions. Database writes per reaction:
 * `parley_reaction_writes_total / parley_reaction_commands_total`.
 */
export class ReactionMetrics {
  private readonly commands: Counter<'changed'>;
  private readonly writes: Counter;
  private readonly messages: Counter;

  constructor(registry: Registry) {
    const registers = [registry];
    this.commands = new Counter({
      name: 'parley_reaction_commands_total',
      help: 'reaction adds and removes decided by actors (changed: false for idempotent repeats)',
      labelNames: ['changed'] as const,
      registers,
    });
    this.writes = new Counter({
      name: 'parley_reaction_writes_total',
      help: 'coalesced reaction writes to MongoDB (one bulk write per flush)',
      registers,
    });
    this.messages = new Counter({
      name: 'parley_reaction_messages_written_total',
      help: 'messages whose reactions those writes stored (one event and broadcast each)',
      registers,
    });
  }

  decided(changed: boolean): void {
    this.commands.inc({ changed: String(changed) });
  }

  flushed(messages: number): void {
    this.writes.inc();
    this.messages.inc(messages);
  }
}
