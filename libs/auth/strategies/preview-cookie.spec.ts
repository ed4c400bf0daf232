import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import type { Request } from 'express';
import { ServiceTokenService } from '../service-token.service';
import { cookieValues, PreviewTokenStrategy } from './preview-token.strategy';

/** The preview strategy's cookie credential (set by the preview proxy for sub-resources). */
describe('preview token strategy: path-scoped cookie', () => {
  const tokens = new ServiceTokenService(AppConfig.fromEnv({ JWT_SECRET: 'unit-test-secret-unit-test-secret-0002' }));
  const strategy = new PreviewTokenStrategy(tokens);
  const req = (cookie: string | undefined, params: Record<string, string>, query: Record<string, string> = {}) =>
    ({ headers: cookie ? { cookie } : {}, params, query }) as unknown as Request;
  const status = async (p: Promise<unknown>) => {
    try {
      await p;
      return 200;
    } catch (err) {
      return (err as AppException).status;
    }
  };

  it('accepts the cookie when it is scoped to the route’s session and port', async () => {
    const tok = await tokens.mintPreviewToken('org_1', 'cs_1', 3000, 60);
    const caller = await strategy.validate(req(`a=1; agentcy_preview=${tok}`, { session_id: 'cs_1', port: '3000' }));
    expect(caller).toMatchObject({ kind: 'preview', orgId: 'org_1', claims: { session_id: 'cs_1', port: 3000 } });
  });

  it('tries every agentcy_preview cookie (overlapping paths) and takes the one in scope', async () => {
    const other = await tokens.mintPreviewToken('org_1', 'cs_1', 3001, 60);
    const tok = await tokens.mintPreviewToken('org_1', 'cs_1', 3000, 60);
    const caller = await strategy.validate(
      req(`agentcy_preview=junk; agentcy_preview=${other}; agentcy_preview=${tok}`, {
        session_id: 'cs_1',
        port: '3000',
      }),
    );
    expect(caller.orgId).toBe('org_1');
  });

  it('refuses a cookie of another session or port, expired, or on a route without both parameters', async () => {
    const tok = await tokens.mintPreviewToken('org_1', 'cs_1', 3000, 60);
    expect(await status(strategy.validate(req(`agentcy_preview=${tok}`, { session_id: 'cs_2', port: '3000' })))).toBe(
      401,
    );
    expect(await status(strategy.validate(req(`agentcy_preview=${tok}`, { session_id: 'cs_1', port: '3001' })))).toBe(
      401,
    );
    expect(await status(strategy.validate(req(`agentcy_preview=${tok}`, { session_id: 'cs_1' })))).toBe(401);
    expect(await status(strategy.validate(req(`agentcy_preview=${tok}`, {})))).toBe(401);
    const expired = await tokens.mintPreviewToken('org_1', 'cs_1', 3000, -5);
    expect(
      await status(strategy.validate(req(`agentcy_preview=${expired}`, { session_id: 'cs_1', port: '3000' }))),
    ).toBe(401);
    // a query token wins (and is judged alone) when both are present
    const wrong = await tokens.mintPreviewToken('org_1', 'cs_9', 3000, 60);
    expect(
      await status(
        strategy.validate(req(`agentcy_preview=${tok}`, { session_id: 'cs_1', port: '3000' }, { token: wrong })),
      ),
    ).toBe(401);
  });

  it('cookieValues reads every value of a name', () => {
    expect(cookieValues('a=1; b=2;a=3 ; c', 'a')).toEqual(['1', '3']);
    expect(cookieValues(undefined, 'a')).toEqual([]);
  });
});
