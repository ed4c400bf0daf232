import { bearerFromRequest } from '@libs/auth/passport/run-strategy';
import { AppException } from '@libs/errors';
import { SignJWT, generateKeyPair } from 'jose';
import type { IncomingMessage } from 'node:http';
import { Strategy as CustomStrategy } from 'passport-custom';
import { BearerPrincipalResolver } from './principal-resolver.service';
import type { ApiKeyStrategy } from './strategies/api-key.strategy';
import type { LocalJwtStrategy } from './strategies/local-jwt.strategy';
import type { OidcJwtStrategy } from './strategies/oidc-jwt.strategy';

/** A stand-in strategy that answers with its own name and the bearer it was handed. */
function fake(name: string) {
  return new CustomStrategy((req, done) => done(null, { strategy: name, bearer: bearerFromRequest(req) }));
}

function resolverWith(oidcEnabled: boolean, verifiedLocal: string[] = []) {
  const oidc = Object.assign(fake('oidc'), { enabled: oidcEnabled });
  const local = Object.assign(fake('local'), { verifiedBefore: (t: string) => verifiedLocal.includes(t) });
  return new BearerPrincipalResolver(
    fake('api_key') as unknown as ApiKeyStrategy,
    local as unknown as LocalJwtStrategy,
    oidc as unknown as OidcJwtStrategy,
  );
}

const req = () => ({ headers: {} }) as IncomingMessage;
const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const unsigned = (alg: string) => `${b64({ alg, typ: 'JWT' })}.${b64({ sub: 'u1' })}.`;

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

describe('BearerPrincipalResolver: the token picks the strategy', () => {
  it('ak_ prefix → API-key strategy, with that exact credential', async () => {
    await expect(resolverWith(true).resolve('ak_live_abc', req())).resolves.toEqual({
      strategy: 'api_key',
      bearer: 'ak_live_abc',
    });
  });

  it('alg HS256 → local strategy only', async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new Uint8Array(32));
    await expect(resolverWith(true).resolve(token, req())).resolves.toMatchObject({ strategy: 'local' });
  });

  it('a token the local strategy verified before goes back to it without its header being decoded again', async () => {
    await expect(resolverWith(true, ['remembered']).resolve('remembered', req())).resolves.toEqual({
      strategy: 'local',
      bearer: 'remembered',
    });
    expect(await reasonOf(resolverWith(true).resolve('remembered', req()))).toBe('malformed_token');
  });

  it('alg RS256 → OIDC strategy when OIDC is configured, 401 otherwise', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).sign(privateKey);
    await expect(resolverWith(true).resolve(token, req())).resolves.toMatchObject({ strategy: 'oidc' });
    expect(await reasonOf(resolverWith(false).resolve(token, req()))).toBe('unsupported_algorithm');
  });

  it.each(['none', 'ES256', 'HS512', 'RS512', 'PS256'])('alg %s → 401 without running a strategy', async (alg) => {
    expect(await reasonOf(resolverWith(true).resolve(unsigned(alg), req()))).toBe('unsupported_algorithm');
  });

  it('anything that is neither an API key nor a JWT → 401 malformed_token', async () => {
    for (const junk of ['garbage', 'a.b.c', '', 'Bearer x']) {
      expect(await reasonOf(resolverWith(true).resolve(junk, req()))).toBe('malformed_token');
    }
  });
});
