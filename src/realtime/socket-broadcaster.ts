import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Namespace } from 'socket.io';
import type {
  Broadcaster,
  ConversationEvent,
  MembershipChange,
  MessageEvent,
  Receipt,
} from '../actors/broadcaster';
import type { Conversation } from '../conversations/conversation.types';
import { LOGGER } from '../infra/tokens';
import type { Message } from '../messages/message.types';
import type { ReactionsUpdate } from '../reactions/reaction-state';
import type { ThreadUpdate } from '../threads/thread-state';
import type {
  ClientToServerEvents,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from './events';
import { convRoom, userRoom } from './rooms';

export type ChatNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

/**
 * The Broadcaster port over the `/chat` namespace and its Redis adapter.
 *
 * Ordering: every call goes out through the adapter's one publisher connection, and Redis
 * delivers one connection's publishes in order, so a room join published before an emit is
 * applied first on every node. Emits never wait on the network and never throw: a lost
 * broadcast shows up as a seq gap that the client fills with `sync`.
 */
@Injectable()
export class SocketBroadcaster implements Broadcaster {
  private nsp?: ChatNamespace;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  /** Called by the gateway once the namespace exists. */
  attach(nsp: ChatNamespace): void {
    this.nsp = nsp;
  }

  messages(event: MessageEvent, conversationId: string, messages: readonly Message[]): void {
    this.guard(event, conversationId, (nsp) => {
      const room = nsp.to(convRoom(conversationId));
      // One emit per message: socket.io encodes each packet once for all receivers.
      for (const m of messages) room.emit(event, m);
    });
  }

  conversation(event: ConversationEvent, c: Conversation, change?: MembershipChange): void {
    this.guard(event, c.id, (nsp) => {
      const room = convRoom(c.id);
      if (event === 'conversation:created') {
        const users = c.participants.map(userRoom);
        nsp.in(users).socketsJoin(room);
        nsp.to(users).emit(event, c);
      } else if (event === 'conversation:updated') {
        const added = (change?.added ?? []).map(userRoom);
        const removed = (change?.removed ?? []).map(userRoom);
        if (added.length) nsp.in(added).socketsJoin(room);
        // Added users are named too: a node that had nobody in the room subscribes to its
        // channel only when the join arrives, and could miss an emit to the room alone.
        nsp.to([room, ...added, ...removed]).emit(event, c);
        if (removed.length) nsp.in(removed).socketsLeave(room);
      } else {
        nsp.to(room).emit(event, c);
        nsp.in(room).socketsLeave(room);
      }
    });
  }

  receipts(conversationId: string, receipts: readonly Receipt[]): void {
    this.guard('receipt', conversationId, (nsp) => {
      const room = nsp.to(convRoom(conversationId));
      for (const r of receipts) room.emit('receipt', r);
    });
  }

  reactions(updates: readonly ReactionsUpdate[]): void {
    for (const u of updates) {
      this.guard('reaction:updated', u.conversationId, (nsp) =>
        nsp.to(convRoom(u.conversationId)).emit('reaction:updated', u),
      );
    }
  }

  threads(updates: readonly ThreadUpdate[]): void {
    for (const u of updates) {
      this.guard('thread:updated', u.conversationId, (nsp) =>
        nsp.to(convRoom(u.conversationId)).emit('thread:updated', u),
      );
    }
  }

  /** Tells every socket of this node to `sync` (its broadcasts may have been missed). */
  resyncLocal(): void {
    this.nsp?.local.emit('sync:required', {});
  }

  private guard(event: string, conversationId: string, run: (nsp: ChatNamespace) => void): void {
    if (!this.nsp) {
      // Before the gateway is initialised nobody can be connected to this node.
      this.logger.debug({ event, conversationId }, 'broadcast before the socket server started');
      return;
    }
    try {
      run(this.nsp);
    } catch (err) {
      this.logger.error({ err, event, conversationId }, 'broadcast failed');
    }
  }
}
