import { ChatError, ErrorCode, FieldIssue, statusOf } from '../common/chat-error';

/**
 * The JSON messages of NodeBus on `<prefix>:bus:<nodeId>`. Requests and replies share a
 * node's channel; a reply is told apart by its boolean `ok`. JSON is the wire, so values that
 * are not JSON change shape on the way (a Date arrives as its ISO string, undefined fields
 * vanish, a Map becomes {}): payloads and results should be plain JSON data.
 */
export interface BusRequest {
  id: string;
  from: string;
  payload: unknown;
}

export interface WireError {
  code: ErrorCode;
  message: string;
  retryAfterMs?: number;
  details?: FieldIssue[];
}

export type BusReply =
  { id: string; ok: true; data: unknown } | { id: string; ok: false; error: WireError };

export function parseBusMessage(text: string): BusRequest | BusReply | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof msg !== 'object' || msg === null) return undefined;
  const m = msg as Record<string, unknown>;
  if (typeof m.id !== 'string') return undefined;
  if (typeof m.ok === 'boolean') {
    if (m.ok || (typeof m.error === 'object' && m.error !== null)) return m as BusReply;
    return undefined;
  }
  return typeof m.from === 'string' ? (m as unknown as BusRequest) : undefined;
}

/**
 * What a handler's failure becomes on the wire: a ChatError keeps its code, message,
 * retryAfterMs and details; anything else is `internal` with a generic message (the
 * original stays in the handling node's log).
 */
export function toWireError(err: unknown, nodeId: string): WireError {
  if (err instanceof ChatError) return err.toWire();
  return { code: 'internal', message: `internal error on node ${nodeId}` };
}

/** The requester's side: the same ChatError again (`temporary` follows from the code). */
export function fromWireError(error: Partial<WireError>): ChatError {
  const known = typeof error.code === 'string' && typeof statusOf(error.code) === 'number';
  return new ChatError(
    known ? (error.code as ErrorCode) : 'internal',
    typeof error.message === 'string' ? error.message : 'internal error',
    {
      retryAfterMs: typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined,
      details: Array.isArray(error.details) ? error.details : undefined,
    },
  );
}
