import { Inject, Injectable } from '@nestjs/common';
import { ChatError } from '../common/chat-error';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { CO_MEMBERS, CoMembers } from '../presence/co-members';
import { PresenceMetrics } from '../presence/presence.metrics';
import { PresenceService } from '../presence/presence.service';
import { TypingService } from '../presence/typing.service';
import type { ChatSocket } from './chat.gateway';
import type { CommandInput } from './events';
import { convRoom, isPresenceRoom, presenceRoom } from './rooms';
import type { ChatNamespace } from './socket-broadcaster';
import { SocketPresenceBroadcaster } from './socket-presence-broadcaster';
import { SubscriptionTracker } from './subscription-tracker';

/**
 * The socket side of typing and presence: what needs the socket itself (its rooms, its
 * lifetime). The decisions are the presence services'.
 */
@Injectable()
export class EphemeralService {
  constructor(
    private readonly presence: PresenceService,
    private readonly typing: TypingService,
    private readonly metrics: PresenceMetrics,
    @Inject(CO_MEMBERS) private readonly coMembers: CoMembers,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    private readonly subscriptions: SubscriptionTracker,
    private readonly broadcaster: SocketPresenceBroadcaster,
  ) {}

  attach(nsp: ChatNamespace): void {
    this.broadcaster.attach(nsp);
  }

  /** Counts the socket in its user's presence until it goes; then stops what it was typing. */
  connected(socket: ChatSocket): void {
    const { userId } = socket.data;
    this.presence.socketOpened(userId);
    socket.once('disconnecting', () => {
      this.typing.socketClosed(socket.id);
      let subscribed = 0;
      for (const room of socket.rooms) if (isPresenceRoom(room)) subscribed++;
      this.metrics.subscriptions.dec(subscribed);
      this.presence.socketClosed(userId);
    });
  }

  /**
   * Members only. The socket's own rooms answer for free: the gateway keeps a socket in the
   * room of every conversation of its user, on every node (the same guarantee that decides
   * whether it receives the conversation's messages). Not in the room: the database decides,
   * which covers a join still on its way.
   */
  async onTyping(
    userId: string,
    { conversationId, isTyping }: CommandInput<'typing'>,
    socket: ChatSocket,
  ): Promise<Record<string, never>> {
    if (!socket.rooms.has(convRoom(conversationId))) {
      const member = await this.conversations.memberOf(userId, [conversationId]);
      if (!member.has(conversationId)) throw ChatError.notFound('conversation');
    }
    this.typing.typing(userId, conversationId, isTyping, socket.id);
    return {};
  }

  /** Answers and subscribes to the users who share a conversation with the caller. */
  async onPresenceSubscribe(
    userId: string,
    { userIds }: CommandInput<'presence:subscribe'>,
    socket: ChatSocket,
  ) {
    const visible = [...(await this.coMembers.among(userId, [...new Set(userIds)]))];
    const fresh = visible.map(presenceRoom).filter((room) => !socket.rooms.has(room));
    if (fresh.length > 0 && socket.connected) {
      await socket.join(fresh);
      this.metrics.subscriptions.inc(fresh.length);
      // Read once the rooms are live, so no change falls between the answer and the pushes.
      await this.subscriptions.settled();
    }
    return this.presence.statusOf(visible);
  }
}
