import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { cursor, limit, objectId, userId } from '../common/schemas';

/** Group size is bounded here at the hard ceiling; GROUP_MAX_PARTICIPANTS is checked in the service. */
const participants = z.array(userId).min(1).max(100_000);
const groupName = z.string().trim().min(1).max(100);

// One object rather than a discriminated union: a DTO class needs an object type.
export const createConversationSchema = z
  .strictObject({
    type: z.enum(['private', 'group']),
    name: groupName.optional(),
    participants,
  })
  .superRefine((b, ctx) => {
    if (b.type === 'private' && b.participants.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['participants'],
        message: 'a private conversation names exactly one other participant',
      });
    }
    if (b.type === 'private' && b.name !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['name'],
        message: 'a private conversation has no name',
      });
    }
    if (b.type === 'group' && b.name === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'a group needs a name' });
    }
  });
export class CreateConversationDto extends createZodDto(createConversationSchema) {}

export const updateConversationSchema = z
  .strictObject({
    name: groupName.optional(),
    addParticipants: participants.optional(),
    removeParticipants: participants.optional(),
  })
  .refine(
    (b) => Object.keys(b).length > 0,
    'give at least one of name, addParticipants, removeParticipants',
  );
export class UpdateConversationDto extends createZodDto(updateConversationSchema) {}

export class ListConversationsQuery extends createZodDto(
  z.strictObject({ limit: limit(100, 20), cursor: cursor.optional() }),
) {}

export class ConversationParams extends createZodDto(z.strictObject({ id: objectId })) {}
