import { Counter, Registry } from 'prom-client';
import type { ReceiptType } from './receipt-state';

/**
 * Prometheus metrics of receipts. The coalescing ratio is
 * `parley_receipts_received_total / parley_receipt_writes_total`.
 */
export class ReceiptMetrics {
  private readonly received: Counter<'type'>;
  private readonly writes: Counter;
  private readonly cursors: Counter;
  private readonly announced: Counter<'type'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.received = new Counter({
      name: 'parley_receipts_received_total',
      help: 'read/delivered receipts staged, by type (a send reading what came before counts)',
      labelNames: ['type'] as const,
      registers,
    });
    this.writes = new Counter({
      name: 'parley_receipt_writes_total',
      help: 'coalesced cursor writes to MongoDB (one per flush, whatever it covers)',
      registers,
    });
    this.cursors = new Counter({
      name: 'parley_receipt_cursors_written_total',
      help: 'member cursors stored by those writes',
      registers,
    });
    this.announced = new Counter({
      name: 'parley_receipt_events_total',
      help: 'receipt events sent to conversation rooms, by type',
      labelNames: ['type'] as const,
      registers,
    });
  }

  staged(type: ReceiptType): void {
    this.received.inc({ type });
  }

  flushed(cursors: number, announced: readonly { type: ReceiptType }[]): void {
    this.writes.inc();
    this.cursors.inc(cursors);
    for (const r of announced) this.announced.inc({ type: r.type });
  }
}
