import { TypingSender, TypingWatcher } from './typing';

describe('TypingSender', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends true at most once per throttle while typing, and false after the quiet spell', () => {
    const sent: boolean[] = [];
    const typing = new TypingSender((_, isTyping) => sent.push(isTyping), 2000, 3000, Date.now);
    for (let i = 0; i < 5; i++) {
      typing.typing('c');
      jest.advanceTimersByTime(500);
    }
    // 2.5 s of keystrokes: the first and the renewal after 2 s; the last one was 500 ms ago.
    expect(sent).toEqual([true, true]);
    jest.advanceTimersByTime(2499);
    expect(sent).toEqual([true, true]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([true, true, false]);
  });

  it('stops at once on stop(), and not twice', () => {
    const sent: boolean[] = [];
    const typing = new TypingSender((_, isTyping) => sent.push(isTyping), 2000, 3000, Date.now);
    typing.typing('c');
    typing.stop('c');
    typing.stop('c');
    jest.advanceTimersByTime(5000);
    expect(sent).toEqual([true, false]);
  });
});

describe('TypingWatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('reports changes only, and expires an indicator whose false never came', () => {
    const expired: string[] = [];
    const watcher = new TypingWatcher(8000, (_, user) => expired.push(user));
    expect(watcher.seen('c', 'u', true)).toBe(true);
    expect(watcher.seen('c', 'u', true)).toBe(false);
    expect(watcher.typists('c')).toEqual(['u']);
    jest.advanceTimersByTime(8000);
    expect(expired).toEqual(['u']);
    expect(watcher.typists('c')).toEqual([]);
    expect(watcher.seen('c', 'u', false)).toBe(false);
  });
});
