import type { z } from 'zod';
import type { Conversation } from '../conversations/conversation.types';
import type {
  ConversationDetails,
  ConversationListItem,
} from '../conversations/conversations.service';
import type { DownloadAnswer, PresignAnswer } from '../attachments/attachments.service';
import type { Message } from '../messages/message.types';
import type { ReactionsUpdate } from '../reactions/reaction-state';
import type { Json } from '../realtime/events';
import type { SearchResult } from '../search/search.service';
import type { Problem } from './problem';
import {
  attachmentDownloadView,
  attachmentPresignView,
  conversationDetailsView,
  conversationListItemView,
  conversationView,
  messageView,
  problemView,
  searchPageView,
  reactionsView,
} from './openapi-views';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

/*
 * Compile-time: each documented answer is exactly what the service returns, as JSON. A
 * `false` here (tsc: "Type 'true' is not assignable to type 'false'") means a service type
 * changed: describe the change in openapi-views.ts, then `npm run client:openapi`.
 */
const exact: Record<string, true> = {
  message: true satisfies Same<z.output<typeof messageView>, Json<Message>>,
  reactions: true satisfies Same<z.output<typeof reactionsView>, Json<ReactionsUpdate>>,
  conversation: true satisfies Same<z.output<typeof conversationView>, Json<Conversation>>,
  listItem: true satisfies Same<
    z.output<typeof conversationListItemView>,
    Json<ConversationListItem>
  >,
  details: true satisfies Same<z.output<typeof conversationDetailsView>, Json<ConversationDetails>>,
  problem: true satisfies Same<z.output<typeof problemView>, Problem>,
  search: true satisfies Same<z.output<typeof searchPageView>, Json<SearchResult>>,
  presign: true satisfies Same<z.output<typeof attachmentPresignView>, Json<PresignAnswer>>,
  download: true satisfies Same<z.output<typeof attachmentDownloadView>, Json<DownloadAnswer>>,
};

describe('OpenAPI views', () => {
  it('match the services’ types (checked by tsc; listed here so none is forgotten)', () => {
    expect(Object.keys(exact)).toEqual([
      'message',
      'reactions',
      'conversation',
      'listItem',
      'details',
      'problem',
      'search',
      'presign',
      'download',
    ]);
  });

  it('accept a message as the service serializes it, and refuse an undocumented field', () => {
    const now = new Date().toISOString();
    const message = {
      id: 'a'.repeat(24),
      conversationId: 'b'.repeat(24),
      seq: 1,
      senderId: '6f1c2a4e-8d7b-4c3e-9a10-2b3c4d5e6f70',
      content: 'hi',
      attachments: [],
      parentId: null,
      replyCount: 0,
      lastReplyAt: null,
      replyUserIds: [],
      reactions: [],
      createdAt: now,
      updatedAt: now,
      editedAt: null,
      deletedAt: null,
      deliveredTo: [],
      readBy: [],
      clientMessageId: 'k',
    };
    expect(messageView.parse(message)).toEqual(message);
    expect(messageView.safeParse({ ...message, secret: 1 }).success).toBe(false);
    expect(messageView.safeParse({ ...message, createdAt: 'yesterday' }).success).toBe(false);
  });
});
