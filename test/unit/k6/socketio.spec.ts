import {
  decodeEnginePacket,
  decodeEnginePayload,
  decodeSocketPacket,
  encodeEnginePayload,
  encodeSocketPacket,
  engineUrl,
  messageFrame,
  ProtocolError,
  SocketIoClient,
  type AckReply,
} from '../../../load/k6/lib/socketio';

// The frames below are what socket.io 4.8 / socket.io-client 4.8 put on the wire (their
// parsers' own test vectors use the same shapes); the interop spec checks them live.

describe('Engine.IO v4 packets', () => {
  it('decodes the open handshake with its ping timing', () => {
    const open = decodeEnginePacket(
      '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}',
    );
    expect(open).toEqual({
      type: 'open',
      data: {
        sid: 'lv_VI97HAXpY6yYWAAAC',
        upgrades: [],
        pingInterval: 25000,
        pingTimeout: 20000,
        maxPayload: 1000000,
      },
    });
  });

  it('refuses an open packet without ping timing, an unknown type and an empty frame', () => {
    expect(() => decodeEnginePacket('0{"sid":"x"}')).toThrow(ProtocolError);
    expect(() => decodeEnginePacket('9')).toThrow(ProtocolError);
    expect(() => decodeEnginePacket('')).toThrow(ProtocolError);
    expect(() => decodeEnginePacket('0{not json')).toThrow(ProtocolError);
  });

  it('splits and joins a multi-packet (long-polling) payload on the record separator', () => {
    const payload = '2\x1e40/chat,{"sid":"a"}\x1e42/chat,["hi",{"n":1}]\x1e6';
    const packets = decodeEnginePayload(payload);
    expect(packets).toEqual([
      { type: 'ping', data: '' },
      { type: 'message', data: '0/chat,{"sid":"a"}' },
      { type: 'message', data: '2/chat,["hi",{"n":1}]' },
      { type: 'noop' },
    ]);
    expect(encodeEnginePayload(packets)).toBe(payload);
  });
});

describe('Socket.IO packets', () => {
  it('encodes a namespace CONNECT with auth', () => {
    expect(encodeSocketPacket({ type: 'connect', nsp: '/chat', data: { token: 'abc.def' } })).toBe(
      '0/chat,{"token":"abc.def"}',
    );
    expect(messageFrame({ type: 'connect', nsp: '/chat', data: { token: 't' } })).toBe(
      '40/chat,{"token":"t"}',
    );
    // The main namespace has no prefix (and no comma).
    expect(encodeSocketPacket({ type: 'connect', nsp: '/' })).toBe('0');
  });

  it('decodes the server CONNECT answer', () => {
    expect(decodeSocketPacket('0/chat,{"sid":"K9m"}')).toEqual({
      type: 'connect',
      nsp: '/chat',
      data: { sid: 'K9m' },
    });
  });

  it('round-trips an EVENT with an ack id, and one without', () => {
    const withAck = messageFrame({
      type: 'event',
      nsp: '/chat',
      id: 12,
      data: ['message:send', { conversationId: 'c', content: 'hé "quoted"' }],
    });
    expect(withAck).toBe(
      '42/chat,12["message:send",{"conversationId":"c","content":"hé \\"quoted\\""}]',
    );
    expect(decodeSocketPacket(withAck.slice(1))).toEqual({
      type: 'event',
      nsp: '/chat',
      id: 12,
      data: ['message:send', { conversationId: 'c', content: 'hé "quoted"' }],
    });
    expect(decodeSocketPacket('2/chat,["message:new",{"seq":3}]')).toEqual({
      type: 'event',
      nsp: '/chat',
      data: ['message:new', { seq: 3 }],
    });
    expect(decodeSocketPacket('2["x"]')).toEqual({ type: 'event', nsp: '/', data: ['x'] });
  });

  it('parses an ACK with its id and arguments', () => {
    expect(decodeSocketPacket('3/chat,7[{"ok":true,"data":{"seq":1}}]')).toEqual({
      type: 'ack',
      nsp: '/chat',
      id: 7,
      data: [{ ok: true, data: { seq: 1 } }],
    });
    expect(() => decodeSocketPacket('3/chat,[{}]')).toThrow('ACK needs an id');
  });

  it('parses CONNECT_ERROR with its data, and the old bare-string form', () => {
    expect(
      decodeSocketPacket(
        '4/chat,{"message":"unauthorized","data":{"code":"unauthorized","message":"invalid token"}}',
      ),
    ).toEqual({
      type: 'connect_error',
      nsp: '/chat',
      data: { message: 'unauthorized', data: { code: 'unauthorized', message: 'invalid token' } },
    });
    expect(decodeSocketPacket('4/chat,"Invalid namespace"')).toEqual({
      type: 'connect_error',
      nsp: '/chat',
      data: { message: 'Invalid namespace' },
    });
  });

  it('decodes a server DISCONNECT and refuses binary and malformed packets', () => {
    expect(decodeSocketPacket('1/chat,')).toEqual({ type: 'disconnect', nsp: '/chat' });
    expect(() => decodeSocketPacket('51-/chat,["x",{"_placeholder":true,"num":0}]')).toThrow(
      'binary',
    );
    expect(() => decodeSocketPacket('2/chat,{"not":"an array"}')).toThrow(ProtocolError);
    expect(() => decodeSocketPacket('2/chat,[1]')).toThrow(ProtocolError);
    expect(() => decodeSocketPacket('x')).toThrow(ProtocolError);
  });
});

describe('engineUrl', () => {
  it('maps http(s) base URLs to the Engine.IO WebSocket endpoint', () => {
    expect(engineUrl('http://127.0.0.1:3000')).toBe(
      'ws://127.0.0.1:3000/socket.io/?EIO=4&transport=websocket',
    );
    expect(engineUrl('https://chat.example.test/api/')).toBe(
      'wss://chat.example.test/api/socket.io/?EIO=4&transport=websocket',
    );
    expect(() => engineUrl('chat.example.test')).toThrow('not an http');
  });
});

describe('SocketIoClient (frames in, frames out)', () => {
  const OPEN = '0{"sid":"e1","upgrades":[],"pingInterval":100,"pingTimeout":50,"maxPayload":1e6}';

  function client() {
    const sent: string[] = [];
    const events: [string, unknown[]][] = [];
    const ends: string[] = [];
    const refusals: unknown[] = [];
    let closes = 0;
    const c = new SocketIoClient(
      {
        nsp: '/chat',
        auth: { token: 'tok' },
        send: (f) => sent.push(f),
        close: () => closes++,
      },
      {
        event: (name, args) => events.push([name, args]),
        disconnect: (reason) => ends.push(reason),
        connectError: (e) => refusals.push(e),
      },
    );
    return { c, sent, events, ends, refusals, closes: () => closes };
  }

  it('answers open with the namespace CONNECT, pings with pongs, and is live once connected', () => {
    const { c, sent } = client();
    c.receive(OPEN, 0);
    expect(sent).toEqual(['40/chat,{"token":"tok"}']);
    expect(c.state).toBe('connecting');
    expect(c.emit('x', [])).toBe(false); // nothing goes out before the namespace answers
    c.receive('40/chat,{"sid":"s1"}', 1);
    expect(c.state).toBe('connected');
    expect(c.sid).toBe('s1');
    c.receive('2', 100);
    expect(sent.at(-1)).toBe('3');
    expect(c.pings).toBe(1);
    expect(c.alive(250)).toBe(true); // 150 ms of the 100 + 50 allowed since the last frame
    expect(c.alive(251)).toBe(false);
  });

  it('matches acks to their emits by id, and fails what is left on timeout or close', () => {
    const { c, sent } = client();
    c.receive(OPEN);
    c.receive('40/chat,{"sid":"s1"}');
    const replies: AckReply[] = [];
    expect(c.emit('a', [{ n: 1 }], (r) => replies.push(r), 0)).toBe(true);
    c.emit('b', [], (r) => replies.push(r), 10);
    c.emit('c', [], (r) => replies.push(r), 20);
    expect(sent.slice(-3)).toEqual(['42/chat,0["a",{"n":1}]', '42/chat,1["b"]', '42/chat,2["c"]']);
    c.receive('43/chat,1[{"ok":true}]');
    expect(replies).toEqual([{ args: [{ ok: true }] }]);
    expect(c.expireAcks(15, 10)).toBe(1); // "a" (asked at 0) only
    expect(replies[1]).toEqual({ failed: 'timeout' });
    c.receive('43/chat,0[{"ok":true}]'); // too late: ignored
    expect(replies).toHaveLength(2);
    c.transportClosed();
    expect(replies[2]).toEqual({ failed: 'disconnected' });
    expect(c.awaiting).toBe(0);
  });

  it('delivers events of its namespace only', () => {
    const { c, events } = client();
    c.receive(OPEN);
    c.receive('40/chat,{"sid":"s1"}');
    c.receive('42/chat,["message:new",{"seq":1}]');
    c.receive('42/other,["message:new",{"seq":2}]');
    expect(events).toEqual([['message:new', [{ seq: 1 }]]]);
  });

  it('reports a refusal once, without a disconnect, and closes the transport', () => {
    const { c, ends, refusals, closes } = client();
    c.receive(OPEN);
    c.receive('44/chat,{"message":"unauthorized","data":{"code":"unauthorized"}}');
    expect(c.state).toBe('refused');
    expect(refusals).toEqual([{ message: 'unauthorized', data: { code: 'unauthorized' } }]);
    expect(closes()).toBe(1);
    c.transportClosed();
    expect(ends).toEqual([]);
  });

  it('ends on a server DISCONNECT, an Engine.IO close or a malformed frame', () => {
    for (const [frame, reason] of [
      ['41/chat,', 'io server disconnect'],
      ['1', 'transport close'],
      ['42/chat,{oops', 'parse error'],
    ]) {
      const { c, ends, closes } = client();
      c.receive(OPEN);
      c.receive('40/chat,{"sid":"s1"}');
      c.receive(frame);
      expect(c.state).toBe('closed');
      expect(ends).toHaveLength(1);
      expect(ends[0]).toContain(reason);
      expect(closes()).toBe(1);
      c.transportClosed(); // the socket's own close event afterwards changes nothing
      expect(ends).toHaveLength(1);
    }
  });

  it('sends DISCONNECT when the client leaves', () => {
    const { c, sent, ends } = client();
    c.receive(OPEN);
    c.receive('40/chat,{"sid":"s1"}');
    c.disconnect();
    expect(sent.at(-1)).toBe('41/chat,');
    expect(ends).toEqual(['io client disconnect']);
  });
});
