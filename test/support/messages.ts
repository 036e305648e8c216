import type { ApiUser } from './http';
import { ChatClient, emitWithAck } from './socket';

export type Stored = { id: string; seq: number; clientMessageId: string; senderId: string };

/** The whole history of a conversation as `user` reads it over REST, page after page. */
export async function history(user: ApiUser, conversationId: string): Promise<Stored[]> {
  const all: Stored[] = [];
  for (;;) {
    const page = await user.get(
      `/conversations/${conversationId}/messages?after=${all.length}&limit=100`,
    );
    all.push(...page.body.items);
    if (!page.body.hasMore) return all;
  }
}

/**
 * Sends until acknowledged, retrying with the same clientMessageId (as a client must) while
 * the answer is `unavailable` or none comes. `socket` is read on every try (it may be
 * replaced after a reconnect).
 */
export async function sendUntilStored(
  socket: () => ChatClient,
  conversationId: string,
  clientMessageId: string,
  { ackTimeoutMs = 2500, giveUpMs = 30_000 } = {},
): Promise<Stored> {
  const deadline = Date.now() + giveUpMs;
  for (;;) {
    const answer = await emitWithAck(
      socket(),
      'message:send',
      { conversationId, content: clientMessageId, clientMessageId },
      ackTimeoutMs,
    ).catch(() => undefined);
    if (answer?.ok) return answer.data as Stored;
    if (answer && answer.error.code !== 'unavailable') throw new Error(JSON.stringify(answer));
    if (Date.now() > deadline) throw new Error(`${clientMessageId} never stored`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
