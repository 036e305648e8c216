/*
 * The REST calls of the scenarios' setup and of S6: create group conversations, post a
 * message. Setup failures abort the test (`fail`): measuring rooms that do not exist would
 * only produce connect and ack errors.
 */
import { fail } from 'k6';
import http, { type ObjectBatchRequest } from 'k6/http';
import { token, userId } from './identity.ts';

/** Group creations in flight at once during setup. */
const BATCH = 20;

function headers(bearer: string): Record<string, string> {
  return { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
}

/**
 * Creates `rooms` groups whose members are test users `room * size … room * size + size - 1`
 * (member 0 creates it) and answers their conversation ids, in room order.
 */
export function createRooms(baseUrl: string, runId: string, rooms: number, size: number): string[] {
  const ids: string[] = [];
  for (let first = 0; first < rooms; first += BATCH) {
    const requests: ObjectBatchRequest[] = [];
    for (let r = first; r < Math.min(rooms, first + BATCH); r++) {
      const members = Array.from({ length: size }, (_, m) => r * size + m);
      requests.push({
        method: 'POST',
        url: `${baseUrl}/conversations`,
        body: JSON.stringify({
          type: 'group',
          name: `k6 ${runId} room ${r}`,
          participants: members.slice(1).map((i) => userId(runId, i)),
        }),
        params: {
          headers: headers(token(runId, members[0])),
          tags: { name: 'POST /conversations' },
        },
      });
    }
    for (const res of http.batch(requests)) {
      const id = res.status === 201 ? (res.json('id') as string | null) : null;
      if (typeof id !== 'string') {
        fail(`POST /conversations answered ${res.status}: ${String(res.body).slice(0, 300)}`);
      }
      ids.push(id);
    }
  }
  return ids;
}

/** POSTs one message; answers whether it was stored (201, or 200 for a retried clientMessageId). */
export function postMessage(
  baseUrl: string,
  bearer: string,
  conversationId: string,
  content: string,
  clientMessageId: string,
): boolean {
  const res = http.post(
    `${baseUrl}/conversations/${conversationId}/messages`,
    JSON.stringify({ content, clientMessageId }),
    { headers: headers(bearer), tags: { name: 'POST /conversations/:id/messages' } },
  );
  return res.status === 201 || res.status === 200;
}
