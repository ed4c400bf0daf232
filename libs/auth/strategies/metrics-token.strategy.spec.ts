import { AppException } from '@libs/errors';
import type { Request } from 'express';
import { authenticateWith } from '../passport/run-strategy';
import { MetricsTokenStrategy } from './metrics-token.strategy';

const TOKEN = 'metrics-token-0123456789';

function req(authorization?: string): Request {
  const headers: Record<string, string> = authorization ? { authorization } : {};
  return {
    method: 'GET',
    path: '/metrics',
    headers,
    header: (n: string) => headers[n.toLowerCase()],
    query: {},
  } as unknown as Request;
}

async function refusal(strategy: MetricsTokenStrategy, r: Request): Promise<AppException> {
  const err = await authenticateWith(strategy, r).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppException);
  return err as AppException;
}

describe('MetricsTokenStrategy', () => {
  it('accepts the bearer METRICS_TOKEN', async () => {
    await expect(authenticateWith(new MetricsTokenStrategy(TOKEN), req(`Bearer ${TOKEN}`))).resolves.toEqual({
      kind: 'metrics',
      subject: 'metrics',
    });
  });

  it('refuses a missing or different token with 401', async () => {
    const s = new MetricsTokenStrategy(TOKEN);
    expect(await refusal(s, req())).toMatchObject({ status: 401, details: { reason: 'missing_token' } });
    expect(await refusal(s, req(`Bearer ${TOKEN}0`))).toMatchObject({
      status: 401,
      details: { reason: 'invalid_metrics_token' },
    });
  });

  it('without METRICS_TOKEN answers like an unknown route (404), whatever is sent', async () => {
    const s = new MetricsTokenStrategy(undefined);
    expect(await refusal(s, req(`Bearer ${TOKEN}`))).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'Cannot GET /metrics',
    });
  });
});
