import { Injectable } from '@nestjs/common';
import { MessagesService } from '../messages/messages.service';
import { SyncService } from '../messages/sync.service';
import { ReceiptsService } from '../receipts/receipts.service';
import type { ChatSocket } from './chat.gateway';
import { EphemeralService } from './ephemeral.service';
import type { CommandInput, CommandName, Commands } from './events';

/** `socket` is the one the command came on, for commands that need its rooms. */
export type CommandHandlers = {
  [E in CommandName]: (
    userId: string,
    input: CommandInput<E>,
    socket: ChatSocket,
  ) => Promise<Commands[E]['data']>;
};

/**
 * What each client command does, as the socket's user. `userId` is always the token's `sub`
 * from the handshake, never a payload field; membership and permissions are checked by the
 * services (the owning actor), exactly as for REST.
 */
@Injectable()
export class RealtimeService {
  constructor(
    private readonly messages: MessagesService,
    private readonly syncs: SyncService,
    private readonly ephemeral: EphemeralService,
    private readonly receipts: ReceiptsService,
  ) {}

  readonly handlers: CommandHandlers = {
    'message:send': (userId, input) => this.onMessageSend(userId, input),
    'message:edit': (userId, input) => this.onMessageEdit(userId, input),
    'message:delete': (userId, input) => this.onMessageDelete(userId, input),
    'reaction:add': (userId, input) => this.onReaction(userId, input, true),
    'reaction:remove': (userId, input) => this.onReaction(userId, input, false),
    sync: (userId, input) => this.onSync(userId, input),
    read: (userId, { conversationId, seq }) => this.receipts.markRead(userId, conversationId, seq),
    delivered: (userId, { conversationId, seq }) =>
      this.receipts.markDelivered(userId, conversationId, seq),
    typing: (userId, input, socket) => this.ephemeral.onTyping(userId, input, socket),
    'presence:subscribe': (userId, input, socket) =>
      this.ephemeral.onPresenceSubscribe(userId, input, socket),
  };

  async onMessageSend(userId: string, input: CommandInput<'message:send'>) {
    const { conversationId, ...message } = input;
    // A repeated clientMessageId answers the original message, as REST's 200 does.
    return (await this.messages.sendMessage(userId, conversationId, message)).message;
  }

  onMessageEdit(
    userId: string,
    { conversationId, messageId, content }: CommandInput<'message:edit'>,
  ) {
    return this.messages.editMessage(userId, conversationId, messageId, content);
  }

  onMessageDelete(userId: string, { conversationId, messageId }: CommandInput<'message:delete'>) {
    return this.messages.deleteMessage(userId, conversationId, messageId);
  }

  onReaction(
    userId: string,
    { conversationId, messageId, emoji }: CommandInput<'reaction:add'>,
    add: boolean,
  ) {
    return this.messages.react(userId, conversationId, messageId, emoji, add);
  }

  onSync(userId: string, { cursors }: CommandInput<'sync'>) {
    return this.syncs.sync(userId, cursors);
  }
}
