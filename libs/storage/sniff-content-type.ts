/** Content types the sniffer can answer; anything else is served as a download of opaque bytes. */
export const SNIFFED_TYPES = [
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'application/zip',
  'application/gzip',
  'application/json',
  'text/plain; charset=utf-8',
  'application/octet-stream',
] as const;
export type SniffedType = (typeof SNIFFED_TYPES)[number];

const MAGIC: { type: SniffedType; bytes: number[][] }[] = [
  { type: 'application/pdf', bytes: [[0x25, 0x50, 0x44, 0x46, 0x2d]] },
  { type: 'image/png', bytes: [[0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]] },
  { type: 'image/jpeg', bytes: [[0xff, 0xd8, 0xff]] },
  {
    type: 'image/gif',
    bytes: [
      [0x47, 0x49, 0x46, 0x38, 0x37, 0x61],
      [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
    ],
  },
  {
    type: 'application/zip',
    bytes: [
      [0x50, 0x4b, 0x03, 0x04],
      [0x50, 0x4b, 0x05, 0x06],
      [0x50, 0x4b, 0x07, 0x08],
    ],
  },
  { type: 'application/gzip', bytes: [[0x1f, 0x8b, 0x08]] },
];

const startsWith = (head: Buffer, sig: number[]) => head.length >= sig.length && sig.every((b, i) => head[i] === b);

/** UTF-8 text of `head`, or null; a head cut short may end inside a character (up to 3 bytes dropped). */
function decodeUtf8(head: Buffer, complete: boolean): string | null {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let drop = 0; drop <= (complete ? 0 : 3) && drop < head.length; drop++) {
    try {
      return decoder.decode(head.subarray(0, head.length - drop));
    } catch {
      /* try shorter */
    }
  }
  return null;
}

/** Control characters other than tab, line feed, form feed and carriage return mark binary data. */
// eslint-disable-next-line no-control-regex
const BINARY_CONTROL = /[\u0000-\u0008\u000b\u000e-\u001a\u001c-\u001f\u007f]/;

function looksLikeJson(text: string, complete: boolean): boolean {
  const t = text.trimStart().replace(/^\uFEFF/, '');
  if (!t.startsWith('{') && !t.startsWith('[')) {
    return false;
  }
  if (!complete) {
    return true;
  }
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
}

/**
 * The content type of a blob from its first bytes (magic numbers, then a UTF-8 text check). Never
 * answers a type a browser would render as active content (HTML, SVG, XML are plain text here);
 * the client's declared type plays no part.
 * `complete`: `head` is the whole content (decides JSON by parsing it).
 */
export function sniffContentType(head: Buffer, complete: boolean): SniffedType {
  for (const m of MAGIC) {
    if (m.bytes.some((sig) => startsWith(head, sig))) {
      return m.type;
    }
  }
  if (head.length === 0) {
    return 'application/octet-stream';
  }
  const text = decodeUtf8(head, complete);
  if (text === null || BINARY_CONTROL.test(text)) {
    return 'application/octet-stream';
  }
  return looksLikeJson(text, complete) ? 'application/json' : 'text/plain; charset=utf-8';
}
