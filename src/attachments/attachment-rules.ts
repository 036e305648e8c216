/*
 * The pure rules of attachments: file names, what a file's first bytes must look like for
 * its declared type, and how a download is presented. No I/O; tested in
 * attachment-rules.spec.ts.
 */

/** Bytes read from the start of an uploaded object to check it against its declared type. */
export const SNIFF_BYTES = 64;

// C0/C1 controls, and the bidi embeddings, overrides and isolates that can make
// "evil\u202Egnp.exe" display as "evilexe.png".
const FORBIDDEN_NAME_CHARS = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * Why `raw` is not an acceptable display name, or undefined when it is (after trimming: 1-255
 * characters, no path separator, control character or bidi override, not `.` or `..`).
 * The name is for display only; it never becomes part of a storage key.
 */
export function fileNameProblem(raw: string): string | undefined {
  const name = raw.trim();
  if (name.length < 1 || name.length > 255) return 'must be 1-255 characters after trimming';
  if (/[/\\]/.test(name)) return 'must not contain a path separator';
  if (FORBIDDEN_NAME_CHARS.test(name))
    return 'must not contain control characters or bidi overrides';
  if (name === '.' || name === '..') return 'must name a file';
  return undefined;
}

const ascii = (s: string) => Array.from(s, (c) => c.charCodeAt(0));
const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) =>
  b.length >= at + sig.length && sig.every((v, i) => b[at + i] === v);

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ZIP = [0x50, 0x4b, 0x03, 0x04];
const EMPTY_ZIP = [0x50, 0x4b, 0x05, 0x06];
const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
const EBML = [0x1a, 0x45, 0xdf, 0xa3];

const riff = (b: Uint8Array, form: string) =>
  startsWith(b, ascii('RIFF')) && startsWith(b, ascii(form), 8);
const isoMedia = (b: Uint8Array) => startsWith(b, ascii('ftyp'), 4);
const zip = (b: Uint8Array) => startsWith(b, ZIP) || startsWith(b, EMPTY_ZIP);
const mp3 = (b: Uint8Array) =>
  startsWith(b, ascii('ID3')) || (b.length >= 2 && b[0] === 0xff && (b[1] & 0xe0) === 0xe0);

/** Plain text: valid UTF-8 (a character cut at the end of the sample is fine) and no NUL. */
function plainText(b: Uint8Array): boolean {
  if (b.includes(0)) return false;
  let end = b.length;
  // A multi-byte character cut by the sample's end: leave its bytes out.
  for (let i = b.length - 1; i >= Math.max(0, b.length - 3); i--) {
    if (b[i] < 0x80) break;
    if (b[i] >= 0xc0) {
      const length = b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 : 2;
      if (b.length - i < length) end = i;
      break;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(0, end));
    return true;
  } catch {
    return false;
  }
}

const SIGNATURES: Record<string, (b: Uint8Array) => boolean> = {
  'image/png': (b) => startsWith(b, PNG),
  'image/jpeg': (b) => startsWith(b, [0xff, 0xd8, 0xff]),
  'image/gif': (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')),
  'image/webp': (b) => riff(b, 'WEBP'),
  'application/pdf': (b) => startsWith(b, ascii('%PDF-')),
  'text/plain': plainText,
  'application/zip': zip,
  'application/msword': (b) => startsWith(b, OLE),
  'application/vnd.ms-excel': (b) => startsWith(b, OLE),
  'application/vnd.ms-powerpoint': (b) => startsWith(b, OLE),
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': zip,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': zip,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': zip,
  'application/vnd.oasis.opendocument.text': zip,
  'application/vnd.oasis.opendocument.spreadsheet': zip,
  'application/vnd.oasis.opendocument.presentation': zip,
  'audio/mpeg': mp3,
  'audio/ogg': (b) => startsWith(b, ascii('OggS')),
  'video/ogg': (b) => startsWith(b, ascii('OggS')),
  'audio/wav': (b) => riff(b, 'WAVE'),
  'audio/mp4': isoMedia,
  'video/mp4': isoMedia,
  'video/quicktime': isoMedia,
  'audio/webm': (b) => startsWith(b, EBML),
  'video/webm': (b) => startsWith(b, EBML),
};

/**
 * Whether `head` (the object's first bytes) looks like `fileType`. A type the operator added
 * to ATTACHMENT_TYPES that has no known signature is accepted on its declared type alone.
 */
export function matchesSignature(fileType: string, head: Uint8Array): boolean {
  const check = SIGNATURES[fileType];
  return check ? check(head) : true;
}

/** Images every browser renders without running anything: shown inline, everything else downloads. */
const INLINE_SAFE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export const isInlineSafe = (fileType: string) => INLINE_SAFE.has(fileType);

/** Images whose dimensions and thumbnail the attachment jobs compute. */
export const isImage = isInlineSafe;

/**
 * The Content-Disposition a download is served with (RFC 6266 with the RFC 8187 encoded
 * name): `attachment` for every type that is not an inline-safe image.
 */
export function contentDisposition(fileType: string, fileName: string): string {
  const kind = isInlineSafe(fileType) ? 'inline' : 'attachment';
  // The quoted fallback for old clients: ASCII only, without quotes or backslashes.
  const fallback = fileName.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
