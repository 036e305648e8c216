import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AttachmentsModule } from './attachments/attachments.module';
import { AuthModule } from './auth/auth.module';
import { ClusterModule } from './cluster/cluster.module';
import { CommonModule } from './common/common.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConversationsModule } from './conversations/conversations.module';
import { DemoModule } from './demo/demo.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { InfraModule } from './infra/infra.module';
import { LoggerModule } from './infra/logger.module';
import { JobsModule } from './jobs/jobs.module';
import { MessagesModule } from './messages/messages.module';
import { RealtimeModule } from './realtime/realtime.module';
import { SearchHttpModule } from './search/search-http.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(logger),
        InfraModule,
        CommonModule,
        AuthModule,
        HealthModule,
        EventsModule,
        ClusterModule,
        ConversationsModule,
        MessagesModule,
        AttachmentsModule,
        RealtimeModule,
        JobsModule,
        SearchHttpModule,
        DemoModule.forRoot(config),
      ],
    };
  }
}
