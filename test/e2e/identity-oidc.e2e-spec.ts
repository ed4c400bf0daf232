import { exportJWK, exportSPKI, generateKeyPair, type JWK, type KeyLike, SignJWT } from 'jose';
import { createHash, randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginAdmin, TestUser } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

/**
 * A real (tiny) identity provider on node:http: JWKS endpoint (keys from jose generateKeyPair)
 * and a token endpoint that checks the PKCE verifier before handing out an id_token.
 */
class FakeIdp {
  server: Server;
  url = '';
  jwksFetches = 0;
  keys: JWK[] = [];
  private codes = new Map<string, { challenge: string; idToken: string }>();

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  issueCode(challenge: string, idToken: string): string {
    const code = randomUUID();
    this.codes.set(code, { challenge, idToken });
    return code;
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    if (req.url === '/jwks') {
      this.jwksFetches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.keys }));
      return;
    }
    if (req.url === '/token' && req.method === 'POST') {
      let body = '';
      for await (const chunk of req) {
        body += chunk;
      }
      const form = new URLSearchParams(body);
      const entry = this.codes.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const ok =
        entry &&
        form.get('grant_type') === 'authorization_code' &&
        form.get('client_id') === 'agentcy-web' &&
        createHash('sha256').update(verifier).digest('base64url') === entry.challenge;
      if (!ok) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
        return;
      }
      this.codes.delete(form.get('code')!);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: 'x', token_type: 'Bearer', id_token: entry!.idToken }));
      return;
    }
    res.writeHead(404).end();
  }
}

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('identity: OIDC (RS256 via a real JWKS server) alongside local HS256', () => {
  const idp = new FakeIdp();
  let t: TestApp;
  let admin: TestUser;
  let orgId: string;
  let k1: { privateKey: KeyLike; publicKey: KeyLike };
  const ORG_CLAIM = 'https://agentcy.dev/org_id';
  const ROLE_CLAIM = 'https://agentcy.dev/role';

  const sign = (
    claims: Record<string, unknown>,
    opts: { key?: KeyLike; kid?: string; iss?: string; aud?: string; exp?: number; nbf?: number } = {},
  ) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1' })
      .setIssuer(opts.iss ?? idp.url)
      .setAudience(opts.aud ?? 'agentcy')
      .setIssuedAt(now)
      .setExpirationTime(opts.exp ?? now + 600);
    if (opts.nbf) {
      jwt.setNotBefore(opts.nbf);
    }
    return jwt.sign(opts.key ?? k1.privateKey);
  };
  const user = (over: Record<string, unknown> = {}) => ({
    sub: `idp|${randomUUID()}`,
    email: `sso-${randomUUID().slice(0, 8)}@example.test`,
    name: 'SSO User',
    [ORG_CLAIM]: orgId,
    [ROLE_CLAIM]: 'member',
    ...over,
  });
  const me = (token: string) => t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    await idp.start();
    k1 = await generateKeyPair('RS256');
    idp.keys = [{ ...(await exportJWK(k1.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }];
    t = await startTestApp({
      AUTH_PROVIDER: 'oidc',
      JWKS_URL: `${idp.url}/jwks`,
      JWT_ISSUER: idp.url,
      JWT_AUDIENCE: 'agentcy',
      JWKS_TTL_SECS: '3600',
      OIDC_AUTHORIZE_URL: `${idp.url}/authorize`,
      OIDC_TOKEN_URL: `${idp.url}/token`,
      OIDC_CLIENT_ID: 'agentcy-web',
    });
    admin = await loginAdmin(t);
    const org = await t
      .http()
      .post('/api/v1/platform/orgs')
      .set(admin.auth)
      .send({ name: `sso-${randomUUID().slice(0, 8)}` })
      .expect(201);
    orgId = org.body.id;
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });

  it('accepts a valid RS256 token and provisions the user on first sight (claim mapping)', async () => {
    const claims = user({ [ROLE_CLAIM]: 'admin' });
    const res = await me(await sign(claims)).expect(200);
    expect(res.body).toMatchObject({
      email: claims.email,
      name: 'SSO User',
      role: 'admin',
      auth_provider: 'oidc',
      org: { id: orgId },
    });
    // second request: same user row
    const again = await me(await sign(claims)).expect(200);
    expect(again.body.id).toBe(res.body.id);
    const members = await t
      .http()
      .get('/api/v1/users')
      .set('Authorization', `Bearer ${await sign(claims)}`)
      .expect(200);
    expect(members.body.items.map((u: { id: string }) => u.id)).toContain(res.body.id);
  });

  it('re-applies the role claim on every request; unknown or missing roles become member', async () => {
    const claims = user({ [ROLE_CLAIM]: 'admin' });
    expect((await me(await sign(claims)).expect(200)).body.role).toBe('admin');
    expect((await me(await sign({ ...claims, [ROLE_CLAIM]: 'viewer' })).expect(200)).body.role).toBe('viewer');
    await t
      .http()
      .post('/api/v1/api-keys')
      .set('Authorization', `Bearer ${await sign({ ...claims, [ROLE_CLAIM]: 'viewer' })}`)
      .send({ name: 'x' })
      .expect(403);
    expect((await me(await sign({ ...claims, [ROLE_CLAIM]: 'superuser' })).expect(200)).body.role).toBe('member');
    const { [ROLE_CLAIM]: _drop, ...noRole } = claims;
    expect((await me(await sign(noRole)).expect(200)).body.role).toBe('member');
  });

  it('no org claim with JIT off → 401 missing_org_claim; unknown org → 401', async () => {
    const { [ORG_CLAIM]: _drop, ...claims } = user();
    const res = await me(await sign(claims)).expect(401);
    expect(res.body.error).toMatchObject({ code: 'unauthorized', details: { reason: 'missing_org_claim' } });
    await me(await sign(user({ [ORG_CLAIM]: randomUUID() }))).expect(401);
    await me(await sign(user({ email: undefined }))).expect(401);
  });

  it('rejects alg none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...user(), iss: idp.url, aud: 'agentcy', iat: now, exp: now + 600 })}.`;
    const res = await me(token).expect(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('rejects algorithm confusion: an HS256 token signed with the RSA public key as the secret', async () => {
    const pem = await exportSPKI(k1.publicKey);
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT(user({ [ROLE_CLAIM]: 'owner' }))
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(idp.url)
      .setAudience('agentcy')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(pem));
    const res = await me(forged).expect(401);
    expect(res.body.error.code).toBe('unauthorized');
    // and the JWK "n" value as secret
    const forged2 = await new SignJWT(user())
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(idp.url)
      .setAudience('agentcy')
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(String(idp.keys[0].n)));
    await me(forged2).expect(401);
  });

  it('rejects expired and not-yet-valid tokens', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await me(await sign(user(), { exp: now - 60 })).expect(401);
    expect(expired.body.error.details.reason).toBe('token_expired');
    const early = await me(await sign(user(), { nbf: now + 3600 })).expect(401);
    expect(early.body.error.details.reason).toBe('token_not_yet_valid');
  });

  it('rejects a wrong issuer or audience', async () => {
    const iss = await me(await sign(user(), { iss: 'https://evil.example' })).expect(401);
    expect(iss.body.error.details.reason).toBe('invalid_iss');
    const aud = await me(await sign(user(), { aud: 'someone-else' })).expect(401);
    expect(aud.body.error.details.reason).toBe('invalid_aud');
  });

  it('rejects a tampered signature or payload, and a key that is not in the JWKS', async () => {
    const token = await sign(user());
    const [h, p, s] = token.split('.');
    const flipped = s.slice(0, -2) + (s.endsWith('AA') ? 'BB' : 'AA');
    await me(`${h}.${p}.${flipped}`).expect(401);
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    await me(`${h}.${b64({ ...payload, [ROLE_CLAIM]: 'owner' })}.${s}`).expect(401);
    const rogue = await generateKeyPair('RS256');
    await me(await sign(user(), { key: rogue.privateKey })).expect(401);
  });

  it('caches the JWKS and refetches it when a token names an unknown kid', async () => {
    await me(await sign(user())).expect(200);
    const before = idp.jwksFetches;
    for (let i = 0; i < 3; i++) {
      await me(await sign(user())).expect(200);
    }
    expect(idp.jwksFetches).toBe(before);
    // the IdP rotates in a new key; tokens signed with it work once the set is refetched
    const k2 = await generateKeyPair('RS256');
    idp.keys = [...idp.keys, { ...(await exportJWK(k2.publicKey)), kid: 'k2', alg: 'RS256', use: 'sig' }];
    await sleep(1100); // refetch cooldown
    await me(await sign(user(), { key: k2.privateKey, kid: 'k2' })).expect(200);
    expect(idp.jwksFetches).toBe(before + 1);
    await me(await sign(user())).expect(200);
  });

  it('local HS256 tokens keep working alongside OIDC; local registration is disabled', async () => {
    await t.http().get('/api/v1/auth/me').set(admin.auth).expect(200);
    const res = await t
      .http()
      .post('/api/v1/auth/register')
      .send({
        email: `r-${randomUUID()}@example.test`,
        password: 'password-123',
        org_name: `r-${randomUUID().slice(0, 8)}`,
      })
      .expect(400);
    expect(res.body.error.details.reason).toBe('local_registration_disabled');
  });

  it('a disabled OIDC user is refused at once', async () => {
    const claims = user();
    const first = await me(await sign(claims)).expect(200);
    await t.http().post(`/api/v1/platform/users/${first.body.id}/disable`).set(admin.auth).expect(200);
    await me(await sign(claims)).expect(401);
  });

  describe('login callbacks (authorization code + PKCE)', () => {
    const start = async () => {
      const res = await t.http().get('/api/v1/auth/oidc/login').expect(302);
      const loc = new URL(res.headers.location);
      return { loc, state: loc.searchParams.get('state')!, challenge: loc.searchParams.get('code_challenge')! };
    };

    it('redirects to the IdP with PKCE S256 and a state', async () => {
      const { loc, state, challenge } = await start();
      expect(`${loc.origin}${loc.pathname}`).toBe(`${idp.url}/authorize`);
      expect(loc.searchParams.get('response_type')).toBe('code');
      expect(loc.searchParams.get('client_id')).toBe('agentcy-web');
      expect(loc.searchParams.get('code_challenge_method')).toBe('S256');
      expect(loc.searchParams.get('redirect_uri')).toMatch(/\/api\/v1\/auth\/oidc\/callback$/);
      expect(loc.searchParams.get('scope')).toContain('openid');
      expect(state).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('exchanges the code with the verifier, verifies the id_token and issues a local session (login shape); state is single use', async () => {
      const { state, challenge } = await start();
      const claims = user({ [ROLE_CLAIM]: 'admin' });
      const code = idp.issueCode(challenge, await sign(claims));
      const res = await t.http().get(`/api/v1/auth/oidc/callback?code=${code}&state=${state}`).expect(200);
      expect(res.body).toEqual({
        token: expect.any(String),
        expires_at: expect.any(String),
        user: { id: expect.any(String), email: claims.email, role: 'admin' },
      });
      const who = await me(res.body.token).expect(200);
      expect(who.body).toMatchObject({ id: res.body.user.id, auth_provider: 'oidc', org: { id: orgId } });
      const replay = await t.http().get(`/api/v1/auth/oidc/callback?code=${code}&state=${state}`).expect(401);
      expect(replay.body.error.details.reason).toBe('invalid_state');
    });

    it('refuses an unknown state, a code the IdP rejects, and an id_token that fails verification', async () => {
      await t.http().get(`/api/v1/auth/oidc/callback?code=abc&state=${randomUUID()}`).expect(401);
      const a = await start();
      // the IdP issued the code for another PKCE challenge: the verifier does not match
      const wrong = idp.issueCode('not-the-challenge', await sign(user()));
      const res = await t.http().get(`/api/v1/auth/oidc/callback?code=${wrong}&state=${a.state}`).expect(401);
      expect(res.body.error.details.reason).toBe('code_exchange_failed');
      const b = await start();
      const bad = idp.issueCode(b.challenge, await sign(user(), { aud: 'other' }));
      await t.http().get(`/api/v1/auth/oidc/callback?code=${bad}&state=${b.state}`).expect(401);
      await t.http().get('/api/v1/auth/oidc/callback').expect(400);
    });
  });
});

describe('identity: OIDC just-in-time org creation', () => {
  const idp = new FakeIdp();
  let t: TestApp;
  let key: { privateKey: KeyLike; publicKey: KeyLike };
  beforeAll(async () => {
    await idp.start();
    key = await generateKeyPair('RS256');
    idp.keys = [{ ...(await exportJWK(key.publicKey)), kid: 'j1', alg: 'RS256' }];
    t = await startTestApp({
      AUTH_PROVIDER: 'oidc',
      JWKS_URL: `${idp.url}/jwks`,
      JWT_ISSUER: idp.url,
      OIDC_JIT_ORG: 'true',
      JWKS_TTL_SECS: '1',
    });
  });
  afterAll(async () => {
    await t.close();
    await idp.stop();
  });

  it('creates an org on the fly when the token has no org claim, and reuses it afterwards', async () => {
    const sub = `jit|${randomUUID()}`;
    const email = `jit-${randomUUID().slice(0, 8)}@example.test`;
    const token = () =>
      new SignJWT({ email })
        .setProtectedHeader({ alg: 'RS256', kid: 'j1' })
        .setSubject(sub)
        .setIssuer(idp.url)
        .setAudience('agentcy')
        .setExpirationTime('10m')
        .sign(key.privateKey);
    const first = await t
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    expect(first.body).toMatchObject({ email, role: 'member', auth_provider: 'oidc', org: { id: expect.any(String) } });
    const second = await t
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    expect(second.body.org.id).toBe(first.body.org.id);
    expect(second.body.id).toBe(first.body.id);
  });

  it('refetches the key set once JWKS_TTL_SECS has passed', async () => {
    const token = () =>
      new SignJWT({ email: `ttl-${randomUUID().slice(0, 8)}@example.test` })
        .setProtectedHeader({ alg: 'RS256', kid: 'j1' })
        .setSubject(`ttl|${randomUUID()}`)
        .setIssuer(idp.url)
        .setAudience('agentcy')
        .setExpirationTime('10m')
        .sign(key.privateKey);
    await t
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    const before = idp.jwksFetches;
    await t
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    expect(idp.jwksFetches).toBe(before);
    await sleep(1300);
    await t
      .http()
      .get('/api/v1/auth/me')
      .set('Authorization', `Bearer ${await token()}`)
      .expect(200);
    expect(idp.jwksFetches).toBe(before + 1);
  });
});
