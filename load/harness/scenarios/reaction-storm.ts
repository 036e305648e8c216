/**
 * R2, a reaction storm (issue 14): 200 users in group rooms of 10 on one node, each adding and
 * removing reactions twice a second on the few newest messages of its room (a handful of
 * emoji, so users pile onto the same reactions). Each client toggles: it adds an emoji it
 * does not have on the message, or removes one it has.
 *
 * Reported: reactions acknowledged per second; the MongoDB writes they became (the node's
 * own counters: one bulk write per coalesced flush) against one write per reaction, and the
 * ratio; the `reaction:updated` events the members received against one event per changed
 * reaction reaching every member.
 */
import type { Socket } from 'socket.io-client';
import { pool, post } from '../processes';
import { row, ScenarioOutput } from '../results';
import { Context } from './context';
import { connect, counter } from './storm';

const ROOM_SIZE = 10;
const REACT_EVERY_MS = 500; // 2 reactions per client per second
const TARGETS = 3; // messages per room that take the reactions
const EMOJI = ['👍', '❤️', '🎉', '😂', ':ship_it:'];

const log = (what: string) => console.error(`bench: R2 ${what}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function reactionStormScenario(ctx: Context): Promise<ScenarioOutput> {
  const users = ctx.quick ? 60 : 200;
  const rooms = users / ROOM_SIZE;
  const durationMs = ctx.quick ? 10_000 : 30_000;

  const parley = await ctx.freshParley('r2');
  const url = parley.servers[0].url;
  const members: { socket: Socket; conversationId: string; messageIds: string[] }[] = [];
  try {
    log(`${rooms} rooms of ${ROOM_SIZE}, ${TARGETS} messages each`);
    for (const room of await parley.makeRooms(rooms, ROOM_SIZE)) {
      const tokens = room.auth.map((a) => (a as { token: string }).token);
      const messageIds: string[] = [];
      for (let i = 0; i < TARGETS; i++) {
        const sent = (await post(`${url}/conversations/${room.id}/messages`, tokens[i], {
          content: `react to ${i}`,
        })) as { id: string };
        messageIds.push(sent.id);
      }
      await pool(tokens.length, ROOM_SIZE, async (k) => {
        members.push({
          socket: await connect(url, tokens[k]),
          conversationId: room.id,
          messageIds,
        });
      });
    }

    let events = 0;
    for (const { socket } of members) socket.on('reaction:updated', () => events++);
    const before = await (await fetch(`${url}/metrics`)).text();

    log(`storm for ${durationMs / 1000} s from ${members.length} clients`);
    let acked = 0;
    let refused = 0;
    const timers: NodeJS.Timeout[] = [];
    members.forEach((m, i) => {
      const mine = new Set<string>();
      let step = i;
      const react = () => {
        step++;
        const messageId = m.messageIds[step % TARGETS];
        const emoji = EMOJI[(step * 7 + i) % EMOJI.length];
        const key = `${messageId} ${emoji}`;
        const add = !mine.has(key);
        if (add) mine.add(key);
        else mine.delete(key);
        m.socket.emit(
          add ? 'reaction:add' : 'reaction:remove',
          { conversationId: m.conversationId, messageId, emoji },
          (ack: { ok: boolean }) => (ack.ok ? acked++ : refused++),
        );
      };
      timers.push(
        setTimeout(
          () => timers.push(setInterval(react, REACT_EVERY_MS)),
          (i * 37) % REACT_EVERY_MS, // spread over the interval
        ),
      );
    });
    await sleep(durationMs);
    timers.forEach((t) => clearInterval(t));
    await sleep(1000); // the last flushes and their events
    const after = await (await fetch(`${url}/metrics`)).text();
    const delta = (name: string) => counter(after, name) - counter(before, name);
    const commands = delta('parley_reaction_commands_total');
    const writes = delta('parley_reaction_writes_total');
    const written = delta('parley_reaction_messages_written_total');
    const seconds = durationMs / 1000;
    const name = `${members.length} clients in rooms of ${ROOM_SIZE}`;
    return {
      rows: [
        row({
          scenario: 'R2',
          name,
          metric: 'reactions acknowledged',
          value: acked / seconds,
          unit: '/s',
        }),
        row({
          key: 'r2.writes',
          scenario: 'R2',
          name,
          metric: 'MongoDB reaction writes vs one write per reaction',
          value: writes / seconds,
          unit: 'writes/s',
          ceiling: commands / seconds,
        }),
        row({
          scenario: 'R2',
          name,
          metric: 'database writes per reaction',
          value: writes / commands,
          unit: '×',
        }),
        row({
          scenario: 'R2',
          name,
          metric: 'reaction:updated events delivered vs one per reaction to every member',
          value: events / seconds,
          unit: 'events/s',
          ceiling: (acked * ROOM_SIZE) / seconds,
        }),
      ],
      notes: [
        `${written} message lists written by ${writes} bulk writes for ${commands} reactions.`,
        ...(refused ? [`${refused} reactions were refused.`] : []),
      ],
    };
  } finally {
    members.forEach((m) => m.socket.disconnect());
    await ctx.releaseParley();
  }
}
