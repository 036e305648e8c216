/**
 * D1's client side: sockets and REST requests with the time limits of an interactive user,
 * and the series a measured operation records into.
 */
import { io, Socket } from 'socket.io-client';

/** An interactive operation not answered within this long has failed its user. */
export const OP_MS = 10_000;
/** Opening the sockets the operations use (not measured). */
const SETUP_MS = 60_000;

export interface Series {
  times: number[];
  failed: number;
  firstError?: string;
  /** Database CPU milliseconds per recorded sample over the operation's phase. */
  dbCpuMs?: number;
}

export const newSeries = (): Series => ({ times: [], failed: 0 });

export function fail(s: Series | undefined, err: unknown): void {
  if (!s) return;
  s.failed++;
  s.firstError ??= String(err instanceof Error ? err.message : err).slice(0, 200);
}

/** Runs `fn`, recording its time (or its failure) into `s`. */
export async function timed(s: Series, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  try {
    await fn();
    s.times.push(performance.now() - t0);
  } catch (err) {
    fail(s, err);
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export function opened(socket: Socket, ms = OP_MS): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', (err) => reject(err));
    }),
    ms,
    'connect timed out',
  );
}

export const client = (url: string, tok: string, ms = OP_MS) =>
  io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: ms,
    auth: { token: tok },
  });

export async function ack<T>(
  socket: Socket,
  event: string,
  payload: unknown,
  ms = OP_MS,
): Promise<T> {
  const answer = (await socket.timeout(ms).emitWithAck(event, payload)) as {
    ok: boolean;
    data?: T;
    error?: unknown;
  };
  if (!answer?.ok) throw new Error(`${event} refused: ${JSON.stringify(answer?.error)}`);
  return answer.data as T;
}

/** A connected socket whose rooms are live (Parley answers a command once they are). */
export async function ready(url: string, tok: string): Promise<Socket> {
  const socket = client(url, tok, SETUP_MS);
  await opened(socket, SETUP_MS);
  await ack(socket, 'sync', { cursors: {} }, SETUP_MS);
  return socket;
}

export async function get<T>(url: string, tok: string): Promise<T> {
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${tok}` },
    signal: AbortSignal.timeout(OP_MS),
  });
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}
