import type { OpenAPIObject } from '@nestjs/swagger';
import { z } from 'zod';

/*
 * What the REST routes answer, as the OpenAPI document describes it. The request DTOs come
 * from nestjs-zod; answers are plain objects built by the services, so they are described
 * here, once, and added to the document. openapi-views.spec.ts holds these schemas equal to
 * the services' types (a field added to Message without a line here fails tsc), and the
 * CORS e2e test parses real answers with them (strict: an undocumented field fails).
 * The SDK's REST types (client/src/openapi.ts) are generated from this document.
 */

/** Dates as JSON carries them (Date.prototype.toISOString: UTC, `Z`). */
const isoDate = z
  .string()
  .refine((s) => s.endsWith('Z') && !Number.isNaN(Date.parse(s)), 'an ISO 8601 UTC date');
const id = z.string().regex(/^[0-9a-f]{24}$/);
const uuid = z.string();
const count = z.number().int().min(0);

export const attachmentRefView = z.strictObject({
  id,
  fileName: z.string(),
  fileType: z.string(),
  fileSize: count,
  width: count.optional(),
  height: count.optional(),
});

export const reactionView = z.strictObject({
  emoji: z.string(),
  count,
  userIds: z.array(uuid),
});

export const messageView = z.strictObject({
  id,
  conversationId: id,
  seq: count,
  senderId: uuid,
  content: z.string().nullable(),
  attachments: z.array(attachmentRefView),
  parentId: id.nullable(),
  /** A thread root's summary: replies standing, the newest one's time, its last repliers. */
  replyCount: count,
  lastReplyAt: isoDate.nullable(),
  replyUserIds: z.array(uuid).max(10),
  reactions: z.array(reactionView),
  createdAt: isoDate,
  updatedAt: isoDate,
  editedAt: isoDate.nullable(),
  deletedAt: isoDate.nullable(),
  /** Members but the sender whose delivered / read cursor reached this seq. */
  deliveredTo: z.array(uuid),
  readBy: z.array(uuid),
  clientMessageId: z.string(),
});

export const lastMessageView = z.strictObject({
  id,
  seq: count,
  senderId: uuid,
  preview: z.string().nullable(),
  createdAt: isoDate,
});

export const conversationView = z.strictObject({
  id,
  type: z.enum(['private', 'group']),
  name: z.string().nullable(),
  participants: z.array(uuid),
  admins: z.array(uuid),
  createdBy: uuid,
  lastSeq: count,
  lastMessageAt: isoDate.nullable(),
  lastMessage: lastMessageView.nullable(),
  createdAt: isoDate,
  updatedAt: isoDate,
  deletedAt: isoDate.nullable(),
});

export const conversationListItemView = conversationView.extend({ unreadCount: count });
/** With the caller's own cursors. */
export const conversationDetailsView = conversationView.extend({
  readSeq: count,
  deliveredSeq: count,
});
export const conversationPageView = z.strictObject({
  items: z.array(conversationListItemView),
  nextCursor: z.string().nullable(),
});
export const messagePageView = z.strictObject({
  items: z.array(messageView),
  hasMore: z.boolean(),
});

export const searchPageView = z.strictObject({
  items: z.array(
    z.strictObject({
      message: messageView,
      /** The content, HTML-escaped, with the matched words in `<mark>`. */
      highlight: z.string(),
    }),
  ),
  nextCursor: z.string().nullable(),
});
/** An attachment's metadata (never a storage key or URL). */
export const attachmentView = z.strictObject({
  id,
  conversationId: id,
  uploaderId: uuid,
  messageId: id.nullable(),
  fileName: z.string(),
  fileType: z.string(),
  fileSize: count,
  status: z.enum(['pending', 'uploaded', 'attached', 'deleted']),
  width: count.nullable(),
  height: count.nullable(),
  createdAt: isoDate,
});
/** A presigned POST: send every field, then the file as the last part, named `file`. */
export const attachmentPresignView = z.strictObject({
  attachment: attachmentView,
  upload: z.strictObject({
    method: z.literal('POST'),
    url: z.string(),
    fields: z.record(z.string(), z.string()),
    expiresAt: isoDate,
  }),
});
/** Presigned GETs that live at most 5 minutes. */
export const attachmentDownloadView = z.strictObject({
  attachment: attachmentView,
  download: z.strictObject({
    url: z.string(),
    expiresAt: isoDate,
    thumbnailUrl: z.string().optional(),
  }),
});
/** The answer of a reaction PUT / DELETE, and the `reaction:updated` payload. */
export const reactionsView = z.strictObject({
  conversationId: id,
  messageId: id,
  reactions: z.array(reactionView),
});
export const threadPageView = z.strictObject({
  items: z.array(messageView),
  nextCursor: z.string().nullable(),
});

export const errorCodeView = z.enum([
  'validation_failed',
  'unauthorized',
  'not_found',
  'forbidden',
  'conflict',
  'payload_too_large',
  'rate_limited',
  'unavailable',
  'internal',
]);
export const problemView = z.strictObject({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: errorCodeView,
  errors: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});

const views = {
  Message: messageView,
  MessagePage: messagePageView,
  Reactions: reactionsView,
  ThreadPage: threadPageView,
  Conversation: conversationView,
  ConversationListItem: conversationListItemView,
  ConversationDetails: conversationDetailsView,
  ConversationPage: conversationPageView,
  SearchPage: searchPageView,
  Attachment: attachmentView,
  AttachmentPresign: attachmentPresignView,
  AttachmentDownload: attachmentDownloadView,
  Problem: problemView,
  ErrorCode: errorCodeView,
} as const;
type ViewName = keyof typeof views;

/** Each route's success statuses and the view they answer (keys: `method path`). */
export const routeAnswers: Record<string, Partial<Record<'200' | '201', ViewName>>> = {
  'post /conversations': { '201': 'Conversation', '200': 'Conversation' },
  'get /conversations': { '200': 'ConversationPage' },
  'get /conversations/{id}': { '200': 'ConversationDetails' },
  'patch /conversations/{id}': { '200': 'Conversation' },
  'delete /conversations/{id}': { '200': 'Conversation' },
  'get /conversations/{id}/messages': { '200': 'MessagePage' },
  'post /conversations/{id}/messages': { '201': 'Message', '200': 'Message' },
  'patch /conversations/{id}/messages/{messageId}': { '200': 'Message' },
  'delete /conversations/{id}/messages/{messageId}': { '200': 'Message' },
  'get /search': { '200': 'SearchPage' },
  'post /conversations/{id}/attachments': { '201': 'AttachmentPresign' },
  'get /conversations/{id}/attachments/{attachmentId}': { '200': 'AttachmentDownload' },
  'put /conversations/{id}/messages/{messageId}/reactions/{emoji}': { '200': 'Reactions' },
  'delete /conversations/{id}/messages/{messageId}/reactions/{emoji}': { '200': 'Reactions' },
  'get /conversations/{id}/threads': { '200': 'ThreadPage' },
};

const ref = (name: ViewName) => ({ $ref: `#/components/schemas/${name}` });

/**
 * Adds the views to `components.schemas` and the answers (success and problem+json) to the
 * routes of `routeAnswers` that the document has. Routes it does not list keep what Nest
 * wrote, so a new controller shows up undocumented rather than wrong.
 */
export function withAnswers(document: OpenAPIObject): OpenAPIObject {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(views)) registry.add(schema, { id: name });
  const { schemas } = z.toJSONSchema(registry, {
    target: 'openapi-3.0',
    uri: (name) => `#/components/schemas/${name}`,
    override: (ctx) => {
      if (ctx.zodSchema === isoDate) ctx.jsonSchema.format = 'date-time';
    },
  });
  for (const schema of Object.values(schemas)) delete (schema as { $id?: string }).$id;
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...(schemas as object) },
  };
  for (const [key, answers] of Object.entries(routeAnswers)) {
    const [method, path] = key.split(' ');
    const operation = (document.paths[path] as Record<string, { responses?: object }>)?.[method];
    if (!operation) continue;
    const responses: Record<string, object> = {};
    for (const [status, view] of Object.entries(answers)) {
      responses[status] = {
        description: status === '201' ? 'created' : 'ok',
        content: { 'application/json': { schema: ref(view) } },
      };
    }
    responses.default = {
      description: 'an error (RFC 9457 problem)',
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
    operation.responses = responses;
  }
  return document;
}
