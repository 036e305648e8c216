import type { ConversationRepository } from '../conversations/conversation.repository';
import { withReceipts } from '../receipts/receipt-state';
import type { Message } from './message.types';

/**
 * Stored messages as they are served: deliveredTo/readBy derived from the members' cursors,
 * read only when there is something to derive them for (an empty page, the usual answer to a
 * reconnecting client's sync, costs no extra read).
 */
export async function served(
  conversations: ConversationRepository,
  conversationId: string,
  items: Message[],
): Promise<Message[]> {
  if (items.length === 0) return items;
  return withReceipts(items, await conversations.cursorsIn(conversationId));
}
