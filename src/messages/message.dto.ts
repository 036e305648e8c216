import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { cursor, limit, objectId, seq } from '../common/schemas';
import { EMOJI_MAX_LENGTH, normalizeEmoji } from '../reactions/emoji';

/** Bounded at a hard ceiling here; MESSAGE_MAX_LENGTH is checked in the service. */
export const content = z.string().trim().min(1, 'content is empty').max(100_000);
export const clientMessageId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._:-]+$/, 'must be 1-64 characters of A-Z a-z 0-9 . _ : -');

/** Empty content is accepted here for a message that carries attachments (the service checks). */
export const sendContent = z.string().trim().max(100_000);

export const sendMessageSchema = z.strictObject({
  content: sendContent,
  clientMessageId: clientMessageId.optional(),
  attachmentIds: z.array(objectId).max(10).optional(),
  parentId: objectId.optional(),
});
export class SendMessageDto extends createZodDto(sendMessageSchema) {}

export class EditMessageDto extends createZodDto(z.strictObject({ content })) {}

export class ListMessagesQuery extends createZodDto(
  z.strictObject({
    before: seq.optional(),
    after: seq.optional(),
    limit: limit(100, 50),
    parentId: objectId.optional(),
  }),
) {}

export class MessageParams extends createZodDto(
  z.strictObject({ id: objectId, messageId: objectId }),
) {}

/** One RGI emoji (any presentation; answered in its fully-qualified form) or `:shortcode:`. */
export const emoji = z
  .string()
  .min(1)
  .max(EMOJI_MAX_LENGTH)
  .transform((value, ctx) => {
    const normalized = normalizeEmoji(value);
    if (normalized === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be one Unicode emoji or a :shortcode: of a-z 0-9 _ + -',
      });
      return z.NEVER;
    }
    return normalized;
  });

export class ReactionParams extends createZodDto(
  z.strictObject({ id: objectId, messageId: objectId, emoji }),
) {}

export class ListThreadsQuery extends createZodDto(
  z.strictObject({ limit: limit(100, 20), cursor: cursor.optional() }),
) {}
