// The Parley demo: a small chat built on @parley/client only (no framework, no build step).
// Sign in as one of a made-up cast; every node serves this page at /demo.
import { connect, tokenClaims } from '@parley/client';

const CAST = [
  { id: '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e01', name: 'Ada', color: '#7b5cd6' },
  { id: '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e02', name: 'Grace', color: '#d6615c' },
  { id: '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e03', name: 'Alan', color: '#2f9e8f' },
  { id: '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e04', name: 'Edsger', color: '#d69a2f' },
  { id: '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e05', name: 'Barbara', color: '#3f7fd6' },
  { id: '3b0c8f0e-0d5b-4c7e-9f0a-6a1d2c3b4e06', name: 'Ken', color: '#5f8f3a' },
];
const person = (id) =>
  CAST.find((p) => p.id === id) ?? { id, name: id.slice(0, 8), color: '#8892a0' };
const PAGE = 30;

const $ = (id) => document.getElementById(id);
/** h('div', { class: 'x', onclick }, child, 'text'): text is always set as text, never HTML. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c != null) el.append(c);
  return el;
}

const state = {
  me: null,
  parley: null,
  conversations: new Map(), // id → list item (with unreadCount)
  openId: null,
  messages: new Map(), // seq → message, of the open conversation
  hasOlder: false,
  read: new Map(), // userId → highest read seq, in the open conversation
  delivered: new Map(),
};

// ---- sign-in ---------------------------------------------------------------------------

async function devToken(userId) {
  const res = await fetch('/demo/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  if (res.status === 404) throw new Error('dev sign-in is off (DEMO_ENABLED=false)');
  if (!res.ok) throw new Error(`sign-in failed: ${res.status}`);
  return (await res.json()).token;
}

function showSignIn(note) {
  const pasted = h('textarea', { rows: 4, placeholder: 'or paste a token (JWT) for this service' });
  $('app').replaceChildren(
    h(
      'section',
      { class: 'signin' },
      h('h1', {}, 'Sign in'),
      h('div', { class: 'muted' }, 'as a made-up user (development sign-in)'),
      h(
        'div',
        { class: 'cast' },
        CAST.map((p) =>
          h('button', { 'data-test': `signin-${p.name}`, onclick: () => signIn(p.id) }, p.name),
        ),
      ),
      note ? h('p', { class: 'muted' }, note) : null,
      pasted,
      h(
        'button',
        { onclick: () => pasted.value.trim() && signIn(null, pasted.value.trim()) },
        'Use token',
      ),
    ),
  );
}

async function signIn(userId, token) {
  const getToken = token ? () => token : () => devToken(userId);
  let first;
  try {
    first = await getToken(); // fail here, with a word, rather than in the socket
  } catch (err) {
    return showSignIn(String(err.message));
  }
  state.me = person(tokenClaims(first).sub ?? '');
  $('me').textContent = `signed in as ${state.me.name}`;
  sessionStorage.setItem('parley-demo-user', userId ?? '');
  const parley = connect({ url: location.origin, getToken });
  state.parley = parley;
  wire(parley);
  $('signout').hidden = false;
  renderShell();
  await loadConversations();
}

// ---- the client's events -----------------------------------------------------------------

function wire(parley) {
  parley.on('status', ({ status }) => {
    $('status').textContent = status === 'live' ? 'live' : status;
    $('status').classList.toggle('live', status === 'live');
  });
  parley.on('message', (m) => {
    const c = state.conversations.get(m.conversationId);
    if (c) {
      c.lastMessage = {
        seq: m.seq,
        senderId: m.senderId,
        preview: m.content,
        createdAt: m.createdAt,
      };
      c.lastMessageAt = m.createdAt;
      c.lastSeq = m.seq;
      if (m.senderId !== parley.userId && m.conversationId !== state.openId) c.unreadCount += 1;
    } else void refreshConversation(m.conversationId);
    if (m.conversationId === state.openId) {
      state.messages.set(m.seq, m);
      if (document.visibilityState === 'visible') parley.markRead(m.conversationId, m.seq);
      renderMessages(true);
    }
    renderList();
  });
  parley.on('message:updated', replace);
  parley.on('message:deleted', replace);
  parley.on('pending', (p) => p.conversationId === state.openId && renderMessages(true));
  parley.on('pending:failed', ({ pending, error }) => {
    if (pending.conversationId === state.openId) alert(`not sent: ${error.message}`);
    renderMessages();
  });
  parley.on('conversation:created', (c) => {
    state.conversations.set(c.id, { ...c, unreadCount: 0 });
    void parley.subscribePresence(c.participants);
    renderList();
  });
  parley.on('conversation:updated', (c) => {
    const known = state.conversations.get(c.id);
    state.conversations.set(c.id, { ...known, ...c, unreadCount: known?.unreadCount ?? 0 });
    renderList();
  });
  parley.on('conversation:deleted', (c) => {
    state.conversations.delete(c.id);
    if (state.openId === c.id) state.openId = null;
    renderShell();
  });
  parley.on('typing', (t) => t.conversationId === state.openId && renderTyping());
  parley.on('receipt', (r) => {
    if (r.conversationId !== state.openId) return;
    const cursors = r.type === 'read' ? state.read : state.delivered;
    cursors.set(r.userId, Math.max(r.seq, cursors.get(r.userId) ?? 0));
    renderMessages();
  });
  parley.on('presence', () => {
    renderList();
    renderHeader();
  });
}

function replace(m) {
  if (m.conversationId === state.openId && state.messages.has(m.seq)) {
    state.messages.set(m.seq, m);
    renderMessages();
  }
}

async function loadConversations() {
  const page = await state.parley.conversations({ limit: 100 });
  for (const c of page.items) state.conversations.set(c.id, c);
  const others = new Set(page.items.flatMap((c) => c.participants));
  others.delete(state.parley.userId);
  if (others.size) await state.parley.subscribePresence([...others]);
  renderList();
}

async function refreshConversation(id) {
  const c = await state.parley.conversation(id);
  state.conversations.set(id, { ...c, unreadCount: c.lastSeq - c.readSeq });
  renderList();
}

async function open(id) {
  state.openId = id;
  state.messages = new Map();
  state.read = new Map();
  state.delivered = new Map();
  renderShell();
  const page = await state.parley.history(id, { limit: PAGE });
  if (state.openId !== id) return;
  for (const m of page.items) addWithCursors(m);
  state.hasOlder = page.hasMore;
  const c = state.conversations.get(id);
  if (c) c.unreadCount = 0;
  const last = page.items.at(-1);
  if (last) state.parley.markRead(id, last.seq);
  renderList();
  renderMessages(true);
}

/** A served message tells who had read and received it: the start of each member's cursor. */
function addWithCursors(m) {
  state.messages.set(m.seq, m);
  for (const u of m.readBy) state.read.set(u, Math.max(m.seq, state.read.get(u) ?? 0));
  for (const u of m.deliveredTo)
    state.delivered.set(u, Math.max(m.seq, state.delivered.get(u) ?? 0));
}

async function older() {
  const first = Math.min(...state.messages.keys());
  const page = await state.parley.history(state.openId, { before: first, limit: PAGE });
  page.items.forEach(addWithCursors);
  state.hasOlder = page.hasMore;
  renderMessages();
}

// ---- rendering ---------------------------------------------------------------------------

function title(c) {
  if (c.type === 'group') return c.name;
  const other = c.participants.find((p) => p !== state.parley.userId);
  return person(other ?? state.parley.userId).name;
}

function avatar(c) {
  const other = c.type === 'private' ? c.participants.find((p) => p !== state.parley.userId) : null;
  const p = other ? person(other) : { name: c.name ?? '#', color: '#5b6673' };
  const online = other && state.parley.presence(other)?.status === 'online';
  return h(
    'span',
    { class: 'avatar', style: `background:${p.color}` },
    p.name.slice(0, 1).toUpperCase(),
    other ? h('span', { class: `dot${online ? ' online' : ''}`, 'data-test': 'presence' }) : null,
  );
}

function renderShell() {
  const people = CAST.filter((p) => p.id !== state.me?.id);
  const name = h('input', {
    type: 'text',
    placeholder: 'group name (2+ people)',
    'data-test': 'group-name',
  });
  $('app').replaceChildren(
    h(
      'aside',
      { class: 'sidebar' },
      h('h2', {}, 'Conversations'),
      h('div', { class: 'list', id: 'list' }),
      h(
        'div',
        { class: 'new' },
        h('h2', {}, 'New conversation'),
        h(
          'div',
          { class: 'people' },
          people.map((p) =>
            h('label', {}, h('input', { type: 'checkbox', value: p.id }), ` ${p.name}`),
          ),
        ),
        h(
          'form',
          {
            onsubmit: (e) => {
              e.preventDefault();
              const picked = [...e.target.closest('.new').querySelectorAll('input:checked')].map(
                (i) => i.value,
              );
              void create(picked, name.value.trim());
            },
          },
          name,
          h('button', { class: 'primary', 'data-test': 'create' }, 'Start'),
        ),
      ),
    ),
    state.openId
      ? renderChat()
      : h(
          'section',
          { class: 'chat' },
          h('div', { class: 'empty' }, 'Pick a conversation, or start one.'),
        ),
  );
  renderList();
}

async function create(participants, name) {
  if (participants.length === 0) return;
  const body =
    participants.length === 1 && !name
      ? { type: 'private', participants }
      : { type: 'group', name: name || 'group', participants };
  const c = await state.parley.createConversation(body);
  if (!state.conversations.has(c.id)) state.conversations.set(c.id, { ...c, unreadCount: 0 });
  void state.parley.subscribePresence(c.participants.filter((p) => p !== state.parley.userId));
  await open(c.id);
}

function renderList() {
  const list = $('list');
  if (!list || !state.parley) return;
  const items = [...state.conversations.values()].sort((a, b) =>
    String(b.lastMessageAt ?? b.createdAt).localeCompare(String(a.lastMessageAt ?? a.createdAt)),
  );
  list.replaceChildren(
    ...items.map((c) =>
      h(
        'div',
        {
          class: `item${c.id === state.openId ? ' open' : ''}`,
          'data-test': 'conversation',
          'data-id': c.id,
          onclick: () => open(c.id),
        },
        avatar(c),
        h(
          'div',
          { class: 'text' },
          h('div', { class: 'name' }, title(c)),
          h('div', { class: 'preview' }, c.lastMessage?.preview ?? 'no messages yet'),
        ),
        c.unreadCount > 0
          ? h('span', { class: 'badge', 'data-test': 'unread' }, String(c.unreadCount))
          : null,
      ),
    ),
  );
}

function renderChat() {
  const input = h('input', {
    type: 'text',
    placeholder: 'Write a message',
    'data-test': 'composer',
    oninput: () => input.value && state.parley.typing(state.openId),
  });
  return h(
    'section',
    { class: 'chat' },
    h('header', { id: 'chat-header' }),
    h('div', { class: 'messages', id: 'messages' }),
    h('div', { class: 'typing', id: 'typing', 'data-test': 'typing' }),
    h(
      'form',
      {
        class: 'composer',
        onsubmit: (e) => {
          e.preventDefault();
          const text = input.value.trim();
          if (!text) return;
          input.value = '';
          state.parley.send(state.openId, text).catch(() => undefined);
        },
      },
      input,
      h('button', { class: 'primary', 'data-test': 'send' }, 'Send'),
    ),
  );
}

function renderHeader() {
  const header = $('chat-header');
  const c = state.conversations.get(state.openId);
  if (!header || !c) return;
  const members = c.participants.map((id) => {
    const online = id === state.parley.userId || state.parley.presence(id)?.status === 'online';
    return h('span', { class: online ? 'on' : '' }, `${online ? '●' : '○'} ${person(id).name} `);
  });
  header.replaceChildren(
    h('div', { class: 'name' }, h('strong', {}, title(c))),
    h('div', { class: 'who' }, members),
  );
}

function receiptOf(m, c) {
  const others = c.participants.filter((p) => p !== state.parley.userId);
  const readers = others.filter((u) => (state.read.get(u) ?? 0) >= m.seq);
  const receivers = others.filter(
    (u) => (state.delivered.get(u) ?? 0) >= m.seq || readers.includes(u),
  );
  if (c.type === 'private') {
    if (readers.length)
      return h('span', { class: 'receipt read', 'data-test': 'receipt' }, '✓✓ Read');
    if (receivers.length)
      return h('span', { class: 'receipt', 'data-test': 'receipt' }, '✓✓ Delivered');
    return h('span', { class: 'receipt', 'data-test': 'receipt' }, '✓ Sent');
  }
  return h(
    'span',
    { class: `receipt${readers.length ? ' read' : ''}`, 'data-test': 'receipt' },
    readers.length ? `✓✓ Read by ${readers.map((u) => person(u).name).join(', ')}` : '✓ Sent',
  );
}

function renderMessages(scroll = false) {
  const box = $('messages');
  const c = state.conversations.get(state.openId);
  if (!box || !c) return;
  renderHeader();
  const me = state.parley.userId;
  const sorted = [...state.messages.values()].sort((a, b) => a.seq - b.seq);
  const lastMine = sorted.filter((m) => m.senderId === me).at(-1);
  const time = (iso) =>
    new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const pending = state.parley.state(state.openId)?.pending ?? [];
  const olderButton = state.hasOlder
    ? h('button', { class: 'older', 'data-test': 'older', onclick: older }, 'Load older messages')
    : [];
  box.replaceChildren(
    ...[olderButton].flat(),
    ...sorted.map((m) =>
      h(
        'div',
        {
          class: `msg${m.senderId === me ? ' mine' : ''}`,
          'data-test': 'message',
          'data-seq': String(m.seq),
        },
        h('div', { class: 'body' }, m.deletedAt ? 'message deleted' : m.content),
        h(
          'div',
          { class: 'meta' },
          `${m.senderId === me ? '' : `${person(m.senderId).name} · `}${time(m.createdAt)} `,
          m === lastMine ? receiptOf(m, c) : null,
        ),
      ),
    ),
    ...pending.map((p) =>
      h(
        'div',
        { class: 'msg mine pending', 'data-test': 'pending' },
        h('div', { class: 'body' }, p.content),
        h('div', { class: 'meta' }, p.attempts > 1 ? `retrying (${p.attempts})…` : 'sending…'),
      ),
    ),
  );
  if (scroll) box.scrollTop = box.scrollHeight;
}

function renderTyping() {
  const line = $('typing');
  if (!line) return;
  const names = state.parley.typists(state.openId).map((u) => person(u).name);
  line.textContent = names.length
    ? `${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} typing…`
    : '';
}

// ---- start -------------------------------------------------------------------------------

$('signout').addEventListener('click', () => {
  sessionStorage.removeItem('parley-demo-user');
  location.reload();
});
document.addEventListener('visibilitychange', () => {
  const last = Math.max(0, ...state.messages.keys());
  if (document.visibilityState === 'visible' && state.openId && last)
    state.parley.markRead(state.openId, last);
});
const remembered = sessionStorage.getItem('parley-demo-user');
if (remembered) void signIn(remembered);
else showSignIn();
