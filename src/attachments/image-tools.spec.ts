import sharp from 'sharp';
import { imageSize, thumbnail } from './image-tools';

const image = (width: number, height: number, format: 'png' | 'jpeg' | 'webp' | 'gif') =>
  sharp({ create: { width, height, channels: 3, background: '#47a' } })
    .toFormat(format)
    .toBuffer()
    .then((b) => new Uint8Array(b));

describe('image tools', () => {
  it.each(['png', 'jpeg', 'webp', 'gif'] as const)(
    'read a %s image’s dimensions from its first bytes alone',
    async (format) => {
      const bytes = await image(1200, 700, format);
      expect(await imageSize(bytes.subarray(0, Math.min(bytes.length, 512)))).toEqual({
        width: 1200,
        height: 700,
      });
    },
  );

  it('reads lossless and extended WebP headers too', async () => {
    const lossless = new Uint8Array(
      await sharp({ create: { width: 300, height: 45, channels: 4, background: '#47a8' } })
        .webp({ lossless: true })
        .toBuffer(),
    );
    expect(await imageSize(lossless.subarray(0, 64))).toEqual({ width: 300, height: 45 });
  });

  it('answers nothing for bytes that are not an image', async () => {
    expect(await imageSize(new Uint8Array(Buffer.from('<html>')))).toBeUndefined();
  });

  it('makes a WebP thumbnail of at most 320 px, never enlarged', async () => {
    const big = await thumbnail(await image(1000, 500, 'png'));
    expect([big.width, big.height]).toEqual([320, 160]);
    expect((await sharp(big.data).metadata()).format).toBe('webp');
    const small = await thumbnail(await image(100, 80, 'jpeg'));
    expect([small.width, small.height]).toEqual([100, 80]);
  });
});
