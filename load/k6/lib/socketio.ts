/*
 * Socket.IO v4 client framing (Engine.IO protocol 4, Socket.IO protocol 5), JSON only, over
 * one WebSocket: what socket.io-client 4 puts on the wire when `transports: ['websocket']`.
 *
 * Pure: no k6 and no Node imports, so the same code runs under k6 and under jest, where it
 * is proven against a real socket.io server (test/unit/k6/socketio-interop.spec.ts). The k6
 * glue (k6-chat.ts) owns the WebSocket and the timers and feeds frames in and out.
 *
 * Codec and client stay in one file on purpose: k6 needs `.ts` in relative import paths,
 * which the project's own compile (through the specs) refuses for a value import, so a pure
 * module here imports no other at run time.
 *
 * Wire summary (one WebSocket text frame = one Engine.IO packet; the HTTP long-polling
 * transport batches packets with the record separator \x1e, which the decoder also accepts):
 *   server → `0{"sid","upgrades","pingInterval","pingTimeout","maxPayload"}`  Engine.IO open
 *   server → `2` ping, client → `3` pong (protocol 4: the server pings, the client answers)
 *   `4<socket.io packet>`                                                        message
 *   socket.io packet: `<type>[<nsp>,][<ack id>][<JSON>]`, types 0 CONNECT, 1 DISCONNECT,
 *   2 EVENT, 3 ACK, 4 CONNECT_ERROR (5 and 6 carry binary attachments: refused here).
 */

export const RECORD_SEPARATOR = '\x1e';

/** The Engine.IO open handshake (the server's first packet). */
export interface OpenHandshake {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

export type EnginePacket =
  | { type: 'open'; data: OpenHandshake }
  | { type: 'close' }
  | { type: 'ping'; data: string }
  | { type: 'pong'; data: string }
  | { type: 'message'; data: string }
  | { type: 'upgrade' }
  | { type: 'noop' };

const ENGINE_TYPES = ['open', 'close', 'ping', 'pong', 'message', 'upgrade', 'noop'] as const;

/** A frame or packet that does not follow the protocol (or uses binary, which we do not). */
export class ProtocolError extends Error {}

export function decodeEnginePacket(text: string): EnginePacket {
  const type = ENGINE_TYPES[Number(text.charAt(0))];
  if (text.length === 0 || !type || !/^\d$/.test(text.charAt(0))) {
    throw new ProtocolError(`not an Engine.IO packet: ${JSON.stringify(text.slice(0, 32))}`);
  }
  const data = text.slice(1);
  switch (type) {
    case 'open': {
      const open = parseJson(data) as Partial<OpenHandshake> | undefined;
      if (
        !open ||
        typeof open.sid !== 'string' ||
        typeof open.pingInterval !== 'number' ||
        typeof open.pingTimeout !== 'number'
      ) {
        throw new ProtocolError('Engine.IO open packet without sid or ping timing');
      }
      return {
        type,
        data: {
          sid: open.sid,
          upgrades: Array.isArray(open.upgrades) ? open.upgrades : [],
          pingInterval: open.pingInterval,
          pingTimeout: open.pingTimeout,
          maxPayload: typeof open.maxPayload === 'number' ? open.maxPayload : Infinity,
        },
      };
    }
    case 'ping':
    case 'pong':
    case 'message':
      return { type, data };
    default:
      return { type };
  }
}

export function encodeEnginePacket(packet: EnginePacket): string {
  const code = ENGINE_TYPES.indexOf(packet.type);
  switch (packet.type) {
    case 'open':
      return `${code}${JSON.stringify(packet.data)}`;
    case 'ping':
    case 'pong':
    case 'message':
      return `${code}${packet.data}`;
    default:
      return `${code}`;
  }
}

/** A long-polling payload (packets joined by \x1e); a WebSocket frame is a payload of one. */
export function decodeEnginePayload(payload: string): EnginePacket[] {
  return payload.split(RECORD_SEPARATOR).map(decodeEnginePacket);
}

export function encodeEnginePayload(packets: EnginePacket[]): string {
  return packets.map(encodeEnginePacket).join(RECORD_SEPARATOR);
}

export interface ConnectErrorData {
  message: string;
  data?: unknown;
}

export type SocketPacket =
  /** Client → server: `data` is the `auth` object; server → client: `{ sid }`. */
  | { type: 'connect'; nsp: string; data?: Record<string, unknown> }
  | { type: 'disconnect'; nsp: string }
  | { type: 'event'; nsp: string; id?: number; data: [string, ...unknown[]] }
  | { type: 'ack'; nsp: string; id: number; data: unknown[] }
  | { type: 'connect_error'; nsp: string; data: ConnectErrorData };

const SOCKET_TYPES = ['connect', 'disconnect', 'event', 'ack', 'connect_error'] as const;
const BINARY_EVENT = 5;
const BINARY_ACK = 6;

export function encodeSocketPacket(packet: SocketPacket): string {
  let out = String(SOCKET_TYPES.indexOf(packet.type));
  if (packet.nsp !== '/') out += `${packet.nsp},`;
  if ((packet.type === 'event' || packet.type === 'ack') && packet.id !== undefined) {
    out += String(packet.id);
  }
  if (packet.type !== 'disconnect' && packet.data !== undefined) out += JSON.stringify(packet.data);
  return out;
}

export function decodeSocketPacket(text: string): SocketPacket {
  const code = Number(text.charAt(0));
  if (code === BINARY_EVENT || code === BINARY_ACK) {
    throw new ProtocolError('binary Socket.IO packets are not supported');
  }
  const type = SOCKET_TYPES[code];
  if (!type || !/^\d$/.test(text.charAt(0))) {
    throw new ProtocolError(`not a Socket.IO packet: ${JSON.stringify(text.slice(0, 32))}`);
  }
  let i = 1;
  let nsp = '/';
  if (text.charAt(i) === '/') {
    const comma = text.indexOf(',', i);
    const end = comma === -1 ? text.length : comma;
    nsp = text.slice(i, end);
    i = comma === -1 ? end : end + 1;
  }
  let id: number | undefined;
  const digits = /^\d+/.exec(text.slice(i));
  if (digits) {
    id = Number(digits[0]);
    i += digits[0].length;
  }
  const data = parseJson(text.slice(i));
  switch (type) {
    case 'connect':
      if (data !== undefined && !isObject(data))
        throw new ProtocolError('CONNECT data not an object');
      return data === undefined ? { type, nsp } : { type, nsp, data };
    case 'disconnect':
      return { type, nsp };
    case 'event':
      if (!Array.isArray(data) || typeof data[0] !== 'string') {
        throw new ProtocolError('EVENT data must be an array starting with the event name');
      }
      return id === undefined
        ? { type, nsp, data: data as [string, ...unknown[]] }
        : { type, nsp, id, data: data as [string, ...unknown[]] };
    case 'ack':
      if (id === undefined || !Array.isArray(data))
        throw new ProtocolError('ACK needs an id and an array');
      return { type, nsp, id, data };
    case 'connect_error':
      // Socket.IO 2 sent a bare string; protocol 5 sends { message, data? }.
      if (typeof data === 'string') return { type, nsp, data: { message: data } };
      if (!isObject(data) || typeof data.message !== 'string') {
        throw new ProtocolError('CONNECT_ERROR without a message');
      }
      return { type, nsp, data: data as unknown as ConnectErrorData };
  }
}

/** One WebSocket frame carrying a Socket.IO packet (Engine.IO message `4`). */
export function messageFrame(packet: SocketPacket): string {
  return encodeEnginePacket({ type: 'message', data: encodeSocketPacket(packet) });
}

/**
 * The Engine.IO WebSocket endpoint of a base URL (`http://host:3000` →
 * `ws://host:3000/socket.io/?EIO=4&transport=websocket`). String work only: k6 has no URL.
 */
export function engineUrl(baseUrl: string, path = '/socket.io/'): string {
  const m = /^(https?|wss?):\/\/([^/?#]+)(\/[^?#]*)?$/i.exec(baseUrl.trim());
  if (!m) throw new Error(`not an http(s) or ws(s) URL: ${baseUrl}`);
  const scheme = /^(https|wss)$/i.test(m[1]) ? 'wss' : 'ws';
  const prefix = (m[3] ?? '').replace(/\/+$/, '');
  return `${scheme}://${m[2]}${prefix}${path}?EIO=4&transport=websocket`;
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolError(`malformed JSON in packet: ${JSON.stringify(text.slice(0, 32))}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// ---- a client of one namespace over one transport ------------------------------------------

/** What an ack callback gets: the server's ack arguments, or why none will come. */
export type AckReply = { args: unknown[] } | { failed: 'timeout' | 'disconnected' };

export type ClientState = 'opening' | 'connecting' | 'connected' | 'refused' | 'closed';

export interface ClientOptions {
  nsp: string;
  /** Sent with the namespace CONNECT (`io(url, { auth })`). */
  auth?: Record<string, unknown>;
  /** Writes one WebSocket text frame. */
  send(frame: string): void;
  /** Closes the transport: called after a refusal, a server disconnect or a protocol error. */
  close(): void;
}

export interface ClientHandlers {
  connect?(sid: string): void;
  connectError?(error: ConnectErrorData): void;
  event?(name: string, args: unknown[]): void;
  /** Once, whatever ended the session (`io server disconnect`, `transport close`, ...). */
  disconnect?(reason: string): void;
}

/**
 * The Socket.IO client state of one namespace on one Engine.IO session, driven by frames
 * (`receive`) and transport close (`transportClosed`); it never reads a clock, so callers
 * pass `now` where time matters. Events are not buffered while disconnected: `emit` says
 * whether it sent, so a load test counts a skipped send instead of hiding it.
 */
export class SocketIoClient {
  state: ClientState = 'opening';
  handshake?: OpenHandshake;
  /** The namespace socket id the server gave in its CONNECT answer. */
  sid?: string;
  /** When the server last showed it is alive (any frame), as passed to `receive`. */
  lastHeard = 0;
  pings = 0;
  private nextId = 0;
  private readonly pending = new Map<number, { at: number; reply: (r: AckReply) => void }>();

  constructor(
    private readonly options: ClientOptions,
    private readonly handlers: ClientHandlers = {},
  ) {}

  /** Feeds one transport frame. Protocol errors close the transport and end the session. */
  receive(frame: string, now = 0): void {
    if (this.state === 'closed' || this.state === 'refused') return;
    this.lastHeard = now;
    let packets: EnginePacket[];
    try {
      packets = decodeEnginePayload(frame);
    } catch (err) {
      return this.fail(`parse error: ${(err as Error).message}`);
    }
    for (const packet of packets) this.onEngine(packet);
  }

  /**
   * Emits `event`; with `ack`, asks for an acknowledgement. Answers false (and sends
   * nothing) unless connected.
   */
  emit(event: string, args: unknown[], ack?: (reply: AckReply) => void, now = 0): boolean {
    if (this.state !== 'connected') return false;
    const packet: SocketPacket = { type: 'event', nsp: this.options.nsp, data: [event, ...args] };
    if (ack) {
      packet.id = this.nextId++;
      this.pending.set(packet.id, { at: now, reply: ack });
    }
    this.options.send(messageFrame(packet));
    return true;
  }

  /** Acks still awaited. */
  get awaiting(): number {
    return this.pending.size;
  }

  /** Fails the acks asked for before `now - ms`; answers how many. */
  expireAcks(now: number, ms: number): number {
    let expired = 0;
    for (const [id, p] of this.pending) {
      if (now - p.at < ms) continue;
      this.pending.delete(id);
      expired++;
      p.reply({ failed: 'timeout' });
    }
    return expired;
  }

  /**
   * False once the server has been silent for longer than it promised to ping plus its
   * timeout (the check socket.io-client makes): the connection is dead even if still open.
   */
  alive(now: number): boolean {
    if (this.state === 'closed') return false;
    if (!this.handshake) return true;
    return now - this.lastHeard <= this.handshake.pingInterval + this.handshake.pingTimeout;
  }

  /** Leaves the namespace (Socket.IO DISCONNECT) and closes the transport. */
  disconnect(): void {
    if (this.state === 'connected') {
      this.options.send(messageFrame({ type: 'disconnect', nsp: this.options.nsp }));
    }
    this.end('io client disconnect');
    this.options.close();
  }

  /** The transport closed (either side): pending acks fail, the session ends. */
  transportClosed(reason = 'transport close'): void {
    this.end(reason);
  }

  private onEngine(packet: EnginePacket): void {
    switch (packet.type) {
      case 'open':
        this.handshake = packet.data;
        this.state = 'connecting';
        this.options.send(
          messageFrame({ type: 'connect', nsp: this.options.nsp, data: this.options.auth }),
        );
        return;
      case 'ping':
        this.pings++;
        this.options.send(encodeEnginePacket({ type: 'pong', data: packet.data }));
        return;
      case 'close':
        this.end('transport close');
        this.options.close();
        return;
      case 'message':
        return this.onMessage(packet.data);
      default:
        return; // pong, upgrade, noop: nothing to do on a WebSocket-only session
    }
  }

  private onMessage(text: string): void {
    let packet: SocketPacket;
    try {
      packet = decodeSocketPacket(text);
    } catch (err) {
      return this.fail(`parse error: ${(err as Error).message}`);
    }
    if (packet.nsp !== this.options.nsp) return;
    switch (packet.type) {
      case 'connect':
        this.state = 'connected';
        this.sid = typeof packet.data?.sid === 'string' ? packet.data.sid : undefined;
        this.handlers.connect?.(this.sid ?? '');
        return;
      case 'connect_error':
        this.state = 'refused';
        this.handlers.connectError?.(packet.data);
        this.failAcks();
        this.options.close();
        return;
      case 'event':
        this.handlers.event?.(packet.data[0], packet.data.slice(1));
        return;
      case 'ack': {
        const p = this.pending.get(packet.id);
        if (!p) return; // answered after it timed out
        this.pending.delete(packet.id);
        p.reply({ args: packet.data });
        return;
      }
      case 'disconnect':
        this.end('io server disconnect');
        this.options.close();
        return;
    }
  }

  private fail(reason: string): void {
    this.end(reason);
    this.options.close();
  }

  private end(reason: string): void {
    if (this.state === 'closed') return;
    const wasRefused = this.state === 'refused';
    this.state = 'closed';
    this.failAcks();
    if (!wasRefused) this.handlers.disconnect?.(reason);
  }

  private failAcks(): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) p.reply({ failed: 'disconnected' });
  }
}
