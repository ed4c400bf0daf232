import { attachmentDisposition, sanitizeFileName } from './file-names';

describe('sanitizeFileName', () => {
  it.each([
    ['report.pdf', 'report.pdf'],
    ['../../etc/passwd', 'passwd'],
    ['..\\..\\windows\\system32\\cmd.exe', 'cmd.exe'],
    ['/abs/path/x.txt', 'x.txt'],
    ['..', 'artifact'],
    ['...', 'artifact'],
    ['.env', 'env'],
    ['a\u0000b\r\nc.txt', 'abc.txt'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['what?<>:"|*.txt', 'what.txt'],
    ['  spaced   out  .txt ', 'spaced out .txt'],
    ['', 'artifact'],
    [undefined, 'artifact'],
    ['café ☕.md', 'café ☕.md'],
  ])('%j → %j', (raw, name) => {
    expect(sanitizeFileName(raw)).toBe(name);
  });

  it('caps the length at 200 characters', () => {
    expect(Array.from(sanitizeFileName('é'.repeat(500))).length).toBe(200);
  });
});

describe('attachmentDisposition', () => {
  it('always an attachment, with an ASCII fallback and the UTF-8 name', () => {
    expect(attachmentDisposition('a "b".txt')).toBe(
      `attachment; filename="a _b_.txt"; filename*=UTF-8''a%20%22b%22.txt`,
    );
    expect(attachmentDisposition('café.txt')).toBe(`attachment; filename="caf_.txt"; filename*=UTF-8''caf%C3%A9.txt`);
  });
});
