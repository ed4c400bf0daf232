import { AppException } from '@libs/errors';
import type { Request } from 'express';
import { authenticateWith } from '../passport/run-strategy';
import { ResolvedServiceSecret, WebhookSecretResolver } from '../service-secret.resolvers';
import {
  REPLAY_WINDOW_MS,
  signTimestampedBody,
  signWebhookBody,
  WebhookSignatureStrategy,
} from './webhook-signature.strategy';

const body = Buffer.from('{"alert":"HighCPU"}');
const found: ResolvedServiceSecret = { secret: 'whsec_k', orgId: 'org-1', subject: 'webhook:wh_1' };

class FakeResolver extends WebhookSecretResolver {
  readonly rejections: string[] = [];
  private readonly seen = new Set<string>();
  resolve(): Promise<ResolvedServiceSecret | null> {
    return Promise.resolve(found);
  }
  override rejected(_req: Request, _f: ResolvedServiceSecret, reason: string): Promise<void> {
    this.rejections.push(reason);
    return Promise.resolve();
  }
  override firstSeen(key: string): Promise<boolean> {
    const fresh = !this.seen.has(key);
    this.seen.add(key);
    return Promise.resolve(fresh);
  }
}

function req(headers: Record<string, string>, rawBody = body): Request {
  return { headers, header: (n: string) => headers[n.toLowerCase()], params: {}, rawBody } as unknown as Request;
}

async function reason(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    expect((err as AppException).status).toBe(401);
    expect((err as AppException).code).toBe('invalid_signature');
    return (err as AppException).details?.reason as string;
  }
  throw new Error('expected a 401');
}

describe('WebhookSignatureStrategy: timestamps, replays, rejection hook', () => {
  const now = () => String(Math.floor(Date.now() / 1000));

  it('accepts a timestamped signature over "<ts>.<body>" once; the same signed delivery again is refused', async () => {
    const r = new FakeResolver();
    const s = new WebhookSignatureStrategy(r);
    const ts = now();
    const headers = { 'x-agentcy-signature': signTimestampedBody('whsec_k', ts, body), 'x-agentcy-timestamp': ts };
    await expect(authenticateWith(s, req(headers) as never)).resolves.toMatchObject({ orgId: 'org-1' });
    expect(await reason(authenticateWith(s, req(headers) as never))).toBe('replayed');
    expect(r.rejections).toEqual(['replayed']);
  });

  it('refuses a stale or future timestamp, a body-only signature sent with a timestamp, and reports each refusal', async () => {
    const r = new FakeResolver();
    const s = new WebhookSignatureStrategy(r);
    const old = String(Math.floor((Date.now() - REPLAY_WINDOW_MS - 5_000) / 1000));
    const future = String(Math.floor((Date.now() + REPLAY_WINDOW_MS + 5_000) / 1000));
    const ts = now();
    const cases: Record<string, string>[] = [
      { 'x-agentcy-signature': signTimestampedBody('whsec_k', old, body), 'x-agentcy-timestamp': old },
      { 'x-agentcy-signature': signTimestampedBody('whsec_k', future, body), 'x-agentcy-timestamp': future },
      { 'x-agentcy-signature': signWebhookBody('whsec_k', body), 'x-agentcy-timestamp': ts },
      { 'x-agentcy-signature': signWebhookBody('whsec_k', body), 'x-agentcy-timestamp': 'yesterday' },
      { 'x-agentcy-signature': 'sha1=abc' },
      {},
    ];
    const reasons = [];
    for (const h of cases) {
      reasons.push(await reason(authenticateWith(s, req(h) as never)));
    }
    expect(reasons).toEqual([
      'stale_timestamp',
      'stale_timestamp',
      'signature_mismatch',
      'malformed_timestamp',
      'malformed_signature',
      'missing_signature',
    ]);
    expect(r.rejections).toEqual(reasons);
  });

  it('a body-only signature without a timestamp is accepted (the documented scheme), case-insensitively', async () => {
    const s = new WebhookSignatureStrategy(new FakeResolver());
    const headers = {
      'x-agentcy-signature': signWebhookBody('whsec_k', body).toUpperCase().replace('SHA256', 'sha256'),
    };
    await expect(authenticateWith(s, req(headers) as never)).resolves.toMatchObject({ subject: 'webhook:wh_1' });
  });
});
