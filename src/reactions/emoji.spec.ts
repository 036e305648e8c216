import { normalizeEmoji } from './emoji';

const points = (s: string | undefined) =>
  s === undefined ? undefined : [...s].map((p) => p.codePointAt(0)!.toString(16)).join(' ');

describe('normalizeEmoji', () => {
  it('counts text and emoji presentation as one (the fully-qualified form)', () => {
    expect(points(normalizeEmoji('\u2764'))).toBe('2764 fe0f');
    expect(normalizeEmoji('\u2764\uFE0F')).toBe(normalizeEmoji('\u2764'));
    expect(normalizeEmoji('\u2764\uFE0E')).toBe(normalizeEmoji('\u2764'));
    // Inside a ZWJ sequence too: ❤‍🔥 with and without U+FE0F.
    expect(normalizeEmoji('\u2764\u200D\u{1F525}')).toBe('\u2764\uFE0F\u200D\u{1F525}');
    expect(normalizeEmoji('\u{1F3F3}\u200D\u{1F308}')).toBe('\u{1F3F3}\uFE0F\u200D\u{1F308}');
    // Keycaps: 1⃣ is 1️⃣.
    expect(normalizeEmoji('1\u20E3')).toBe('1\uFE0F\u20E3');
  });

  it('accepts ZWJ families, skin tones, flags and tag sequences unchanged', () => {
    for (const e of ['👍', '👨‍👩‍👧‍👦', '👍🏽', '🧑🏽‍🚀', '☝🏻', '🇫🇷', '🏴󠁧󠁢󠁳󠁣󠁴󠁿']) {
      expect(normalizeEmoji(e)).toBe(e);
    }
  });

  it('accepts shortcodes of [a-z0-9_+-]', () => {
    expect(normalizeEmoji(':thumbsup:')).toBe(':thumbsup:');
    expect(normalizeEmoji(':+1:')).toBe(':+1:');
    expect(normalizeEmoji(`:${'a'.repeat(64)}:`)).toBeDefined();
    for (const bad of [':A:', '::', `:${'a'.repeat(65)}:`, ':a b:', 'thumbsup']) {
      expect(normalizeEmoji(bad)).toBeUndefined();
    }
  });

  it('refuses markup, letters, digits, two emoji and an emoji with text', () => {
    for (const bad of ['<script>', 'a', '1', '#', '👍👍', '👍a', ' 👍', '', '🇫', '\u200D']) {
      expect(normalizeEmoji(bad)).toBeUndefined();
    }
  });
});
