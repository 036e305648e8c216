import { TypingInput, TypingState, typingStep } from './typing-throttle';

const opts = { throttleMs: 2000, timeoutMs: 5000 };
const typing = (isTyping: boolean): TypingInput => ({ kind: 'typing', isTyping });
const tick: TypingInput = { kind: 'tick' };

/** Feeds inputs at the given times, running due ticks in between like TypingService does. */
function run(inputs: [number, TypingInput][], until: number) {
  let state: TypingState | undefined;
  let wakeAt: number | undefined;
  const out: [number, boolean][] = [];
  const apply = (at: number, input: TypingInput) => {
    const step = typingStep(state, input, at, opts);
    state = step.state;
    wakeAt = step.wakeAt;
    if (step.emit !== undefined) out.push([at, step.emit]);
    return step;
  };
  const ticksUntil = (t: number) => {
    while (wakeAt !== undefined && wakeAt <= t) apply(wakeAt, tick);
  };
  for (const [at, input] of inputs) {
    ticksUntil(at);
    apply(at, input);
  }
  ticksUntil(until);
  return { out, state };
}

describe('typingStep', () => {
  it('turns a burst into one true, then stops it after the timeout of silence', () => {
    const burst = Array.from({ length: 20 }, (_, i): [number, TypingInput] => [
      i * 25,
      typing(true),
    ]);
    const { out, state } = run(burst, 60_000);
    expect(out).toEqual([
      [0, true],
      [475 + 5000, false],
    ]);
    expect(state).toBeUndefined();
  });

  it('sends at most one true per window while the typist keeps typing', () => {
    const steady = Array.from({ length: 30 }, (_, i): [number, TypingInput] => [
      i * 300,
      typing(true),
    ]);
    const { out } = run(steady, 8700);
    expect(out.filter(([, v]) => v).map(([t]) => t)).toEqual([0, 2100, 4200, 6300, 8400]);
  });

  it('lets a false through at once after a shown true, and drops a false with nothing shown', () => {
    expect(typingStep(undefined, typing(false), 0, opts)).toEqual({ dropped: true });
    const { out } = run(
      [
        [0, typing(true)],
        [100, typing(false)],
        [150, typing(false)],
      ],
      10_000,
    );
    expect(out).toEqual([
      [0, true],
      [100, false],
    ]);
  });

  it('holds a true that follows a stop until the window ends, and cancels it on a new stop', () => {
    const resumed = run(
      [
        [0, typing(true)],
        [100, typing(false)],
        [200, typing(true)],
      ],
      2000,
    );
    expect(resumed.out).toEqual([
      [0, true],
      [100, false],
      [2000, true],
    ]);
    const cancelled = run(
      [
        [0, typing(true)],
        [100, typing(false)],
        [200, typing(true)],
        [300, typing(false)],
      ],
      10_000,
    );
    expect(cancelled.out).toEqual([
      [0, true],
      [100, false],
    ]);
    expect(cancelled.state).toBeUndefined();
  });

  it('alternating true/false in half a second reaches the room twice', () => {
    const flicker = Array.from({ length: 20 }, (_, i): [number, TypingInput] => [
      i * 25,
      typing(i % 2 === 0),
    ]);
    expect(run(flicker, 10_000).out).toEqual([
      [0, true],
      [25, false],
    ]);
  });

  it('ends a shown indicator on stop, and a stop with nothing shown emits nothing', () => {
    const shown = typingStep(undefined, typing(true), 0, opts);
    const stopped = typingStep(shown.state, { kind: 'stop' }, 10, opts);
    expect(stopped).toMatchObject({ emit: false, dropped: false, wakeAt: 2000 });
    expect(typingStep(undefined, { kind: 'stop' }, 0, opts)).toEqual({ dropped: false });
  });

  it('asks for a tick at the expiry while shown and forgets once the window is over', () => {
    const shown = typingStep(undefined, typing(true), 1000, opts);
    expect(shown).toMatchObject({ emit: true, wakeAt: 6000 });
    const early = typingStep(shown.state, tick, 3000, opts);
    expect(early).toMatchObject({ emit: undefined, wakeAt: 6000 });
    const expired = typingStep(shown.state, tick, 6000, opts);
    expect(expired).toEqual({ emit: false, dropped: false });
  });
});
