import type { Logger } from 'pino';
import type { z } from 'zod';
import { ChatError, fieldIssues } from '../common/chat-error';
import type { Ack, AckAnswer } from './events';

/**
 * Runs `run` and turns its outcome into an acknowledgement. Nest's exception filters do not
 * reach these listeners, so every failure is mapped here: a ChatError becomes its wire form,
 * anything else is logged and answered `internal` (its message may hold internals).
 */
export async function settle<T>(
  run: () => Promise<T>,
  logger: Logger,
  context: object,
): Promise<AckAnswer<T>> {
  try {
    return { ok: true, data: await run() };
  } catch (err) {
    if (err instanceof ChatError) return { ok: false, error: err.toWire() };
    logger.error({ err, ...context }, 'socket command failed');
    return { ok: false, error: { code: 'internal', message: 'internal error' } };
  }
}

/** Refuses a payload its schema rejects, with the same `validation_failed` details as REST. */
export function parse<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const parsed = schema.safeParse(payload);
  if (!parsed.success) {
    throw ChatError.validation('invalid payload', fieldIssues(parsed.error.issues));
  }
  return parsed.data;
}

/**
 * A socket listener for one command: parse → run → ack. The contract asks every command for
 * an ack, but one sent without is still validated and applied; its refusal is then logged,
 * since nobody else will see it.
 */
export function acked<S extends z.ZodType, T>(
  event: string,
  schema: S,
  run: (input: z.output<S>) => Promise<T>,
  logger: Logger,
): (payload: unknown, ack?: unknown) => void {
  return (payload, ack) => {
    // `emit('sync', cb)`: the callback arrives first and there is no payload.
    if (ack === undefined && typeof payload === 'function') [payload, ack] = [undefined, payload];
    const reply = typeof ack === 'function' ? (ack as Ack<T>) : undefined;
    void settle(() => run(parse(schema, payload)), logger, { event }).then((answer) => {
      if (reply) reply(answer);
      else if (!answer.ok) logger.info({ event, error: answer.error }, 'socket command refused');
    });
  };
}
