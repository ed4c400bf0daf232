import { loggedBody, MAX_LOGGED_BODY_BYTES, redactHeaders, redactValue, truncateUtf8 } from './redaction';

describe('delivery log redaction', () => {
  it('redacts credential headers and lower-cases names', () => {
    expect(redactHeaders({ Authorization: 'Bearer x', 'X-Api-Key': 'k', 'Content-Type': 'application/json' })).toEqual({
      authorization: '[redacted]',
      'x-api-key': '[redacted]',
      'content-type': 'application/json',
    });
  });

  it('redacts secret-looking keys at any depth, keeps the rest', () => {
    expect(redactValue({ a: 1, nested: [{ password: 'p', token: 't', name: 'n' }], api_key: 'k' })).toEqual({
      a: 1,
      nested: [{ password: '[redacted]', token: '[redacted]', name: 'n' }],
      api_key: '[redacted]',
    });
  });

  it('redacts key=value pairs in text bodies', () => {
    expect(loggedBody('user=a&password=hunter2&x=1').body).toBe('user=a&password=[redacted]&x=1');
  });

  it('cuts at 64 KB without splitting a character', () => {
    const s = 'é'.repeat(MAX_LOGGED_BODY_BYTES);
    const r = truncateUtf8(s, MAX_LOGGED_BODY_BYTES);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.body)).toBeLessThanOrEqual(MAX_LOGGED_BODY_BYTES);
    expect(r.body.endsWith('é')).toBe(true);
    expect(truncateUtf8('short', 10)).toEqual({ body: 'short', truncated: false });
  });
});
