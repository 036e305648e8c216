import type { z } from 'zod';
import type * as Sdk from '../../client/src/wire';
import type { ClientListenEvents, Commands, Json } from '../../src/realtime/events';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Fits<A, B> = [A] extends [B] ? true : false;

/*
 * Compile-time: the SDK's socket types (client/src/wire.ts) are the server's event map as a
 * client decodes it. A `false` (tsc: "Type 'true' does not satisfy the expected type
 * 'false'") means the wire changed on one side only.
 */
type EventsMatch = {
  [E in keyof ClientListenEvents]: Same<Sdk.ServerEvents[E], Parameters<ClientListenEvents[E]>[0]>;
};
type CommandsMatch = {
  [E in keyof Commands]: [
    // What the SDK sends is what the server's schema accepts…
    Fits<Sdk.Commands[E]['payload'], z.input<Commands[E]['schema']>>,
    // …and it reads each ack as the server sends it.
    Same<Sdk.Commands[E]['data'], Json<Commands[E]['data']>>,
  ];
};
const events: { [E in keyof EventsMatch]: EventsMatch[E] } & Record<keyof Sdk.ServerEvents, true> =
  {
    'message:new': true,
    'message:updated': true,
    'message:deleted': true,
    'conversation:created': true,
    'conversation:updated': true,
    'conversation:deleted': true,
    receipt: true,
    'reaction:updated': true,
    'thread:updated': true,
    typing: true,
    presence: true,
    'sync:required': true,
  };
const commands: { [E in keyof CommandsMatch]: CommandsMatch[E] } & Record<
  Sdk.CommandName,
  [true, true]
> = {
  'message:send': [true, true],
  'message:edit': [true, true],
  'message:delete': [true, true],
  'reaction:add': [true, true],
  'reaction:remove': [true, true],
  sync: [true, true],
  typing: [true, true],
  read: [true, true],
  delivered: [true, true],
  'presence:subscribe': [true, true],
};

describe('@parley/client wire types', () => {
  it('name every server event and command (their shapes are checked by tsc)', () => {
    expect(Object.keys(events)).toHaveLength(12);
    expect(Object.keys(commands)).toHaveLength(10);
  });
});
