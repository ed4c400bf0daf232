import { tinyPdf } from '../../../../test/fixtures/rag-eval/tiny-pdf';
import { contentTypeOf, documentText, htmlToText, markdownToText } from './document-text';

describe('document text', () => {
  it('reads HTML without scripts, styles or tags, decoding entities', () => {
    const { text, title } = htmlToText(
      '<html><head><title>Runbook &amp; notes</title><style>p{color:red}</style></head>' +
        '<body><script>alert(1)</script><h1>Restart</h1><p>Use <b>kubectl</b> rollout&nbsp;restart &#x2192; done</p></body></html>',
    );
    expect(title).toBe('Runbook & notes');
    expect(text).toContain('Restart');
    expect(text).toContain('Use kubectl rollout restart → done');
    expect(text).not.toMatch(/alert|color|</);
  });

  it('reads markdown without markup', () => {
    const { text, title } = markdownToText('# Deploys\n\nSee [the guide](http://x) and **bold** `code`.\n- item');
    expect(title).toBe('Deploys');
    expect(text).toBe('Deploys\n\nSee the guide and bold code.\nitem');
    expect(text).not.toMatch(/[#*`[\]]/);
  });

  it('extracts the text and title of a PDF', async () => {
    const pdf = tinyPdf(['Quarterly incident review', 'Error E4711 in the billing service'], 'Incidents Q3');
    const { text, title } = await documentText('pdf', pdf);
    expect(text).toContain('Quarterly incident review');
    expect(text).toContain('E4711');
    expect(title).toBe('Incidents Q3');
  });

  it('refuses bytes that are not a PDF', async () => {
    await expect(documentText('pdf', Buffer.from('not a pdf'))).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('maps MIME types and file names', () => {
    expect(contentTypeOf('application/pdf', undefined)).toBe('pdf');
    expect(contentTypeOf('application/octet-stream', 'a.md')).toBe('markdown');
    expect(contentTypeOf('text/html; charset=utf-8', undefined)).toBe('html');
    expect(contentTypeOf('text/plain', undefined)).toBe('text');
    expect(contentTypeOf('image/png', 'x.png')).toBeUndefined();
  });
});
