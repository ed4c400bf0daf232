export interface ChunkOptions {
  /** target size of a chunk in characters */
  size: number;
  /** characters of the previous chunk repeated at the start of the next */
  overlap: number;
}

/** ~200 tokens of English per chunk (the built-in model reads 256), 20% overlap. */
export const DEFAULT_CHUNKING: ChunkOptions = { size: 900, overlap: 180 };

/**
 * Splits text into chunks of about `size` characters that overlap by about `overlap` characters.
 * Cuts fall on a paragraph break, else a sentence end, else a space, searched backwards from the
 * target end (never before half the chunk), so words are not split; each next chunk starts
 * `overlap` characters before the previous end, moved forward to a word start.
 */
export function chunkText(text: string, opts: ChunkOptions = DEFAULT_CHUNKING): string[] {
  const clean = text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+/g, ' ')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  if (!clean) {
    return [];
  }
  if (clean.length <= opts.size) {
    return [clean];
  }
  const chunks: string[] = [];
  let start = 0;
  while (start < clean.length) {
    let end = Math.min(start + opts.size, clean.length);
    if (end < clean.length) {
      end = cutPoint(clean, start, end);
    }
    const piece = clean.slice(start, end).trim();
    if (piece) {
      chunks.push(piece);
    }
    if (end >= clean.length) {
      break;
    }
    let next = Math.max(end - opts.overlap, start + 1);
    // start on a word
    while (next < end && !/\s/.test(clean[next - 1] ?? ' ')) {
      next++;
    }
    start = next;
  }
  return chunks;
}

function cutPoint(text: string, start: number, end: number): number {
  const min = start + Math.floor((end - start) / 2);
  const window = text.slice(min, end);
  const para = window.lastIndexOf('\n\n');
  if (para >= 0) {
    return min + para + 2;
  }
  const sentence = Math.max(
    window.lastIndexOf('. '),
    window.lastIndexOf('! '),
    window.lastIndexOf('? '),
    window.lastIndexOf('\n'),
  );
  if (sentence >= 0) {
    return min + sentence + 1;
  }
  const space = window.lastIndexOf(' ');
  return space >= 0 ? min + space + 1 : end;
}
