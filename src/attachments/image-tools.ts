import sharp from 'sharp';

/** Bytes read from an image's start to find its dimensions. */
export const IMAGE_HEADER_BYTES = 64 * 1024;
/** The longest side of a thumbnail. */
export const THUMBNAIL_PX = 320;

/** An image's width and height from its first bytes, or undefined when they do not say. */
export async function imageSize(
  head: Uint8Array,
): Promise<{ width: number; height: number } | undefined> {
  const webp = webpSize(head);
  if (webp) return webp;
  try {
    const { width, height } = await sharp(head, { failOn: 'none' }).metadata();
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/** A WebP of at most THUMBNAIL_PX on its longest side (never enlarged), upright. */
export async function thumbnail(image: Uint8Array) {
  const { data, info } = await sharp(image, { failOn: 'none', animated: false })
    .rotate()
    .resize(THUMBNAIL_PX, THUMBNAIL_PX, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 75 })
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** libwebp refuses a cut file, so a WebP's size is read from its header (RFC 9649). */
function webpSize(b: Uint8Array): { width: number; height: number } | undefined {
  const tag = (at: number) => String.fromCharCode(...b.subarray(at, at + 4));
  if (b.length < 30 || tag(0) !== 'RIFF' || tag(8) !== 'WEBP') return undefined;
  const u24 = (at: number) => b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
  switch (tag(12)) {
    case 'VP8X':
      return { width: u24(24) + 1, height: u24(27) + 1 };
    case 'VP8L': {
      if (b[20] !== 0x2f) return undefined;
      const bits = b[21] | (b[22] << 8) | (b[23] << 16) | (b[24] << 24);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    case 'VP8 ':
      if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) return undefined;
      return { width: (b[26] | (b[27] << 8)) & 0x3fff, height: (b[28] | (b[29] << 8)) & 0x3fff };
    default:
      return undefined;
  }
}
