import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { objectId } from '../common/schemas';
import { fileNameProblem } from './attachment-rules';

/** The hard ceilings; ATTACHMENT_MAX_BYTES and ATTACHMENT_TYPES are checked in the service. */
export const presignSchema = z.strictObject({
  fileName: z
    .string()
    .max(1024)
    .superRefine((name, ctx) => {
      const problem = fileNameProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .transform((name) => name.trim()),
  fileType: z
    .string()
    .max(255)
    .regex(/^[a-z0-9][a-z0-9.+-]*\/[a-z0-9][a-z0-9.+-]*$/, 'must be a media type in lower case'),
  fileSize: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});
export class PresignAttachmentDto extends createZodDto(presignSchema) {}

export class AttachmentParams extends createZodDto(
  z.strictObject({ id: objectId, attachmentId: objectId }),
) {}
