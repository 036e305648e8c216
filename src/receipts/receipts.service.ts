import { Injectable } from '@nestjs/common';
import { ConversationRouter } from '../actors/conversation-router';

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
    const cursors = await this.router.dispatch({
      type: 'receipt:mark',
      conversationId,
      userId,
      receipt: 'read',
      seq,
    });
    return { readSeq: cursors.readSeq };
  }

  async markDelivered(
    userId: string,
    conversationId: string,
    seq: number,
  ): Promise<{ deliveredSeq: number }> {
    const cursors = await this.router.dispatch({
      type: 'receipt:mark',
      conversationId,
      userId,
      receipt: 'delivered',
      seq,
    });
    return { deliveredSeq: cursors.deliveredSeq };
  }
}
