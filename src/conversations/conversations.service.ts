import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { BROADCASTER, Broadcaster } from '../actors/broadcaster';
import type { ConversationChanges } from '../actors/commands';
import { ConversationRouter } from '../actors/conversation-router';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';
import {
  DuplicateKeyError,
  MESSAGE_REPOSITORY,
  MessageRepository,
} from '../messages/message.repository';
import { CHANGE_LOG, ChangeLog } from '../events/change-log';
import { conversationCreated } from '../events/chat-events';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
  MemberCursors,
  NewConversation,
} from './conversation.repository';
import { Conversation, newConversationView, unreadFromSummary } from './conversation.types';

export interface CreateConversation {
  type: 'private' | 'group';
  /** Required for a group, absent for a private conversation (checked by the DTO). */
  name?: string;
  participants: string[];
}

export type UpdateConversation = ConversationChanges;

export type ConversationListItem = Conversation & { unreadCount: number };
export type ConversationDetails = Conversation & MemberCursors;

/** Conversation use cases; changes to an existing conversation run in its actor. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly config: AppConfig,
    private readonly router: ConversationRouter,
    @Inject(BROADCASTER) private readonly broadcaster: Broadcaster,
    @Inject(CHANGE_LOG) private readonly changeLog: ChangeLog,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(MESSAGE_REPOSITORY) private readonly messages: MessageRepository,
  ) {}

  /** A private pair answers its existing conversation (`created: false`) instead of a copy. */
  async createConversation(
    userId: string,
    input: CreateConversation,
  ): Promise<{ conversation: Conversation; created: boolean }> {
    const now = new Date();
    if (input.type === 'private') {
      const [other] = input.participants;
      if (input.participants.length !== 1 || other === userId) {
        throw new ChatError(
          'validation_failed',
          'a private conversation has exactly one other participant',
        );
      }
      const key = `private:${[userId, other].sort().join(':')}`;
      const existing = await this.conversations.findByKey(key);
      if (existing) return { conversation: existing, created: false };
      try {
        const conversation = await this.store({
          id: new Types.ObjectId().toHexString(),
          type: 'private',
          name: null,
          participants: [userId, other],
          admins: [],
          createdBy: userId,
          key,
          now,
        });
        return { conversation, created: true };
      } catch (err) {
        // Both users created it at the same moment: the other request won.
        if (!(err instanceof DuplicateKeyError)) throw err;
        const winner = await this.conversations.findByKey(key);
        if (!winner) throw err;
        return { conversation: winner, created: false };
      }
    }
    const participants = [...new Set([userId, ...input.participants])];
    this.checkGroupSize(participants.length);
    const conversation = await this.store({
      id: new Types.ObjectId().toHexString(),
      type: 'group',
      name: input.name ?? null,
      participants,
      admins: [userId],
      createdBy: userId,
      key: `group:${randomUUID()}`,
      now,
    });
    return { conversation, created: true };
  }

  async listConversations(
    userId: string,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: ConversationListItem[]; nextCursor: string | null }> {
    const page = await this.conversations.listForUser(userId, {
      limit: q.limit + 1,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
    });
    const items = page.slice(0, q.limit);
    const cursors = await this.conversations.cursorsOf(
      userId,
      items.map(({ conversation: c }) => c.id),
    );
    const unread = await Promise.all(
      items.map(({ conversation: c, deletions }) => {
        const readSeq = cursors.get(c.id)?.readSeq ?? 0;
        // Counting messages is the slow path: only for conversations stored before their
        // deletions were recorded, or a member further behind than the record reaches.
        return (
          unreadFromSummary(c.lastSeq, readSeq, deletions) ??
          this.messages.countUnread(c.id, userId, readSeq)
        );
      }),
    );
    const last = items[items.length - 1]?.conversation;
    return {
      items: items.map(({ conversation: c }, i) => ({ ...c, unreadCount: unread[i] })),
      nextCursor: page.length > q.limit && last ? encodeCursor(last) : null,
    };
  }

  async getConversation(userId: string, conversationId: string): Promise<ConversationDetails> {
    const conversation = await this.router.dispatch({
      type: 'conversation:get',
      conversationId,
      userId,
    });
    return { ...conversation, ...(await this.conversations.cursors(conversationId, userId)) };
  }

  updateConversation(
    userId: string,
    conversationId: string,
    changes: UpdateConversation,
  ): Promise<Conversation> {
    return this.router.dispatch({ type: 'conversation:update', conversationId, userId, changes });
  }

  deleteConversation(userId: string, conversationId: string): Promise<Conversation> {
    return this.router.dispatch({ type: 'conversation:delete', conversationId, userId });
  }

  /** Records the event, stores, then tells the participants' sockets (on every node). */
  private async store(n: NewConversation): Promise<Conversation> {
    await this.changeLog.prepare([conversationCreated(newConversationView(n))]);
    const conversation = await this.conversations.create(n);
    this.broadcaster.conversation('conversation:created', conversation);
    return conversation;
  }

  private checkGroupSize(n: number): void {
    if (n > this.config.limits.groupMaxParticipants) {
      throw new ChatError(
        'validation_failed',
        `a group has at most ${this.config.limits.groupMaxParticipants} participants`,
      );
    }
  }
}

function encodeCursor(c: Conversation): string {
  return Buffer.from(JSON.stringify([c.lastMessageAt?.getTime() ?? 0, c.id])).toString('base64url');
}

function decodeCursor(cursor: string): { lastMessageAt: Date; id: string } {
  try {
    const [t, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    if (
      typeof t === 'number' &&
      Number.isFinite(t) &&
      typeof id === 'string' &&
      /^[0-9a-f]{24}$/.test(id)
    ) {
      return { lastMessageAt: new Date(t), id };
    }
  } catch {
    // fall through
  }
  throw new ChatError('validation_failed', 'cursor is not one this API returned');
}
