/*
 * One member of one room (rooms.ts has the timeline and the configuration): its socket, its
 * sends on the schedule, its deliveries, its recovery after a drop (the README's client:
 * `sync` on reconnect, on a gap and on `sync:required`) and the final audit.
 */
import exec from 'k6/execution';
import { Counter, Rate, Trend } from 'k6/metrics';
import { clearTimeout, setTimeout } from 'k6/timers';
import {
  dueAt,
  memberOf,
  readStamp,
  SeqLog,
  stampContent,
  type ChatMessage,
  type SyncAnswer,
} from './chat.ts';
import { token } from './identity.ts';
import { ChatConnection } from './k6-chat.ts';
import type { RoomsConfig, RoomsData } from './rooms.ts';

/** Send (when it was due) → `message:new` at a member, per delivery. */
export const deliveryMs = new Trend('parley_delivery_ms', true);
export const deliveries = new Counter('parley_deliveries');
/** A `message:new` a member had already seen (the contract delivers each once per socket). */
export const duplicates = new Counter('parley_duplicates');
/** Stored messages a member never received, live or by recovery, by the end of the drain. */
export const missing = new Counter('parley_messages_missing');
/** Share of members that could run the final audit (connected, `sync` answered). */
export const auditOk = new Rate('parley_audit_ok');
/** Sends acknowledged `{ ok: true }`: the message is durably stored. */
export const stored = new Counter('parley_messages_stored');
/** Sends that were due while the sender's socket was down (not sent, not counted as load). */
export const skipped = new Counter('parley_sends_skipped');
/** How late the generator sent against the schedule: a large lag means k6 itself was the limit. */
export const sendLag = new Trend('parley_send_lag_ms', true);
/** S5: messages a reconnected member got from `sync`, not live. */
export const recovered = new Counter('parley_messages_recovered');
/** S5: from a drop to the end of the `sync` that caught up, per reconnect. */
export const recoveryMs = new Trend('parley_recovery_ms', true);
export const recoveryOk = new Rate('parley_recovery_ok');
/** S5: messages `sync` returned that the member already had, per reconnect. */
export const resent = new Trend('parley_resent_per_reconnect');

const MAX_SYNC_PAGES = 1000;
const RECONNECT_DELAY_MS = 1000;

/** The VU body: plays its member until the audit, then closes. */
export function runMember(cfg: RoomsConfig, data: RoomsData): void {
  const vu = exec.vu.idInTest - 1;
  const { room, member } = memberOf(vu, cfg.members);
  const conversationId = data.rooms[room];
  if (conversationId === undefined) return;
  const user = room * cfg.roomSize + member;
  const node = vu % cfg.urls.length;
  const tags = { node: `n${node + 1}` };
  const stopAt = data.startAt + cfg.sendMs;
  const auditAt = stopAt + cfg.drainMs;
  const log = new SeqLog();
  let conn!: ChatConnection;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set by the audit: no connection is opened after it. */
  let finished = false;
  let droppedAt: number | undefined;
  let syncing = false;
  let syncAgain = false;

  /** Pages `sync` from the log's cursor; `fresh` sees what the member did not have. */
  function sync(fresh: (m: ChatMessage) => void, done: (ok: boolean, repeats: number) => void) {
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    let repeats = 0;
    let pages = 0;
    const finish = (ok: boolean) => {
      syncing = false;
      if (ok && syncAgain) {
        syncAgain = false;
        return sync(fresh, (again, more) => done(again, repeats + more));
      }
      done(ok, repeats);
    };
    const page = (): boolean =>
      conn.command<SyncAnswer>('sync', { cursors: { [conversationId]: log.cursor } }, (answer) => {
        if (!answer.ok) return finish(false);
        const got = answer.data[conversationId] ?? { messages: [], hasMore: false };
        for (const m of got.messages) {
          if (m.conversationId !== conversationId || !log.see(m.seq)) repeats++;
          else fresh(m);
        }
        if (!got.hasMore) return finish(true);
        if (++pages >= MAX_SYNC_PAGES || !page()) finish(false);
      });
    if (!page()) finish(false);
  }

  function recover(): void {
    const since = droppedAt;
    droppedAt = undefined;
    sync(
      () => recovered.add(1, tags),
      (ok, repeats) => {
        if (since === undefined) return;
        recoveryOk.add(ok, tags);
        if (ok) {
          recoveryMs.add(Date.now() - since, tags);
          resent.add(repeats, tags);
        }
      },
    );
  }

  function onLive(m: ChatMessage): void {
    if (m.conversationId !== conversationId) return;
    if (!log.see(m.seq)) return void duplicates.add(1, tags);
    deliveries.add(1, tags);
    const stamp = readStamp(m.content);
    if (stamp) {
      const cross = stamp.origin.split('.')[0] === String(node) ? 'no' : 'yes';
      deliveryMs.add(Date.now() - stamp.dueAt, { ...tags, cross });
    }
    if (cfg.recover && log.gaps > 0)
      sync(
        () => recovered.add(1, tags),
        () => undefined,
      );
  }

  /** One pending reconnect at most, whoever asks (a drop, the storm). */
  function reconnectIn(ms: number): void {
    if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(() => {
      reconnectTimer = undefined;
      connect();
    }, ms);
  }

  function connect(): void {
    if (finished) return;
    // One connection per member: a live one is dropped before its replacement opens.
    if (conn !== undefined && conn.client.state !== 'closed') conn.drop();
    conn = new ChatConnection(
      { url: cfg.urls[node], token: token(data.runId, user), tags, ackTimeoutMs: cfg.ackTimeoutMs },
      {
        connect: () => {
          if (cfg.recover && droppedAt !== undefined) recover();
        },
        event: (name, payload) => {
          if (name === 'message:new') onLive(payload as ChatMessage);
          else if (name === 'sync:required' && cfg.recover) {
            sync(
              () => recovered.add(1, tags),
              () => undefined,
            );
          }
        },
        closed: (_reason, expected) => {
          // A connection the server or network ended: reconnect and recover, as a client would.
          if (expected || !cfg.recover || Date.now() >= auditAt) return;
          droppedAt = Date.now();
          reconnectIn(RECONNECT_DELAY_MS);
        },
      },
    );
  }

  connect();
  if (member < cfg.senders) scheduleSends();
  if (cfg.storm && stormPicks(vu, cfg.storm.fraction)) {
    const { atMs, spreadMs } = cfg.storm;
    setTimeout(
      () => {
        droppedAt = Date.now();
        conn.drop();
        reconnectIn(Math.random() * spreadMs);
      },
      data.startAt + atMs - Date.now(),
    );
  }
  setTimeout(audit, auditAt - Date.now());

  function scheduleSends(): void {
    let k = 0;
    const next = () => {
      const due = dueAt(data.startAt, cfg.rate, cfg.senders, member, k);
      if (due >= stopAt) return;
      setTimeout(
        () => {
          sendLag.add(Date.now() - due, tags);
          const sentNow = conn.command<ChatMessage>(
            'message:send',
            {
              conversationId,
              content: stampContent(due, `${node}.${vu}`, cfg.messageBytes),
              clientMessageId: `${data.runId}.${vu}.${k}`,
            },
            (answer) => {
              if (answer.ok) stored.add(1, tags);
            },
          );
          if (!sentNow) skipped.add(1, tags);
          k++;
          next();
        },
        Math.max(0, due - Date.now()),
      );
    };
    next();
  }

  function audit(): void {
    // A recovery still paging finishes first (each page is bounded by the ack timeout).
    if (syncing && conn.connected) return void setTimeout(audit, 50);
    finished = true;
    if (reconnectTimer !== undefined) clearTimeout(reconnectTimer);
    if (!conn.connected) {
      auditOk.add(false, tags);
      return conn.close();
    }
    let never = 0;
    sync(
      () => never++,
      (ok) => {
        auditOk.add(ok, tags);
        if (ok) missing.add(never, tags);
        conn.close();
      },
    );
  }
}

/** Spreads a storm's drops evenly over VU numbers (golden-ratio sequence), reproducibly. */
function stormPicks(vu: number, fraction: number): boolean {
  return (vu * 0.6180339887498949) % 1 < fraction;
}
