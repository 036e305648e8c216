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

/** What withReceipts needs of a message. */
interface Sent {
  seq: number;
  senderId: string;
}

/**
 * A message's `deliveredTo` and `readBy`, derived from the members' cursors: everyone but the
 * sender whose cursor reached its seq. Nothing per message is stored, so a receipt costs one
 * write of the member's cursors whatever it covers, and a message's status can never disagree
 * with the cursors (the sender's view: in a private conversation `readBy` names the other
 * participant or nobody; in a group its length is the count).
 */
export function withReceipts<M extends Sent>(
  messages: readonly M[],
  cursors: ReadonlyMap<string, Cursors>,
): (M & { deliveredTo: string[]; readBy: string[] })[] {
  return messages.map((m) => {
    const deliveredTo: string[] = [];
    const readBy: string[] = [];
    for (const [userId, c] of cursors) {
      if (userId === m.senderId) continue;
      if (c.deliveredSeq >= m.seq) deliveredTo.push(userId);
      if (c.readSeq >= m.seq) readBy.push(userId);
    }
    return { ...m, deliveredTo, readBy };
  });
}
