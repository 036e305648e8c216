import { Module } from '@nestjs/common';
import { ActorsModule } from '../actors/actors.module';
import { ReceiptsService } from './receipts.service';

@Module({
  imports: [ActorsModule],
  providers: [ReceiptsService],
  exports: [ReceiptsService],
})
export class ReceiptsModule {}
