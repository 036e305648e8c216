import { Inject, Injectable } from '@nestjs/common';
import { ChatError } from '../common/chat-error';
import { AppConfig } from '../config/app-config';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import type { Conversation } from '../conversations/conversation.types';
import { CHANGE_LOG, ChangeLog } from '../events/change-log';
import {
  conversationDeleted,
  conversationUpdated,
  participantsChanged,
} from '../events/chat-events';
import { ActorRegistry } from './actor-registry';
import type { ConversationActor } from './conversation-actor';
import { BROADCASTER, Broadcaster } from './broadcaster';
import type { ActorCommand, CommandOf, ResultOf } from './commands';
import { ConversationState, isAdmin, isMember } from './conversation-state';

/** Most messages one conversation's `sync` answer carries (`hasMore` says to call again). */
export const SYNC_PAGE = 100;

/**
 * Runs commands in this node's actors. Reached directly when this node owns the
 * conversation, or through the node bus when another node forwarded the command.
 */
@Injectable()
export class CommandHandler {
  constructor(
    private readonly config: AppConfig,
    private readonly actors: ActorRegistry,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(BROADCASTER) private readonly broadcaster: Broadcaster,
    @Inject(CHANGE_LOG) private readonly changeLog: ChangeLog,
  ) {}

  execute<C extends ActorCommand>(command: C): Promise<ResultOf<C>> {
    return this.run(command) as Promise<ResultOf<C>>;
  }

  private run(c: ActorCommand): Promise<unknown> {
    const actor = this.actors.get(c.conversationId);
    switch (c.type) {
      case 'message:send':
        return actor.send({
          senderId: c.userId,
          content: c.input.content,
          clientMessageId: c.input.clientMessageId,
          attachments: c.input.attachments ?? [],
          parentId: c.input.parentId ?? null,
        });
      case 'message:edit':
        return actor.edit(c.userId, c.messageId, c.content);
      case 'message:delete':
        return actor.delete(c.userId, c.messageId);
      case 'messages:newest':
        return actor.read((state) => {
          const page = newestFromMemory(state, c);
          return page && { ...page, items: actor.withReceipts(state, page.items) };
        });
      case 'conversation:get':
        return actor.read((state) => {
          if (!isMember(state, c.userId))
            throw new ChatError('not_found', 'conversation not found');
          return state.conversation;
        });
      case 'conversation:update':
        return actor.run((state) => this.update(state, c));
      case 'conversation:delete':
        return actor.run((state) => this.delete(state, c));
      case 'receipt:mark':
        return actor.receipt(c.userId, c.receipt, c.seq);
      case 'reaction:set':
        return actor.react(c.userId, c.messageId, c.emoji, c.add);
      case 'sync:recent':
        return this.syncRecent(c);
    }
  }

  /**
   * Reads the committed state of loaded actors without queueing behind their mailboxes: a
   * send stored but not yet committed is broadcast after the commit, and the caller's socket
   * is already in the room, so it arrives live; one committed but not yet broadcast comes
   * twice and the client drops the echo by seq. A conversation whose actor is not loaded is
   * loaded now (three reads, once, instead of a page read for each member that syncs: after
   * a reconnect storm all of them do); one that fails to load is left to the database.
   */
  private async syncRecent(
    c: CommandOf<'sync:recent'>,
  ): Promise<ResultOf<CommandOf<'sync:recent'>>> {
    const answer = (actor: ConversationActor, state: ConversationState, cursor: number) => {
      if (!isMember(state, c.userId)) return null;
      const page = afterCursor(state, cursor, SYNC_PAGE);
      return page && { ...page, messages: actor.withReceipts(state, page.messages) };
    };
    const entries = await Promise.all(
      Object.entries(c.cursors).map(async ([id, cursor]) => {
        const loaded = this.actors.peek(id);
        const state = loaded?.snapshot();
        if (loaded && state) return [id, answer(loaded, state, cursor)] as const;
        const actor = this.actors.get(id);
        // Not found, or the database away: left out, so the caller reads it.
        const page = await actor.read((s) => answer(actor, s, cursor)).catch(() => undefined);
        return [id, page] as const;
      }),
    );
    const out: ResultOf<CommandOf<'sync:recent'>> = {};
    for (const [id, page] of entries) if (page !== undefined) out[id] = page;
    return out;
  }

  private async update(state: ConversationState, c: CommandOf<'conversation:update'>) {
    const conv = state.conversation;
    if (!isMember(state, c.userId)) throw new ChatError('not_found', 'conversation not found');
    if (conv.type === 'private') {
      throw new ChatError('forbidden', 'a private conversation cannot be renamed or resized');
    }
    if (!isAdmin(state, c.userId))
      throw new ChatError('forbidden', 'only a group admin can change the group');
    const removing = new Set(c.changes.removeParticipants ?? []);
    const added = [...new Set(c.changes.addParticipants ?? [])].filter(
      (u) => !conv.participants.includes(u) && !removing.has(u),
    );
    const removed = conv.participants.filter((u) => removing.has(u));
    const participants = [...conv.participants.filter((u) => !removing.has(u)), ...added];
    if (participants.length === 0) {
      throw new ChatError('validation_failed', 'a group keeps at least one participant');
    }
    const max = this.config.limits.groupMaxParticipants;
    if (participants.length > max) {
      throw new ChatError('validation_failed', `a group has at most ${max} participants`);
    }
    const admins = conv.admins.filter((u) => participants.includes(u));
    const next: Conversation = {
      ...conv,
      name: c.changes.name ?? conv.name,
      participants,
      // A group never loses its last admin: the longest-standing member takes over.
      admins: admins.length ? admins : [participants[0]],
      updatedAt: new Date(),
    };
    await this.changeLog.prepare([
      conversationUpdated(next),
      ...participantsChanged(next, { added, removed }),
    ]);
    await this.conversations.saveMembership(next, { added, removed });
    this.broadcaster.conversation('conversation:updated', next, { added, removed });
    return { state: { ...state, conversation: next }, value: next };
  }

  private async delete(state: ConversationState, c: CommandOf<'conversation:delete'>) {
    const conv = state.conversation;
    if (!isMember(state, c.userId)) throw new ChatError('not_found', 'conversation not found');
    if (conv.type === 'group' && !isAdmin(state, c.userId)) {
      throw new ChatError('forbidden', 'only a group admin can delete the group');
    }
    const at = new Date();
    const next = { ...conv, deletedAt: at, updatedAt: at };
    await this.changeLog.prepare([conversationDeleted(next)]);
    await this.conversations.markDeleted(conv, at);
    this.broadcaster.conversation('conversation:deleted', next, {
      added: [],
      removed: conv.participants,
    });
    return { state: { ...state, conversation: next }, value: next };
  }
}

/** The messages after `cursor`, at most `limit`, when memory reaches back to it. */
function afterCursor(state: ConversationState, cursor: number, limit: number) {
  if (cursor >= state.lastSeq) return { messages: [], hasMore: false };
  const first = state.recent[0]?.seq ?? state.lastSeq + 1;
  if (first > cursor + 1) return undefined;
  const after = state.recent.filter((m) => m.seq > cursor);
  return { messages: after.slice(0, limit), hasMore: after.length > limit };
}

/** The newest window from the actor's memory when it holds it (undefined → read MongoDB). */
function newestFromMemory(state: ConversationState, c: CommandOf<'messages:newest'>) {
  if (!isMember(state, c.userId)) throw new ChatError('not_found', 'conversation not found');
  const complete = state.recent.length === state.lastSeq; // memory holds the whole history
  if (state.recent.length >= c.limit || complete) {
    return { items: state.recent.slice(-c.limit), hasMore: state.lastSeq > c.limit };
  }
  return null;
}
