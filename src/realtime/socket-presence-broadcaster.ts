import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../infra/tokens';
import type {
  PresenceBroadcaster,
  PresenceChange,
  TypingChange,
} from '../presence/presence-broadcaster';
import { convRoom, presenceRoom, userRoom } from './rooms';
import type { ChatNamespace } from './socket-broadcaster';

/**
 * The PresenceBroadcaster port over the `/chat` namespace: room broadcasts through the Redis
 * adapter, so they reach every node that holds a socket of the room. Best effort; never throws.
 */
@Injectable()
export class SocketPresenceBroadcaster implements PresenceBroadcaster {
  private nsp?: ChatNamespace;

  constructor(@Inject(LOGGER) private readonly logger: Logger) {}

  attach(nsp: ChatNamespace): void {
    this.nsp = nsp;
  }

  typing(change: TypingChange): void {
    // `except` the user room: none of the typist's devices, on any node, hears it.
    this.emit('typing', (nsp) =>
      nsp
        .to(convRoom(change.conversationId))
        .except(userRoom(change.userId))
        .emit('typing', change),
    );
  }

  presence(change: PresenceChange): void {
    this.emit('presence', (nsp) => nsp.to(presenceRoom(change.userId)).emit('presence', change));
  }

  private emit(event: string, run: (nsp: ChatNamespace) => void): void {
    // Before the gateway is initialised nobody is connected here, and no one elsewhere can
    // be waiting on this node's changes yet (they start with its first socket).
    if (!this.nsp)
      return this.logger.debug({ event }, 'broadcast before the socket server started');
    try {
      run(this.nsp);
    } catch (err) {
      this.logger.error({ err, event }, 'broadcast failed');
    }
  }
}
