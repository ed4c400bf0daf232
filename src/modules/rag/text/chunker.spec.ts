import { chunkText } from './chunker';

describe('chunkText', () => {
  it('keeps a short text as one chunk and drops blank input', () => {
    expect(chunkText('  hello world  ')).toEqual(['hello world']);
    expect(chunkText(' \n\n ')).toEqual([]);
  });

  it('splits a long text into overlapping chunks without cutting words', () => {
    const words = Array.from({ length: 600 }, (_, i) => `w${i}`);
    const text = words.join(' ');
    const chunks = chunkText(text, { size: 200, overlap: 50 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(200);
      for (const w of c.split(' ')) {
        expect(words).toContain(w);
      }
    }
    for (let i = 1; i < chunks.length; i++) {
      const prevTail = chunks[i - 1].split(' ').slice(-3);
      const head = chunks[i].split(' ');
      // the next chunk repeats the end of the previous one
      expect(head).toEqual(expect.arrayContaining(prevTail));
    }
    // every word is covered, in order
    const seen = new Set(chunks.flatMap((c) => c.split(' ')));
    expect(seen.size).toBe(600);
  });

  it('prefers paragraph and sentence boundaries', () => {
    const para = 'First sentence here. '.repeat(6).trim();
    const text = `${para}\n\n${para}\n\n${para}`;
    const chunks = chunkText(text, { size: 200, overlap: 30 });
    expect(chunks[0].endsWith('here.')).toBe(true);
  });
});
