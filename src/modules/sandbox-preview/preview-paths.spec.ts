import { normalisePath, parsePreviewUrl, previewCookie, rewriteLocation } from './preview-paths';

describe('preview paths', () => {
  it('parses both mounts; the token leaves the query, the rest stays raw', () => {
    expect(parsePreviewUrl('/sandbox/preview/cs_1/3000/a/b%2Fc?x=1&token=T&y=%20')).toEqual({
      base: '/sandbox/preview/cs_1/3000',
      sessionId: 'cs_1',
      port: 3000,
      path: '/a/b%2Fc',
      search: '?x=1&y=+',
      token: 'T',
    });
    expect(parsePreviewUrl('/api/v1/sandbox/preview/cs_1/8080')).toMatchObject({
      base: '/api/v1/sandbox/preview/cs_1/8080',
      path: '/',
      search: '',
      token: undefined,
    });
  });

  it('refuses what is not a preview path or names no valid session/port', () => {
    for (const url of [
      '/api/v1/ws',
      '/sandbox/preview',
      '/sandbox/previewx/cs/3000/',
      '/sandbox/preview/cs/0/',
      '/sandbox/preview/cs/03000/',
      '/sandbox/preview/cs/70000/',
      '/sandbox/preview/cs/30a0/',
      '/sandbox/preview/../3000/',
      '/sandbox/preview//3000/',
      '/sandbox/preview/%E0%A4%A/3000/',
    ]) {
      expect(parsePreviewUrl(url)).toBeNull();
    }
  });

  it('dot segments (plain, encoded, backslash) never climb above the app root', () => {
    expect(normalisePath('/../../x')).toBe('/x');
    expect(normalisePath('/a/%2e%2e/%2E%2E/etc/passwd')).toBe('/etc/passwd');
    expect(normalisePath('/a/..%2f..%2fb')).toBe('/a/..%2f..%2fb');
    expect(normalisePath('/..\\..\\x')).toBe('/..%5C..%5Cx');
    expect(parsePreviewUrl('/sandbox/preview/cs/3000/../../other/3000/x')!.path).toBe('/other/3000/x');
  });

  it('rewrites absolute-path and loopback redirects into the prefix only', () => {
    const base = '/sandbox/preview/cs/3000';
    expect(rewriteLocation('/login?next=%2F', base, 3000)).toBe(`${base}/login?next=%2F`);
    expect(rewriteLocation('http://localhost:3000/a?b#c', base, 3000)).toBe(`${base}/a?b#c`);
    expect(rewriteLocation('http://127.0.0.1:3000/', base, 3000)).toBe(`${base}/`);
    expect(rewriteLocation('http://localhost:4000/a', base, 3000)).toBe('http://localhost:4000/a');
    expect(rewriteLocation('https://example.org/x', base, 3000)).toBe('https://example.org/x');
    expect(rewriteLocation('//evil.example/x', base, 3000)).toBe('//evil.example/x');
    expect(rewriteLocation('next', base, 3000)).toBe('next');
  });

  it('the cookie is scoped to the session and port path', () => {
    expect(previewCookie('/sandbox/preview/cs/3000', 'tok', 120.7, false)).toBe(
      'agentcy_preview=tok; Path=/sandbox/preview/cs/3000/; Max-Age=120; HttpOnly; SameSite=Lax',
    );
    expect(previewCookie('/b', 't', -3, true)).toBe(
      'agentcy_preview=t; Path=/b/; Max-Age=0; HttpOnly; SameSite=Lax; Secure',
    );
  });
});
