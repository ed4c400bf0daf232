import { extractPdf } from './pdf-text';

export const CONTENT_TYPES = ['text', 'markdown', 'html', 'pdf'] as const;
export type RagContentType = (typeof CONTENT_TYPES)[number];

/** The content type of an upload from its MIME type or file name; undefined when not supported. */
export function contentTypeOf(mime: string | undefined, filename: string | undefined): RagContentType | undefined {
  const m = (mime ?? '').toLowerCase().split(';')[0].trim();
  const ext = (filename ?? '').toLowerCase().split('.').pop() ?? '';
  if (m === 'application/pdf' || ext === 'pdf') {
    return 'pdf';
  }
  if (m === 'text/html' || ext === 'html' || ext === 'htm') {
    return 'html';
  }
  if (m === 'text/markdown' || ext === 'md' || ext === 'markdown') {
    return 'markdown';
  }
  if (m.startsWith('text/') || ext === 'txt') {
    return 'text';
  }
  return undefined;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, e: string) => {
    if (e[0] === '#') {
      const code = e[1].toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    }
    return ENTITIES[e.toLowerCase()] ?? all;
  });
}

/** Visible text of an HTML document: no scripts, styles or tags; block elements become line breaks. */
export function htmlToText(html: string): { text: string; title?: string } {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1];
  const text = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template|head|svg)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|hr)\b[^>]*>/gi, '\n')
    .replace(/<\/?(p|div|section|article|header|footer|li|ul|ol|tr|table|h[1-6]|pre|blockquote)\b[^>]*>/gi, '\n\n')
    .replace(/<[^>]+>/g, ' ');
  return { text: tidy(decodeEntities(text)), title: title ? tidy(decodeEntities(title)) : undefined };
}

/** Markdown read as text: markup removed, link and image text kept, code kept. */
export function markdownToText(md: string): { text: string; title?: string } {
  const title = /^#\s+(.+)$/m.exec(md)?.[1]?.trim();
  const text = md
    .replace(/^```[^\n]*$/gm, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^#{1,6}\s+/gm, '')
    .replace(/^\s*>\s?/gm, '')
    .replace(/^\s*[-*+]\s+/gm, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .replace(/`([^`]+)`/g, '$1');
  return { text: tidy(text), title };
}

function tidy(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t\f\v\u00a0]+/g, ' ')
    .replace(/ *\n */g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Text of a PDF (unpdf, pdf.js underneath), pages separated by blank lines. */
export async function pdfToText(bytes: Uint8Array): Promise<{ text: string; title?: string }> {
  const { pages, title } = await extractPdf(bytes);
  return { text: tidy(pages.join('\n\n')), title: title?.trim() || undefined };
}

/** Plain text of a document of the given type. */
export async function documentText(
  type: RagContentType,
  content: string | Uint8Array,
): Promise<{ text: string; title?: string }> {
  switch (type) {
    case 'pdf':
      return pdfToText(typeof content === 'string' ? Buffer.from(content, 'binary') : content);
    case 'html':
      return htmlToText(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
    case 'markdown':
      return markdownToText(typeof content === 'string' ? content : Buffer.from(content).toString('utf8'));
    default:
      return { text: tidy(typeof content === 'string' ? content : Buffer.from(content).toString('utf8')) };
  }
}
