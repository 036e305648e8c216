import { io, type Socket } from 'socket.io-client';
import { ParleyError } from './errors.js';
import type { TokenKeeper } from './token.js';
import type { AckAnswer, CommandName, Commands, ServerEvents } from './wire.js';

type Timer = ReturnType<typeof setTimeout>;

export interface LinkOptions {
  transports: ('websocket' | 'polling')[];
  reconnectDelayMs: number;
  reconnectDelayMaxMs: number;
}

/** The connection the client runs over (SocketLink; unit tests give a fake). */
export interface Link {
  readonly connected: boolean;
  open(): void;
  close(): void;
  refresh(): Promise<void>;
  on<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void): void;
  request<E extends CommandName>(
    event: E,
    payload: Commands[E]['payload'],
    timeoutMs: number,
  ): Promise<AckAnswer<Commands[E]['data']>>;
}

export interface LinkHandlers {
  connected(): void;
  disconnected(reason: string): void;
  refused(error: ParleyError): void;
}

/**
 * The Socket.IO connection to `/chat` and the policy that keeps it up. socket.io-client
 * reconnects by itself after a transport failure; the cases it leaves alone are handled
 * here: a refused handshake (retried with backoff, with a fresh token when the refusal was
 * `unauthorized`) and a disconnect by the server (its token ran out, or the node drained).
 * The token is read again on every attempt, and `refresh()` reconnects with a new one.
 */
export class SocketLink implements Link {
  private readonly socket: Socket;
  private retryTimer?: Timer;
  private attempt = 0;
  private closed = false;

  constructor(
    url: string,
    private readonly tokens: TokenKeeper,
    private readonly options: LinkOptions,
    private readonly handlers: LinkHandlers,
  ) {
    this.socket = io(`${url.replace(/\/$/, '')}/chat`, {
      autoConnect: false,
      transports: options.transports,
      reconnectionDelay: options.reconnectDelayMs,
      reconnectionDelayMax: options.reconnectDelayMaxMs,
      auth: (cb) => {
        this.tokens.get().then(
          (token) => cb({ token }),
          () => cb({}),
        );
      },
    });
    this.socket.on('connect', () => {
      this.attempt = 0;
      this.handlers.connected();
    });
    this.socket.on('disconnect', (reason) => {
      this.handlers.disconnected(reason);
      // The server cut this socket: socket.io-client does not come back by itself.
      if (reason === 'io server disconnect') this.retry(false);
    });
    this.socket.on(
      'connect_error',
      (err: Error & { data?: { code?: string; message?: string } }) => {
        const code = err.data?.code === 'unauthorized' ? 'unauthorized' : 'unavailable';
        const error = new ParleyError(code, err.data?.message ?? err.message);
        // `active`: socket.io-client retries by itself (the server was unreachable); otherwise
        // the handshake was refused and it is ours to retry.
        if (!this.socket.active) {
          this.handlers.refused(error);
          this.retry(code === 'unauthorized');
        }
      },
    );
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  open(): void {
    this.closed = false;
    this.socket.connect();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.socket.disconnect();
  }

  /** Reconnects with a token fetched now (before the current one expires). */
  async refresh(): Promise<void> {
    await this.tokens.get(true);
    if (this.closed) return;
    this.socket.disconnect();
    this.socket.connect();
  }

  on<E extends keyof ServerEvents>(event: E, listener: (payload: ServerEvents[E]) => void): void {
    (this.socket as unknown as { on(e: string, l: (p: ServerEvents[E]) => void): void }).on(
      event,
      listener,
    );
  }

  /**
   * Sends a command and resolves with its ack. Rejects with `disconnected` when there is no
   * connection (nothing is buffered for later) or it drops first, `timeout` without an ack.
   */
  async request<E extends CommandName>(
    event: E,
    payload: Commands[E]['payload'],
    timeoutMs: number,
  ): Promise<AckAnswer<Commands[E]['data']>> {
    if (!this.socket.connected) throw new ParleyError('disconnected', `${event}: not connected`);
    try {
      return await this.socket.timeout(timeoutMs).emitWithAck(event, payload);
    } catch {
      const code = this.socket.connected ? 'timeout' : 'disconnected';
      throw new ParleyError(code, `${event}: no answer (${code})`);
    }
  }

  private retry(freshToken: boolean): void {
    if (this.closed || this.retryTimer) return;
    const { reconnectDelayMs, reconnectDelayMaxMs } = this.options;
    const base = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** this.attempt++);
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed) return;
      const ready = freshToken ? this.tokens.get(true) : this.tokens.get();
      ready.then(
        () => !this.closed && this.socket.connect(),
        () => this.retry(freshToken),
      );
    }, delay);
  }
}
