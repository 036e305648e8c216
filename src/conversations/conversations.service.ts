import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Types } from 'mongoose';
import { ActorRegistry } from '../actors/actor-registry';
import { isAdmin, isMember } from '../actors/conversation-state';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';
import {
  DuplicateKeyError,
  MESSAGE_REPOSITORY,
  MessageRepository,
} from '../messages/message.repository';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
  MemberCursors,
} from './conversation.repository';
import type { Conversation } from './conversation.types';

export interface CreateConversation {
  type: 'private' | 'group';
  /** Required for a group, absent for a private conversation (checked by the DTO). */
  name?: string;
  participants: string[];
}

export interface UpdateConversation {
  name?: string;
  addParticipants?: string[];
  removeParticipants?: string[];
}

export type ConversationListItem = Conversation & { unreadCount: number };
export type ConversationDetails = Conversation & MemberCursors;

/** Conversation use cases; changes to an existing conversation run in its actor. */
@Injectable()
export class ConversationsService {
  constructor(
    private readonly config: AppConfig,
    private readonly actors: ActorRegistry,
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
        const conversation = await this.conversations.create({
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
    const conversation = await this.conversations.create({
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
      items.map((c) => c.id),
    );
    const unread = await Promise.all(
      items.map((c) => {
        const readSeq = cursors.get(c.id)?.readSeq ?? 0;
        return c.lastSeq > readSeq ? this.messages.countUnread(c.id, userId, readSeq) : 0;
      }),
    );
    const last = items[items.length - 1];
    return {
      items: items.map((c, i) => ({ ...c, unreadCount: unread[i] })),
      nextCursor: page.length > q.limit && last ? encodeCursor(last) : null,
    };
  }

  async getConversation(userId: string, conversationId: string): Promise<ConversationDetails> {
    const conversation = await this.actors.get(conversationId).read((state) => {
      if (!isMember(state, userId)) throw new ChatError('not_found', 'conversation not found');
      return state.conversation;
    });
    return { ...conversation, ...(await this.conversations.cursors(conversationId, userId)) };
  }

  updateConversation(
    userId: string,
    conversationId: string,
    input: UpdateConversation,
  ): Promise<Conversation> {
    return this.actors.get(conversationId).run(async (state) => {
      const c = state.conversation;
      if (!isMember(state, userId)) throw new ChatError('not_found', 'conversation not found');
      if (c.type === 'private') {
        throw new ChatError('forbidden', 'a private conversation cannot be renamed or resized');
      }
      if (!isAdmin(state, userId))
        throw new ChatError('forbidden', 'only a group admin can change the group');
      const removed = new Set(input.removeParticipants ?? []);
      const added = (input.addParticipants ?? []).filter(
        (u) => !c.participants.includes(u) && !removed.has(u),
      );
      const participants = [...c.participants.filter((u) => !removed.has(u)), ...new Set(added)];
      if (participants.length === 0)
        throw new ChatError('validation_failed', 'a group keeps at least one participant');
      this.checkGroupSize(participants.length);
      let admins = c.admins.filter((u) => participants.includes(u));
      // A group never loses its last admin: the longest-standing member takes over.
      if (admins.length === 0) admins = [participants[0]];
      const next: Conversation = {
        ...c,
        name: input.name ?? c.name,
        participants,
        admins,
        updatedAt: new Date(),
      };
      await this.conversations.saveMembership(next, {
        added: [...new Set(added)],
        removed: c.participants.filter((u) => removed.has(u)),
      });
      return { state: { ...state, conversation: next }, value: next };
    });
  }

  deleteConversation(userId: string, conversationId: string): Promise<Conversation> {
    return this.actors.get(conversationId).run(async (state) => {
      const c = state.conversation;
      if (!isMember(state, userId)) throw new ChatError('not_found', 'conversation not found');
      if (c.type === 'group' && !isAdmin(state, userId)) {
        throw new ChatError('forbidden', 'only a group admin can delete the group');
      }
      const at = new Date();
      await this.conversations.markDeleted(c.id, at);
      const next = { ...c, deletedAt: at, updatedAt: at };
      return { state: { ...state, conversation: next }, value: next };
    });
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
