import { Inject } from '@nestjs/common';
import { OnGatewayConnection, OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import { AuthService } from '../auth/auth.service';
import { ChatError } from '../common/chat-error';
import {
  CONVERSATION_REPOSITORY,
  ConversationRepository,
} from '../conversations/conversation.repository';
import { LOGGER } from '../infra/tokens';
import { acked } from './ack';
import { EphemeralService } from './ephemeral.service';
import {
  CHAT_NAMESPACE,
  ClientToServerEvents,
  CommandName,
  commandSchemas,
  InterServerEvents,
  ServerToClientEvents,
  SocketData,
} from './events';
import { RealtimeService } from './realtime.service';
import { SubscriptionTracker } from './subscription-tracker';
import { conversationOfRoom, convRoom, userRoom } from './rooms';
import { ChatNamespace, SocketBroadcaster } from './socket-broadcaster';

export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  InterServerEvents,
  SocketData
>;

// setTimeout fires at once for delays above 2^31-1 ms (~24.8 days).
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A handshake refusal as the client sees it: `connect_error` with `err.data.code`. */
function refusal(err: unknown): Error & { data: { code: string; message: string } } {
  const chat = err instanceof ChatError ? err : ChatError.unauthorized('invalid token');
  // Refusing is all a failed verification can lead to; an unreachable key set says so.
  const code = chat.code === 'unavailable' ? 'unavailable' : 'unauthorized';
  return Object.assign(new Error(code), { data: { code, message: chat.message } });
}

/**
 * The `/chat` transport: authenticates the handshake, keeps each socket in its user's room
 * and its conversations' rooms, and turns client commands into service calls with an ack.
 * Decisions (membership, permissions, ordering) belong to the services and actors.
 */
@WebSocketGateway({ namespace: CHAT_NAMESPACE })
export class ChatGateway implements OnGatewayInit, OnGatewayConnection {
  constructor(
    private readonly auth: AuthService,
    private readonly realtime: RealtimeService,
    private readonly broadcaster: SocketBroadcaster,
    @Inject(CONVERSATION_REPOSITORY) private readonly conversations: ConversationRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly subscriptions: SubscriptionTracker,
    private readonly ephemeral: EphemeralService,
  ) {}

  afterInit(nsp: ChatNamespace): void {
    // Runs before the client is told it is connected, so no event of an unauthenticated
    // socket is ever handled.
    nsp.use((socket, next) => {
      const token: unknown = socket.handshake.auth?.token;
      this.auth.verify(typeof token === 'string' ? token : '').then(
        ({ userId, expiresAt }) => {
          socket.data = { userId, expiresAt };
          next();
        },
        (err: unknown) => {
          if (!(err instanceof ChatError)) this.logger.error({ err }, 'handshake check failed');
          next(refusal(err));
        },
      );
    });
    // Connected means live: the socket is in its rooms, and Redis confirmed their channels,
    // before the client is told it is connected. Every message stored after the client saw
    // `connect` reaches it without a `sync`.
    nsp.use((socket, next) => {
      this.joinRooms(socket).then(
        () => next(),
        (err: unknown) => {
          this.logger.warn({ err, userId: socket.data.userId }, 'joining rooms failed');
          next(
            Object.assign(new Error('unavailable'), {
              data: { code: 'unavailable', message: 'not ready; reconnect' },
            }),
          );
        },
      );
    });
    this.broadcaster.attach(nsp);
    this.ephemeral.attach(nsp);
  }

  handleConnection(socket: ChatSocket): void {
    const ready = this.reconcileRooms(socket);
    ready.catch(() => undefined); // logged there; commands awaiting it answer `unavailable`
    this.cutAtExpiry(socket);
    this.ephemeral.connected(socket);
    for (const event of Object.keys(commandSchemas) as CommandName[]) {
      this.listen(socket, event, ready);
    }
  }

  private listen(socket: ChatSocket, event: CommandName, ready: Promise<void>): void {
    const run = this.realtime.handlers[event] as (
      userId: string,
      input: unknown,
      socket: ChatSocket,
    ) => Promise<unknown>;
    const listener = acked(
      event,
      commandSchemas[event],
      async (input) => {
        await ready;
        return run(socket.data.userId, input, socket);
      },
      this.logger,
    );
    socket.on(event, listener);
  }

  /** The user's room and their conversations' rooms, live once Redis confirmed them. */
  private async joinRooms(socket: ChatSocket): Promise<void> {
    void socket.join(userRoom(socket.data.userId));
    const ids = await this.conversations.idsForUser(socket.data.userId);
    await socket.join(ids.map(convRoom));
    await this.subscriptions.settled();
  }

  /**
   * Room changes made by other nodes while the socket was still connecting did not reach it
   * (a socket only joins the broadcaster's socketsJoin/Leave once connected): read the
   * membership once more, fix the rooms, and have the client sync the conversations it
   * gained. Commands wait for this, so the sender's own echo is never missed.
   */
  private async reconcileRooms(socket: ChatSocket): Promise<void> {
    try {
      const ids = new Set(await this.conversations.idsForUser(socket.data.userId));
      const joined = [...socket.rooms].flatMap((room) => {
        const id = conversationOfRoom(room);
        return id ? [id] : [];
      });
      const gained = [...ids].filter((id) => !socket.rooms.has(convRoom(id)));
      const lost = joined.filter((id) => !ids.has(id));
      for (const id of lost) void socket.leave(convRoom(id));
      if (gained.length) {
        await socket.join(gained.map(convRoom));
        await this.subscriptions.settled();
        socket.emit('sync:required', { conversationIds: gained });
      }
    } catch (err) {
      this.logger.warn({ err, userId: socket.data.userId }, 'checking conversation rooms failed');
      // Close the transport, not the socket: the client reconnects by itself and retries.
      socket.conn.close();
      throw ChatError.unavailable('not ready; reconnect');
    }
  }

  /** A socket lives no longer than its token; the client reconnects with a fresh one. */
  private cutAtExpiry(socket: ChatSocket): void {
    let timer: NodeJS.Timeout;
    const arm = () => {
      const left = socket.data.expiresAt - Date.now();
      if (left <= 0) socket.disconnect(true);
      else timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
    socket.once('disconnect', () => clearTimeout(timer));
  }
}
