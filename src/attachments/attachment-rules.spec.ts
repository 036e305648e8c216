import {
  contentDisposition,
  fileNameProblem,
  isInlineSafe,
  matchesSignature,
} from './attachment-rules';

const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p)] : p)));

describe('attachment file names', () => {
  it.each(['report.pdf', '  photo 1.png  ', 'résumé – final.docx', '日本語.txt', 'a'.repeat(255)])(
    'accepts %p',
    (name) => expect(fileNameProblem(name)).toBeUndefined(),
  );

  it.each([
    ['', 'empty'],
    ['   ', 'blank'],
    ['a'.repeat(256), 'too long'],
    ['../etc/passwd', 'a traversal'],
    ['dir\\file.txt', 'a backslash'],
    ['bad\u0000name.txt', 'a NUL'],
    ['line\nbreak.txt', 'a newline'],
    ['evil\u202Egnp.exe', 'a right-to-left override'],
    ['iso\u2066late.txt', 'a bidi isolate'],
    ['..', 'the parent directory'],
  ])('refuses %p (%s)', (name) => expect(fileNameProblem(name)).toBeDefined());
});

describe('first-bytes check against the declared type', () => {
  const png = bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], [0, 0, 0, 13]);

  it('accepts files that start like their type', () => {
    expect(matchesSignature('image/png', png)).toBe(true);
    expect(matchesSignature('image/jpeg', bytes([0xff, 0xd8, 0xff, 0xe0]))).toBe(true);
    expect(matchesSignature('image/gif', bytes('GIF89a'))).toBe(true);
    expect(matchesSignature('image/webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toBe(true);
    expect(matchesSignature('application/pdf', bytes('%PDF-1.7\n'))).toBe(true);
    expect(matchesSignature('application/zip', bytes([0x50, 0x4b, 0x03, 0x04]))).toBe(true);
    expect(matchesSignature('video/mp4', bytes([0, 0, 0, 0x20], 'ftypisom'))).toBe(true);
    expect(matchesSignature('text/plain', bytes('hello, wörld'))).toBe(true);
  });

  it('refuses HTML (or anything else) declared as an image or a PDF', () => {
    const html = bytes('<!doctype html><script>alert(1)</script>');
    expect(matchesSignature('image/png', html)).toBe(false);
    expect(matchesSignature('image/jpeg', html)).toBe(false);
    expect(matchesSignature('application/pdf', png)).toBe(false);
    expect(matchesSignature('image/png', png.subarray(0, 4))).toBe(false);
  });

  it('refuses binary declared as plain text, but not a character cut by the sample', () => {
    expect(matchesSignature('text/plain', png)).toBe(false);
    expect(matchesSignature('text/plain', bytes([0xff, 0xfe, 0x41]))).toBe(false);
    const cut = Buffer.from('ab€').subarray(0, 4); // '€' is 3 bytes: 2 of them kept
    expect(matchesSignature('text/plain', new Uint8Array(cut))).toBe(true);
  });

  it('accepts a type the operator configured without a known signature', () => {
    expect(matchesSignature('application/x-custom', bytes('anything'))).toBe(true);
  });
});

describe('download presentation', () => {
  it('shows inline-safe images inline and downloads everything else', () => {
    expect(isInlineSafe('image/png')).toBe(true);
    expect(isInlineSafe('image/svg+xml')).toBe(false);
    expect(contentDisposition('image/png', 'a.png')).toMatch(/^inline;/);
    expect(contentDisposition('application/pdf', 'a.pdf')).toMatch(/^attachment;/);
    expect(contentDisposition('text/plain', 'a.txt')).toMatch(/^attachment;/);
  });

  it('encodes the file name as RFC 6266 / RFC 8187 ask, with an ASCII fallback', () => {
    expect(contentDisposition('application/pdf', 'Bericht "Q1" 100%.pdf')).toBe(
      `attachment; filename="Bericht _Q1_ 100_.pdf"; filename*=UTF-8''Bericht%20%22Q1%22%20100%25.pdf`,
    );
    expect(contentDisposition('text/plain', "naïve 'x'.txt")).toBe(
      `attachment; filename="na_ve 'x'.txt"; filename*=UTF-8''na%C3%AFve%20%27x%27.txt`,
    );
  });
});
