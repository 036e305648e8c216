import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../auth/current-user.decorator';
import { ConversationParams } from '../conversations/conversation.dto';
import { AttachmentParams, PresignAttachmentDto } from './attachment.dto';
import { AttachmentsService } from './attachments.service';

@ApiTags('attachments')
@ApiBearerAuth()
@Controller('conversations/:id/attachments')
export class AttachmentsController {
  constructor(private readonly attachments: AttachmentsService) {}

  /** 201 with a pending attachment and the presigned POST that uploads it straight to S3. */
  @Post()
  @HttpCode(201)
  presign(
    @CurrentUser() userId: string,
    @Param() { id }: ConversationParams,
    @Body() body: PresignAttachmentDto,
  ) {
    return this.attachments.presign(userId, id, body);
  }

  /** The metadata and a presigned GET (at most 5 minutes) for members. */
  @Get(':attachmentId')
  download(@CurrentUser() userId: string, @Param() { id, attachmentId }: AttachmentParams) {
    return this.attachments.download(userId, id, attachmentId);
  }
}
