import { Global, Module } from '@nestjs/common';
import { modelProvider } from '../infra/model-provider';
import { CHANGE_LOG } from './change-log';
import { OutboxChangeLog } from './outbox-change-log';
import { OUTBOX_MODEL, OutboxSchema } from './outbox.schema';

/** The outbox the domain writes to (CHANGE_LOG). */
@Global()
@Module({
  providers: [
    modelProvider(OUTBOX_MODEL, OutboxSchema),
    { provide: CHANGE_LOG, useClass: OutboxChangeLog },
  ],
  exports: [CHANGE_LOG, OUTBOX_MODEL],
})
export class EventsModule {}
