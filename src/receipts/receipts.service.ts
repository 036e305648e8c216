import { Injectable } from '@nestjs/common';
import { ConversationRouter } from '../actors/conversation-router';
import type { ReceiptType } from './receipt-state';

/**
 * Read and delivered receipts, shared by the socket events `read` and `delivered`. The
 * conversation's owning actor moves the cursors (forward only, clamped to the last seq),
 * coalesces the writes and broadcasts `receipt` to the room.
 */
@Injectable()
export class ReceiptsService {
  constructor(private readonly router: ConversationRouter) {}

  async markRead(
    userId: string,
    conversationId: string,
    seq: number,
  ): Promise<{ readSeq: number }> {
    return { readSeq: (await this.mark(userId, conversationId, 'read', seq)).readSeq };
  }

  async markDelivered(
    userId: string,
    conversationId: string,
    seq: number,
  ): Promise<{ deliveredSeq: number }> {
    return {
      deliveredSeq: (await this.mark(userId, conversationId, 'delivered', seq)).deliveredSeq,
    };
  }

  private mark(userId: string, conversationId: string, receipt: ReceiptType, seq: number) {
    return this.router.dispatch({ type: 'receipt:mark', conversationId, userId, receipt, seq });
  }
}
