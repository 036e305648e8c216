import { io, ManagerOptions, Socket, SocketOptions } from 'socket.io-client';
import type {
  AckAnswer,
  ClientEmitEvents,
  ClientListenEvents,
  CommandName,
  Commands,
  Json,
} from '../../src/realtime/events';
import { tokenFor } from './tokens';

/** A socket.io-client socket typed with the `/chat` event map as a client decodes it. */
export type ChatClient = Socket<ClientListenEvents, ClientEmitEvents>;
type Payload<E extends keyof ClientListenEvents> = Parameters<ClientListenEvents[E]>[0];

// The typed map's generic overloads do not resolve for a generic event name.
type Listener = (...args: any[]) => void;
type Untyped = { on(e: string, l: Listener): unknown; off(e: string, l: Listener): unknown };

/** A refused handshake: `message` and `data` as socket.io-client reports them. */
export type ConnectError = Error & { data?: { code?: string; message?: string } };

/**
 * Connects to `${url}/chat` with `token` and resolves once the server accepted the
 * handshake; rejects with the `connect_error` (err.message, err.data). No reconnection
 * unless `opts` asks for it, so a refusal is final and tests do not leak retrying sockets.
 */
export function connectClient(
  url: string,
  token: string | undefined,
  opts: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ChatClient> {
  const socket: ChatClient = io(`${url}/chat`, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    auth: token === undefined ? {} : { token },
    ...opts,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('connect_error');
      resolve(socket);
    });
    socket.once('connect_error', (err: ConnectError) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/**
 * Connects `userId` to `${url}/chat` and waits until the socket's rooms are live: the server
 * answers a command only once they are, so an answered `sync` means nothing sent to the
 * user's conversations from now on can be missed. `open` collects it for the test's cleanup.
 */
export async function connectReady(
  url: string,
  userId: string,
  open: ChatClient[],
): Promise<ChatClient> {
  const socket = await connectClient(url, await tokenFor(userId));
  open.push(socket);
  expect(await emitWithAck(socket, 'sync', { cursors: {} })).toMatchObject({ ok: true });
  return socket;
}

/** Sends a command and resolves with its ack; rejects when none comes within `timeoutMs`. */
export function emitWithAck<E extends CommandName>(
  socket: ChatClient,
  event: E,
  payload: unknown,
  timeoutMs = 5000,
): Promise<AckAnswer<Json<Commands[E]['data']>>> {
  return new Promise((resolve, reject) => {
    // Payloads are `unknown` here on purpose: tests send malformed ones.
    (socket.timeout(timeoutMs) as unknown as Socket).emit(
      event,
      payload,
      (err: Error | null, answer: AckAnswer<Json<Commands[E]['data']>>) =>
        err ? reject(new Error(`no ack for ${event} within ${timeoutMs} ms`)) : resolve(answer),
    );
  });
}

/** Resolves with the first `event` whose payload satisfies `predicate`. */
export function waitForEvent<E extends keyof ClientListenEvents>(
  socket: ChatClient,
  event: E,
  predicate: (payload: Payload<E>) => boolean = () => true,
  timeoutMs = 5000,
): Promise<Payload<E>> {
  const target = socket as unknown as Untyped;
  return new Promise((resolve, reject) => {
    const listener = (payload: Payload<E>) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      target.off(event, listener);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      target.off(event, listener);
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    target.on(event, listener);
  });
}

/**
 * Asserts that no `event` (matching `predicate`) arrives within `ms`. This one waits a fixed
 * window by nature: keep it short and use it only for "nothing arrives" assertions, after
 * something that would have arrived first has been awaited.
 */
export async function expectNoEvent<E extends keyof ClientListenEvents>(
  socket: ChatClient,
  event: E,
  ms = 400,
  predicate: (payload: Payload<E>) => boolean = () => true,
): Promise<void> {
  const got = await waitForEvent(socket, event, predicate, ms).catch(() => undefined);
  if (got !== undefined) throw new Error(`unexpected ${event}: ${JSON.stringify(got)}`);
}

/** Every `event` payload from now on, in arrival order (a live array). */
export function collect<E extends keyof ClientListenEvents>(
  socket: ChatClient,
  event: E,
): Payload<E>[] {
  const seen: Payload<E>[] = [];
  (socket as unknown as Untyped).on(event, (payload: Payload<E>) => seen.push(payload));
  return seen;
}
