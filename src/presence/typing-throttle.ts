/*
 * The typing indicator of one (user, conversation) on the node that receives it, as a pure
 * reducer: `(state, input, now) → { state, emit, wakeAt }`. TypingService owns the state and
 * the timer and only performs what a step asks for.
 *
 * Rules (CONTRACT.md, `typing`):
 * - At most one `isTyping: true` goes out per `throttleMs`, whatever the typist sends. A true
 *   held back while nothing is shown (typing again right after a stop) goes out when the
 *   window ends, so the room never misses that the user is typing.
 * - `isTyping: false` goes out whenever a true was shown, at once (never throttled).
 * - A shown indicator is stopped by the server `timeoutMs` after the typist's last "typing".
 * - `stop` (the typist's socket went away) ends a shown indicator like a false.
 */

export interface TypingOptions {
  throttleMs: number;
  timeoutMs: number;
}

export interface TypingState {
  /** The room was last told `isTyping: true`. */
  shown: boolean;
  /** The typist's last word was "typing" (and not yet expired). */
  wanted: boolean;
  /** When the last `isTyping: true` went out. */
  lastSentAt: number;
  /** When the typist last said "typing". */
  lastInputAt: number;
}

export type TypingInput =
  { kind: 'typing'; isTyping: boolean } | { kind: 'tick' } | { kind: 'stop' };

export interface TypingStep {
  /** undefined: nothing left to remember; the key can be forgotten. */
  state?: TypingState;
  /** The event to send to the room, if any. */
  emit?: boolean;
  /** The input was dropped (throttled, or a stop with nothing shown). */
  dropped: boolean;
  /** When to run a `tick` next (absent with no state). */
  wakeAt?: number;
}

const initial: TypingState = {
  shown: false,
  wanted: false,
  lastSentAt: -Infinity,
  lastInputAt: -Infinity,
};

export function typingStep(
  previous: TypingState | undefined,
  input: TypingInput,
  now: number,
  { throttleMs, timeoutMs }: TypingOptions,
): TypingStep {
  const s = { ...(previous ?? initial) };
  let emit: boolean | undefined;
  let dropped = false;
  const show = () => {
    emit = true;
    s.shown = true;
    s.lastSentAt = now;
  };
  const hide = () => {
    if (s.shown) emit = false;
    s.shown = false;
    s.wanted = false;
  };

  if (input.kind === 'typing' && input.isTyping) {
    s.wanted = true;
    s.lastInputAt = now;
    if (now - s.lastSentAt >= throttleMs) show();
    else dropped = true;
  } else if (input.kind !== 'tick') {
    dropped = !s.shown && input.kind === 'typing';
    hide();
  } else if (s.wanted && now - s.lastInputAt >= timeoutMs) {
    hide();
  } else if (s.wanted && !s.shown && now - s.lastSentAt >= throttleMs) {
    show();
  }

  return { ...next(s, now, throttleMs, timeoutMs), emit, dropped };
}

/** The state worth keeping and when it next needs a tick. */
function next(
  s: TypingState,
  now: number,
  throttleMs: number,
  timeoutMs: number,
): { state?: TypingState; wakeAt?: number } {
  const expiry = s.lastInputAt + timeoutMs;
  if (s.shown) return { state: s, wakeAt: expiry };
  if (s.wanted) return { state: s, wakeAt: Math.min(s.lastSentAt + throttleMs, expiry) };
  // Nothing shown or wanted: remembered only until the throttle window closes.
  const windowEnd = s.lastSentAt + throttleMs;
  return windowEnd > now ? { state: s, wakeAt: windowEnd } : {};
}
