import { sniffContentType } from './sniff-content-type';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);

describe('sniffContentType', () => {
  it.each([
    ['PDF', Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'), 'application/pdf'],
    ['PNG', PNG, 'image/png'],
    ['JPEG', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'image/jpeg'],
    ['GIF87a', Buffer.from('GIF87a\x01\x00', 'latin1'), 'image/gif'],
    ['GIF89a', Buffer.from('GIF89a\x01\x00', 'latin1'), 'image/gif'],
    ['ZIP', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]), 'application/zip'],
    ['empty ZIP', Buffer.from([0x50, 0x4b, 0x05, 0x06, 0, 0]), 'application/zip'],
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0]), 'application/gzip'],
  ])('%s by its magic bytes', (_name, head, type) => {
    expect(sniffContentType(head, true)).toBe(type);
  });

  it('JSON: a complete document that parses; a truncated head that starts like one', () => {
    expect(sniffContentType(Buffer.from(' {"a": [1, 2]}\n'), true)).toBe('application/json');
    expect(sniffContentType(Buffer.from('[{"a": 1}, {"b":'), false)).toBe('application/json');
    expect(sniffContentType(Buffer.from('{not json'), true)).toBe('text/plain; charset=utf-8');
  });

  it('text: UTF-8 without control characters, including markup that must never be served as HTML', () => {
    expect(sniffContentType(Buffer.from('hello\tworld\r\n'), true)).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(Buffer.from('<html><script>alert(1)</script></html>'), true)).toBe(
      'text/plain; charset=utf-8',
    );
    expect(sniffContentType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), true)).toBe(
      'text/plain; charset=utf-8',
    );
    expect(sniffContentType(Buffer.from('naïve café ☕'), true)).toBe('text/plain; charset=utf-8');
  });

  it('a head cut inside a multi-byte character is still text; the same bytes as a whole file are not', () => {
    const cut = Buffer.from('abc ☕').subarray(0, 6);
    expect(sniffContentType(cut, false)).toBe('text/plain; charset=utf-8');
    expect(sniffContentType(cut, true)).toBe('application/octet-stream');
  });

  it('binary and empty content is opaque bytes', () => {
    expect(sniffContentType(Buffer.from([0x00, 0x01, 0x02, 0xff]), true)).toBe('application/octet-stream');
    expect(sniffContentType(Buffer.from('text with a NUL\u0000 inside'), true)).toBe('application/octet-stream');
    expect(sniffContentType(Buffer.from([0xc3, 0x28]), true)).toBe('application/octet-stream');
    expect(sniffContentType(Buffer.alloc(0), true)).toBe('application/octet-stream');
  });

  it('only the bytes count: a PNG is a PNG whatever name or declared type came with it', () => {
    expect(sniffContentType(Buffer.concat([PNG, Buffer.from('<html>')]), true)).toBe('image/png');
  });
});
