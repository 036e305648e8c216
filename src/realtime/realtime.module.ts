import { Global, Module } from '@nestjs/common';
import { BROADCASTER } from '../actors/broadcaster';
import { AuthModule } from '../auth/auth.module';
import { ConversationStoreModule } from '../conversations/conversation-store.module';
import { MessagesModule } from '../messages/messages.module';
import { ReceiptsModule } from '../receipts/receipts.module';
import { PRESENCE_BROADCASTER } from '../presence/presence-broadcaster';
import { PresenceModule } from '../presence/presence.module';
import { ChatGateway } from './chat.gateway';
import { EphemeralService } from './ephemeral.service';
import { RealtimeService } from './realtime.service';
import { RedisEpochWatcher } from './redis-epoch.watcher';
import { SocketBroadcaster } from './socket-broadcaster';
import { SocketPresenceBroadcaster } from './socket-presence-broadcaster';
import { SubscriptionTracker } from './subscription-tracker';

/**
 * The Socket.IO edge (`/chat`) and the Broadcaster the domain talks to. Global so the
 * actors and services can inject BROADCASTER without importing the transport. The server
 * itself (Redis adapter, origin check) is installed in app.ts with SocketIoAdapter.
 */
@Global()
@Module({
  imports: [AuthModule, MessagesModule, ConversationStoreModule, PresenceModule, ReceiptsModule],
  providers: [
    ChatGateway,
    RealtimeService,
    RedisEpochWatcher,
    SocketBroadcaster,
    SubscriptionTracker,
    { provide: BROADCASTER, useExisting: SocketBroadcaster },
    EphemeralService,
    SocketPresenceBroadcaster,
    { provide: PRESENCE_BROADCASTER, useExisting: SocketPresenceBroadcaster },
  ],
  exports: [BROADCASTER, PRESENCE_BROADCASTER],
})
export class RealtimeModule {}
