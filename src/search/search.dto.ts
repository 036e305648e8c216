import { createZodDto } from 'nestjs-zod';
import { z } from 'zod';
import { cursor, limit, objectId, userId } from '../common/schemas';

/** An ISO 8601 date-time with its offset (`2026-12-01T10:00:00Z`), as a Date. */
const isoDate = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const searchQuerySchema = z.strictObject({
  q: z.string().trim().min(1, 'q is empty').max(200),
  conversationId: objectId.optional(),
  from: userId.optional(),
  has: z.enum(['attachment', 'link']).optional(),
  before: isoDate.optional(),
  after: isoDate.optional(),
  limit: limit(50, 20),
  cursor: cursor.optional(),
});

export class SearchQueryDto extends createZodDto(searchQuerySchema) {}
