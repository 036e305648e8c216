export { connect, ParleyClient } from './client.js';
export type {
  ClientStatus,
  ConnectOptions,
  ConversationState,
  ParleyEvents,
  PendingMessage,
} from './types.js';
export { ParleyError } from './errors.js';
export { RestClient, type MethodOf, type Ok, type Path, type RequestOptions } from './rest.js';
export { type GetToken, tokenClaims, tokenExpiry } from './token.js';
export type { components, operations, paths } from './openapi.js';
export type * from './wire.js';
