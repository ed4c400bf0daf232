import { AppConfig } from '@libs/config';
import { AppException } from '@libs/errors';
import type { Request } from 'express';
import { authenticateWith } from '../passport/run-strategy';
import type { ResolvedServiceSecret } from '../service-secret.resolvers';
import { ServiceTokenService } from '../service-token.service';
import { constantTimeEqual } from './constant-time';
import { PipelineTokenStrategy } from './pipeline-token.strategy';
import { PreviewTokenStrategy } from './preview-token.strategy';
import { SharedSecretStrategy } from './shared-secret.strategy';
import { signWebhookBody, WebhookSignatureStrategy } from './webhook-signature.strategy';
import { WorkerTokenStrategy } from './worker-token.strategy';

function req(
  opts: {
    headers?: Record<string, string>;
    query?: Record<string, string>;
    params?: Record<string, string>;
    rawBody?: Buffer;
  } = {},
): Request {
  const headers = Object.fromEntries(Object.entries(opts.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  return {
    headers,
    header: (n: string) => headers[n.toLowerCase()],
    query: opts.query ?? {},
    params: opts.params ?? {},
    rawBody: opts.rawBody,
  } as unknown as Request;
}

async function rejection(p: Promise<unknown>): Promise<AppException> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AppException);
    return err as AppException;
  }
  throw new Error('expected a rejection');
}

const resolverOf = (found: ResolvedServiceSecret | null) => ({ resolve: jest.fn(async () => found) });

describe('constantTimeEqual', () => {
  it('compares values of any length', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });
});

describe('WorkerTokenStrategy', () => {
  const s = new WorkerTokenStrategy('worker-secret-123');
  it('accepts the configured token', async () => {
    await expect(authenticateWith(s, req({ headers: { authorization: 'Bearer worker-secret-123' } }))).resolves.toEqual(
      {
        kind: 'worker',
        subject: 'worker',
      },
    );
  });
  it('rejects a wrong token (401)', async () => {
    const e = await rejection(authenticateWith(s, req({ headers: { authorization: 'Bearer worker-secret-124' } })));
    expect([e.status, e.details?.reason]).toEqual([401, 'invalid_worker_token']);
  });
  it('rejects a missing token (401)', async () => {
    expect((await rejection(authenticateWith(s, req()))).status).toBe(401);
  });
  it('answers 404 (routes disabled) when WORKER_TOKEN is unset, with or without a token', async () => {
    const e = await rejection(
      authenticateWith(new WorkerTokenStrategy(undefined), req({ headers: { authorization: 'Bearer anything' } })),
    );
    expect([e.status, e.code]).toEqual([404, 'not_found']);
    expect((await rejection(authenticateWith(new WorkerTokenStrategy(undefined), req()))).status).toBe(404);
  });
});

describe('WebhookSignatureStrategy', () => {
  const body = Buffer.from('{"event":"push","n":1}');
  const found = { secret: 'whsec_abc', orgId: 'org-1', subject: 'webhook:w1' };
  it('accepts sha256=<hex HMAC of the raw body>', async () => {
    const s = new WebhookSignatureStrategy(resolverOf(found));
    const caller = await authenticateWith(
      s,
      req({ headers: { 'x-agentcy-signature': signWebhookBody('whsec_abc', body) }, rawBody: body }) as never,
    );
    expect(caller).toEqual({ kind: 'webhook', orgId: 'org-1', subject: 'webhook:w1', claims: undefined });
  });
  it('rejects a signature over other bytes or with another secret (401 invalid_signature)', async () => {
    const s = new WebhookSignatureStrategy(resolverOf(found));
    const tampered = await rejection(
      authenticateWith(
        s,
        req({
          headers: { 'x-agentcy-signature': signWebhookBody('whsec_abc', body) },
          rawBody: Buffer.from('{"event":"push","n":2}'),
        }) as never,
      ),
    );
    expect([tampered.status, tampered.code]).toEqual([401, 'invalid_signature']);
    const other = await rejection(
      authenticateWith(
        s,
        req({ headers: { 'x-agentcy-signature': signWebhookBody('other', body) }, rawBody: body }) as never,
      ),
    );
    expect(other.status).toBe(401);
  });
  it('rejects a missing header and an unknown webhook', async () => {
    const s = new WebhookSignatureStrategy(resolverOf(null));
    expect((await rejection(authenticateWith(s, req({ rawBody: body }) as never))).status).toBe(401);
    expect(
      (
        await rejection(
          authenticateWith(
            s,
            req({ headers: { 'x-agentcy-signature': signWebhookBody('x', body) }, rawBody: body }) as never,
          ),
        )
      ).details?.reason,
    ).toBe('unknown_webhook');
  });
  it('is 503 when no module provides a resolver', async () => {
    const s = new WebhookSignatureStrategy(undefined);
    expect(
      (await rejection(authenticateWith(s, req({ headers: { 'x-agentcy-signature': 'sha256=00' } }) as never))).status,
    ).toBe(503);
  });
});

describe('SharedSecretStrategy', () => {
  const found = { secret: 's3cret-value', orgId: 'org-2', subject: 'channel:c1' };
  it('accepts the X-Agentcy-Secret header or ?secret=', async () => {
    const s = new SharedSecretStrategy(resolverOf(found));
    await expect(authenticateWith(s, req({ headers: { 'x-agentcy-secret': 's3cret-value' } }))).resolves.toMatchObject({
      kind: 'shared_secret',
      orgId: 'org-2',
      subject: 'channel:c1',
    });
    await expect(authenticateWith(s, req({ query: { secret: 's3cret-value' } }))).resolves.toMatchObject({
      kind: 'shared_secret',
    });
  });
  it('rejects a wrong or missing secret (401)', async () => {
    const s = new SharedSecretStrategy(resolverOf(found));
    expect(
      (await rejection(authenticateWith(s, req({ headers: { 'x-agentcy-secret': 's3cret-valuf' } })))).status,
    ).toBe(401);
    expect((await rejection(authenticateWith(s, req()))).details?.reason).toBe('missing_secret');
    expect(
      (await rejection(authenticateWith(new SharedSecretStrategy(resolverOf(null)), req({ query: { secret: 'x' } }))))
        .status,
    ).toBe(401);
  });
});

describe('pipeline and preview tokens', () => {
  const config = AppConfig.fromEnv({ JWT_SECRET: 'unit-test-secret-unit-test-secret-0001' });
  const tokens = new ServiceTokenService(config);
  const pipeline = new PipelineTokenStrategy(tokens);
  const preview = new PreviewTokenStrategy(tokens);

  it('pipeline: accepts a minted token, with typ pipeline and the run id', async () => {
    const token = await tokens.mintPipelineToken('org-3', 'run-9', 60);
    const caller = await authenticateWith(pipeline, req({ headers: { authorization: `Bearer ${token}` } }));
    expect(caller).toMatchObject({
      kind: 'pipeline',
      orgId: 'org-3',
      subject: 'pipeline:run-9',
      claims: { run_id: 'run-9' },
    });
  });
  it('pipeline: rejects missing, expired, tampered and preview tokens', async () => {
    expect((await rejection(authenticateWith(pipeline, req()))).status).toBe(401);
    const expired = await tokens.mintPipelineToken('org-3', 'run-9', -10);
    expect(
      (await rejection(authenticateWith(pipeline, req({ headers: { authorization: `Bearer ${expired}` } })))).details
        ?.reason,
    ).toBe('token_expired');
    const good = await tokens.mintPipelineToken('org-3', 'run-9', 60);
    const [h, p, s] = good.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), org_id: 'org-other' })).toString('base64url')}.${s}`;
    expect(
      (await rejection(authenticateWith(pipeline, req({ headers: { authorization: `Bearer ${forged}` } })))).status,
    ).toBe(401);
    const previewToken = await tokens.mintPreviewToken('org-3', 'sess-1', 3000, 60);
    expect(
      (await rejection(authenticateWith(pipeline, req({ headers: { authorization: `Bearer ${previewToken}` } }))))
        .status,
    ).toBe(401);
    const otherInstall = new ServiceTokenService(
      AppConfig.fromEnv({ JWT_SECRET: 'another-secret-another-secret-another-1' }),
    );
    const foreign = await otherInstall.mintPipelineToken('org-3', 'run-9', 60);
    expect(
      (await rejection(authenticateWith(pipeline, req({ headers: { authorization: `Bearer ${foreign}` } })))).status,
    ).toBe(401);
  });
  it('preview: accepts ?token= scoped to the session and port of the route', async () => {
    const token = await tokens.mintPreviewToken('org-4', 'sess-1', 3000, 60);
    await expect(
      authenticateWith(preview, req({ query: { token }, params: { session_id: 'sess-1', port: '3000' } })),
    ).resolves.toMatchObject({ kind: 'preview', orgId: 'org-4', claims: { session_id: 'sess-1', port: 3000 } });
    expect(
      (
        await rejection(
          authenticateWith(preview, req({ query: { token }, params: { session_id: 'sess-2', port: '3000' } })),
        )
      ).details?.reason,
    ).toBe('scope_mismatch');
    expect(
      (
        await rejection(
          authenticateWith(preview, req({ query: { token }, params: { session_id: 'sess-1', port: '3001' } })),
        )
      ).details?.reason,
    ).toBe('scope_mismatch');
  });
  it('preview: rejects missing, invalid and pipeline tokens', async () => {
    expect((await rejection(authenticateWith(preview, req()))).status).toBe(401);
    expect((await rejection(authenticateWith(preview, req({ query: { token: 'abc.def.ghi' } })))).status).toBe(401);
    const pipelineToken = await tokens.mintPipelineToken('org-4', 'run-1', 60);
    expect((await rejection(authenticateWith(preview, req({ query: { token: pipelineToken } })))).status).toBe(401);
  });
});
