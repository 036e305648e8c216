/*
 * One `/chat` connection on k6/websockets: the WebSocket, the timers and the metrics around
 * the pure SocketIoClient. k6/websockets runs on the VU's event loop, so one VU may hold many
 * connections; the VU's iteration lasts until every connection and timer is closed.
 */
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearInterval, setInterval } from 'k6/timers';
import { WebSocket } from 'k6/websockets';
import { answerOf, CHAT_NAMESPACE, type AckAnswer } from './chat.ts';
import { engineUrl, SocketIoClient, type ConnectErrorData } from './socketio.ts';

export const connectMs = new Trend('parley_connect_ms', true);
/** Share of connection attempts that reached the namespace (refusals and errors count false). */
export const connectOk = new Rate('parley_connect_ok');
/** Connections that ended without the scenario asking (server, network or heartbeat). */
export const socketDrops = new Counter('parley_socket_drops');
export const ackMs = new Trend('parley_ack_ms', true);
/** Share of commands answered `{ ok: true }` (timeouts and disconnects count false). */
export const ackOk = new Rate('parley_ack_ok');

const TICK_MS = 250;

export interface ChatHandlers {
  connect?(): void;
  refused?(error: ConnectErrorData): void;
  event?(name: string, payload: unknown): void;
  /** Once; `expected` when the scenario closed or dropped the connection itself. */
  closed?(reason: string, expected: boolean): void;
}

export interface ChatParams {
  url: string;
  token: string;
  /** Added to every metric this connection records (for example `{ node: 'n2' }`). */
  tags?: Record<string, string>;
  ackTimeoutMs?: number;
}

export class ChatConnection {
  readonly client: SocketIoClient;
  private readonly ws: WebSocket;
  private readonly timer: number;
  private readonly started = Date.now();
  private readonly tags: Record<string, string>;
  private settled = false;
  private everConnected = false;
  private leaving = false;
  private ended = false;
  /** Why the session ended, as the client saw it (a server disconnect, a parse error...). */
  private reason?: string;
  private readonly url: string;

  constructor(
    params: ChatParams,
    private readonly handlers: ChatHandlers = {},
  ) {
    this.tags = params.tags ?? {};
    this.url = params.url;
    const ackTimeoutMs = params.ackTimeoutMs ?? 10_000;
    this.ws = new WebSocket(engineUrl(params.url), null, { tags: this.tags });
    this.client = new SocketIoClient(
      {
        nsp: CHAT_NAMESPACE,
        auth: { token: params.token },
        // A frame for a socket already closing is dropped, as a browser would; its ack (if
        // any) then fails when the close arrives.
        send: (frame) => {
          if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
        },
        close: () => this.ws.close(),
      },
      {
        connect: () => {
          this.settle(true);
          this.everConnected = true;
          handlers.connect?.();
        },
        connectError: (error) => {
          this.settle(false, error.message);
          handlers.refused?.(error);
        },
        event: (name, args) => handlers.event?.(name, args[0]),
        disconnect: (reason) => (this.reason = reason),
      },
    );
    this.ws.onmessage = (e) => {
      if (e && typeof e.data === 'string') this.client.receive(e.data, Date.now());
    };
    this.ws.onerror = (e) => {
      if (!this.settled) console.warn(`parley: ${this.url}: ${e?.error ?? 'websocket error'}`);
    };
    this.ws.onclose = () => this.finish();
    this.timer = setInterval(() => {
      const now = Date.now();
      this.client.expireAcks(now, ackTimeoutMs);
      // The server pings every pingInterval; silence beyond pingInterval + pingTimeout
      // means the connection is dead even if the socket still looks open.
      if (!this.client.alive(now)) this.ws.close();
    }, TICK_MS);
  }

  get connected(): boolean {
    return this.client.state === 'connected';
  }

  /**
   * Sends a command with an ack; `done` gets the answer (local `ack_timeout`/`disconnected`
   * included). Answers false, sending nothing, when not connected.
   */
  command<T>(event: string, payload: unknown, done?: (answer: AckAnswer<T>) => void): boolean {
    const at = Date.now();
    return this.client.emit(
      event,
      [payload],
      (reply) => {
        const answer = answerOf<T>(reply);
        const tags = { ...this.tags, command: event };
        if (answer.ok) ackMs.add(Date.now() - at, tags);
        ackOk.add(answer.ok, answer.ok ? tags : { ...tags, code: answer.error.code });
        done?.(answer);
      },
      at,
    );
  }

  /** Leaves cleanly (Socket.IO DISCONNECT, then the WebSocket close). */
  close(): void {
    this.leaving = true;
    if (this.client.state === 'closed') this.ws.close();
    else this.client.disconnect();
  }

  /**
   * Drops the transport without leaving the namespace, as a lost network would. From here on
   * the connection counts as gone: sends are skipped and pending acks fail at once.
   */
  drop(): void {
    this.leaving = true;
    this.reason = 'io client drop';
    this.client.transportClosed(this.reason);
    this.ws.close();
  }

  private settle(ok: boolean, why?: string): void {
    if (this.settled) return;
    this.settled = true;
    connectOk.add(ok, ok ? this.tags : { ...this.tags, reason: why ?? 'closed' });
    if (ok) connectMs.add(Date.now() - this.started, this.tags);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.client.transportClosed();
    const reason = this.reason ?? 'transport close';
    this.settle(false, reason);
    const dropped = this.everConnected && !this.leaving;
    if (dropped) console.warn(`parley: ${this.url}: connection lost (${reason})`);
    // Zero for the others, so a run without drops still shows (and passes) the threshold.
    socketDrops.add(dropped ? 1 : 0, this.tags);
    this.handlers.closed?.(reason, this.leaving);
  }
}
