/*
 * What a reaction may be: one fully-qualified RGI emoji (sequences, ZWJ sequences and skin
 * tones included) or a `:shortcode:`. Text and emoji presentation are one reaction, so every
 * emoji is stored in its fully-qualified form (`❤` and `❤️` are both U+2764 U+FE0F).
 */

// `v`-flag regexes (Node 20); built from strings because the compile target (ES2023) has no v.
const RGI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const SHORTCODE = /^:[a-z0-9_+-]{1,64}:$/;
/** An emoji code point whose default presentation is text (it takes U+FE0F to be an emoji). */
const TEXT_DEFAULT = new RegExp(
  '^[\\p{Emoji}--\\p{Emoji_Presentation}--\\p{Emoji_Modifier}]$',
  'v',
);
const MODIFIER = /^\p{Emoji_Modifier}$/u;
const VARIATION_SELECTOR = /[\uFE0E\uFE0F]/g;

/** Longest input looked at (UTF-16 units): the longest RGI sequences are about 35. */
export const EMOJI_MAX_LENGTH = 80;

/**
 * The reaction's canonical form, or undefined when `input` is neither one RGI emoji nor a
 * shortcode. The fully-qualified form is found by dropping every variation selector and
 * adding U+FE0F after each text-default code point that no skin-tone modifier follows.
 */
export function normalizeEmoji(input: string): string | undefined {
  if (input.length === 0 || input.length > EMOJI_MAX_LENGTH) return undefined;
  if (SHORTCODE.test(input)) return input;
  const bare = input.normalize('NFC').replace(VARIATION_SELECTOR, '');
  if (RGI.test(bare)) return bare;
  const points = [...bare];
  let qualified = '';
  points.forEach((p, i) => {
    qualified += p;
    if (TEXT_DEFAULT.test(p) && !MODIFIER.test(points[i + 1] ?? '')) qualified += '\uFE0F';
  });
  return RGI.test(qualified) ? qualified : undefined;
}
