import type { AuthedRequest } from '@libs/auth/authed-request';
import { attachBearer, authenticateWith } from '@libs/auth/passport/run-strategy';
import { AppConfig } from '@libs/config';
import { AppException, UnauthorizedException } from '@libs/errors';
import { SignJWT, generateKeyPair } from 'jose';
import { randomUUID } from 'node:crypto';
import { Strategy as JwtStrategy } from 'passport-jwt';
import { LOCAL_ISSUER } from '../token.service';
import type { UserPrincipals } from '../user-principals.service';
import { LocalJwtStrategy } from './local-jwt.strategy';

const SECRET = 'unit-test-secret-unit-test-secret-0002';
const key = new TextEncoder().encode(SECRET);
const now = () => Math.floor(Date.now() / 1000);

function session(claims: Record<string, unknown> = {}, opts: { alg?: string; iss?: string; exp?: number } = {}) {
  return new SignJWT({ org_id: 'org-1', role: 'owner', email: 'a@example.test', tv: 0, ...claims })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setJti(randomUUID())
    .setSubject('user-1')
    .setIssuer(opts.iss ?? LOCAL_ISSUER)
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? now() + 600);
}

/** Correctly signed, but without the session claims (`tv`, `jti`) of this build's tokens. */
function signedWithoutSession(): Promise<string> {
  return new SignJWT({ org_id: 'org-1' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('user-1')
    .setIssuer(LOCAL_ISSUER)
    .setExpirationTime('1h')
    .sign(key);
}

function setup() {
  const principals = { forLocalToken: jest.fn(async (c: { sub: string }) => ({ userId: c.sub })) };
  const strategy = new LocalJwtStrategy(
    AppConfig.fromEnv({ JWT_SECRET: SECRET }),
    principals as unknown as UserPrincipals,
  );
  const run = (token: string) => {
    const req = { headers: {} } as AuthedRequest;
    attachBearer(req, token);
    return { req, result: authenticateWith<{ userId: string }>(strategy, req) };
  };
  return { principals, run };
}

async function refusal(p: Promise<unknown>): Promise<AppException> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppException);
    return err as AppException;
  }
  throw new Error('expected a refusal');
}

describe('LocalJwtStrategy (passport-jwt, HS256 pinned)', () => {
  it('a valid session token reaches validate() and the session checks', async () => {
    const { principals, run } = setup();
    await expect(run(await session().sign(key)).result).resolves.toEqual({ userId: 'user-1' });
    expect(principals.forLocalToken).toHaveBeenCalledWith(
      expect.objectContaining({ sub: 'user-1', org_id: 'org-1', tv: 0, jti: expect.any(String) }),
      expect.anything(),
    );
  });

  it('expired → 401 token_expired, and the refusal is attributed to the token owner', async () => {
    const { principals, run } = setup();
    const { req, result } = run(await session({}, { exp: now() - 60 }).sign(key));
    const e = await refusal(result);
    expect([e.status, e.details?.reason]).toEqual([401, 'token_expired']);
    expect(req.authFailure).toEqual({ orgId: 'org-1', userId: 'user-1' });
    expect(principals.forLocalToken).not.toHaveBeenCalled();
  });

  it('another algorithm with the same secret (HS512), or an RS256 token → 401, validate() never runs', async () => {
    const { principals, run } = setup();
    expect((await refusal(run(await session({}, { alg: 'HS512' }).sign(key)).result)).details?.reason).toBe(
      'invalid_token',
    );
    const { privateKey } = await generateKeyPair('RS256');
    expect((await refusal(run(await session({}, { alg: 'RS256' }).sign(privateKey)).result)).status).toBe(401);
    expect(principals.forLocalToken).not.toHaveBeenCalled();
  });

  it('wrong issuer → invalid_iss; wrong secret or tampered payload → invalid_token', async () => {
    const { run } = setup();
    expect((await refusal(run(await session({}, { iss: 'someone' }).sign(key)).result)).details?.reason).toBe(
      'invalid_iss',
    );
    const foreign = await session().sign(new TextEncoder().encode('another-secret-another-secret-another'));
    expect((await refusal(run(foreign).result)).details?.reason).toBe('invalid_token');
    const [h, , s] = (await session().sign(key)).split('.');
    const p = Buffer.from(JSON.stringify({ sub: 'user-2', org_id: 'org-1', tv: 0, jti: 'x', iss: LOCAL_ISSUER }));
    expect((await refusal(run(`${h}.${p.toString('base64url')}.${s}`).result)).details?.reason).toBe('invalid_token');
  });

  it('a correctly signed token without tv/jti (older build) → session_revoked', async () => {
    const { principals, run } = setup();
    const noTv = await signedWithoutSession();
    const { req, result } = run(noTv);
    expect((await refusal(result)).details?.reason).toBe('session_revoked');
    expect(req.authFailure).toEqual({ orgId: 'org-1', userId: 'user-1' });
    expect(principals.forLocalToken).not.toHaveBeenCalled();
  });

  it('a refusal from the session checks (revoked token version) is passed through unchanged', async () => {
    const { principals, run } = setup();
    principals.forLocalToken.mockRejectedValueOnce(
      new UnauthorizedException('Session ended; log in again', { reason: 'session_revoked' }),
    );
    expect((await refusal(run(await session({ tv: 3 }).sign(key)).result)).details?.reason).toBe('session_revoked');
  });

  describe('a token verified once is remembered (signature and claims are a function of the token and the time)', () => {
    afterEach(() => jest.restoreAllMocks());

    it('the next request skips jsonwebtoken, but the session checks (validate) run every time', async () => {
      const { principals, run } = setup();
      // passport-jwt verifies through this static (jsonwebtoken); it is not in its typings
      const verifier = jest.spyOn(JwtStrategy as unknown as { JwtVerifier: () => void }, 'JwtVerifier');
      const token = await session().sign(key);
      await expect(run(token).result).resolves.toEqual({ userId: 'user-1' });
      await expect(run(token).result).resolves.toEqual({ userId: 'user-1' });
      expect(verifier).toHaveBeenCalledTimes(1);
      expect(principals.forLocalToken).toHaveBeenCalledTimes(2);
      principals.forLocalToken.mockRejectedValueOnce(
        new UnauthorizedException('Session ended; log in again', { reason: 'logged_out' }),
      );
      expect((await refusal(run(token).result)).details?.reason).toBe('logged_out');
      expect(verifier).toHaveBeenCalledTimes(1);
    });

    it('once its exp has passed it is verified again and refused as before (token_expired, owner attributed)', async () => {
      const { principals, run } = setup();
      const token = await session({}, { exp: now() + 60 }).sign(key);
      await expect(run(token).result).resolves.toEqual({ userId: 'user-1' });
      const later = Date.now() + 61_000;
      jest.spyOn(Date, 'now').mockReturnValue(later);
      const { req, result } = run(token);
      const e = await refusal(result);
      expect([e.status, e.details?.reason]).toEqual([401, 'token_expired']);
      expect(req.authFailure).toEqual({ orgId: 'org-1', userId: 'user-1' });
      expect(principals.forLocalToken).toHaveBeenCalledTimes(1);
    });

    it('a signed token without tv/jti is refused with session_revoked every time', async () => {
      const { run } = setup();
      const noTv = await signedWithoutSession();
      for (let i = 0; i < 2; i++) {
        const { req, result } = run(noTv);
        expect((await refusal(result)).details?.reason).toBe('session_revoked');
        expect(req.authFailure).toEqual({ orgId: 'org-1', userId: 'user-1' });
      }
    });

    it('a tampered copy of a remembered token is still refused', async () => {
      const { run } = setup();
      const token = await session().sign(key);
      await expect(run(token).result).resolves.toEqual({ userId: 'user-1' });
      const [h, , sig] = token.split('.');
      const p = Buffer.from(JSON.stringify({ sub: 'user-2', org_id: 'org-1', tv: 0, jti: 'x', iss: LOCAL_ISSUER }));
      expect((await refusal(run(`${h}.${p.toString('base64url')}.${sig}`).result)).details?.reason).toBe(
        'invalid_token',
      );
    });
  });
});
