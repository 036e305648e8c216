export type ReceiptType = 'read' | 'delivered';

export interface Cursors {
  readSeq: number;
  deliveredSeq: number;
}

/**
 * Moves a member's cursors for a receipt: forward only, never past the conversation's last
 * seq, and reading implies delivery. Pure, so the rules are tested without a database.
 */
export function applyReceipt(
  current: Cursors,
  type: ReceiptType,
  seq: number,
  lastSeq: number,
): Cursors {
  const target = Math.max(0, Math.min(seq, lastSeq));
  const readSeq = type === 'read' ? Math.max(current.readSeq, target) : current.readSeq;
  return { readSeq, deliveredSeq: Math.max(current.deliveredSeq, target, readSeq) };
}

/** Messages whose readBy/deliveredTo a cursor move touches: at most `bound`, the newest. */
export function touchedRange(
  before: number,
  after: number,
  bound: number,
): { from: number; to: number } | undefined {
  if (after <= before) return undefined;
  return { from: Math.max(before, after - bound), to: after }; // (from, to]
}
