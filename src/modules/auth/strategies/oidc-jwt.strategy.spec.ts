import type { AuthedRequest } from '@libs/auth/authed-request';
import { attachBearer, authenticateWith } from '@libs/auth/passport/run-strategy';
import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import { SignJWT, exportSPKI, generateKeyPair, errors as joseErrors, type KeyLike } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { OidcVerifier } from '../oidc-verifier.service';
import type { UserPrincipals } from '../user-principals.service';
import { OidcJwtStrategy } from './oidc-jwt.strategy';

const ISSUER = 'https://idp.example.test';
const now = () => Math.floor(Date.now() / 1000);

describe('OidcJwtStrategy (passport-jwt, RS256 pinned, key from the JWKS)', () => {
  let keys: { privateKey: KeyLike; publicKey: KeyLike };
  beforeAll(async () => {
    keys = await generateKeyPair('RS256');
  });

  function setup(signingKey?: () => Promise<KeyObject>) {
    const verifier = {
      enabled: true,
      signingKey: jest.fn(signingKey ?? (async () => keys.publicKey as KeyObject)),
    };
    const principals = { forOidcToken: jest.fn(async (c: { sub: string }) => ({ userId: c.sub })) };
    const strategy = new OidcJwtStrategy(
      AppConfig.fromEnv({
        JWT_SECRET: 'unit-test-secret-unit-test-secret-0003',
        JWKS_URL: `${ISSUER}/jwks`,
        JWT_ISSUER: ISSUER,
        JWT_AUDIENCE: 'agentcy',
      }),
      verifier as unknown as OidcVerifier,
      principals as unknown as UserPrincipals,
    );
    const run = (token: string) => {
      const req = { headers: {} } as AuthedRequest;
      attachBearer(req, token);
      return authenticateWith<{ userId: string }>(strategy, req);
    };
    return { verifier, principals, run, strategy };
  }

  const token = (opts: { iss?: string; aud?: string; exp?: number; nbf?: number; sub?: string | null } = {}) => {
    const jwt = new SignJWT({ email: 'o@example.test' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(opts.iss ?? ISSUER)
      .setAudience(opts.aud ?? 'agentcy')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? now() + 600);
    if (opts.sub !== null) {
      jwt.setSubject(opts.sub ?? 'idp|42');
    }
    if (opts.nbf) {
      jwt.setNotBefore(opts.nbf);
    }
    return jwt.sign(keys.privateKey);
  };

  async function reasonOf(p: Promise<unknown>): Promise<unknown> {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(AppException);
      expect((err as AppException).status).toBe(401);
      return (err as AppException).details?.reason;
    }
    throw new Error('expected a 401');
  }

  it('a valid token reaches validate() with its claims and the raw token (logout deny-list key)', async () => {
    const { principals, run } = setup();
    const t = await token();
    await expect(run(t)).resolves.toEqual({ userId: 'idp|42' });
    expect(principals.forOidcToken).toHaveBeenCalledWith(
      expect.objectContaining({ sub: 'idp|42', iss: ISSUER, aud: 'agentcy' }),
      t,
      expect.anything(),
    );
  });

  it('wrong audience → invalid_aud; wrong issuer → invalid_iss', async () => {
    const { run, principals } = setup();
    expect(await reasonOf(run(await token({ aud: 'someone-else' })))).toBe('invalid_aud');
    expect(await reasonOf(run(await token({ iss: 'https://evil.example' })))).toBe('invalid_iss');
    expect(principals.forOidcToken).not.toHaveBeenCalled();
  });

  it('expired → token_expired; not yet valid → token_not_yet_valid (5 s tolerance)', async () => {
    const { run } = setup();
    expect(await reasonOf(run(await token({ exp: now() - 60 })))).toBe('token_expired');
    expect(await reasonOf(run(await token({ nbf: now() + 3600 })))).toBe('token_not_yet_valid');
    await expect(run(await token({ exp: now() - 2 }))).resolves.toBeDefined();
  });

  it('an HS256 token signed with the public key as HMAC secret → 401 (algorithm pinned)', async () => {
    const { run, principals } = setup(async () => {
      throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    });
    const forged = await new SignJWT({ sub: 'idp|42' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('agentcy')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(await exportSPKI(keys.publicKey)));
    expect(await reasonOf(run(forged))).toBe('unsupported_algorithm');
    expect(principals.forOidcToken).not.toHaveBeenCalled();
  });

  it('the algorithm is pinned even when the key look-up would hand over a key', async () => {
    const { run } = setup();
    const forged = await new SignJWT({ sub: 'idp|42' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience('agentcy')
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(await exportSPKI(keys.publicKey)));
    expect(await reasonOf(run(forged))).toBe('unsupported_algorithm');
  });

  it('a kid that is not in the JWKS → unknown_kid; a token signed by another key → invalid_signature', async () => {
    const { run } = setup(async () => {
      throw new joseErrors.JWKSNoMatchingKey();
    });
    expect(await reasonOf(run(await token()))).toBe('unknown_kid');
    const rogue = await generateKeyPair('RS256');
    const other = setup(async () => rogue.publicKey as KeyObject);
    expect(await reasonOf(other.run(await token()))).toBe('invalid_signature');
  });

  it('a token without a subject → missing_sub', async () => {
    const { run } = setup();
    expect(await reasonOf(run(await token({ sub: null })))).toBe('missing_sub');
  });
});
