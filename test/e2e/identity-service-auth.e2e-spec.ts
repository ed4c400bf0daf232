import { CurrentCaller, Signed, WorkerToken } from '@libs/auth/auth.decorators';
import type { ServiceCaller } from '@libs/auth/principal';
import {
  SharedSecretResolver,
  WebhookSecretResolver,
  type ResolvedServiceSecret,
} from '@libs/auth/service-secret.resolvers';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import { signWebhookBody } from '@libs/auth/strategies';
import { Post } from '@libs/http';
import { IdempotencyModule } from '@libs/idempotency';
import { Controller, Get, HttpCode, Injectable, Module } from '@nestjs/common';
import type { Request } from 'express';
import { registerOwner } from '../factories/users';
import { startTestApp, TestApp } from '../setup/test-app';

// Test-only routes mounted beside the real app: they exercise the real global AuthGuard and
// the registered strategies over real HTTP; they are not features of the API.
@Injectable()
class ProbeHookSecrets extends WebhookSecretResolver {
  async resolve(req: Request): Promise<ResolvedServiceSecret | null> {
    return req.params.id === 'hook-1' ? { secret: 'whsec_probe', orgId: undefined, subject: 'webhook:hook-1' } : null;
  }
}

@Injectable()
class ProbeChannelSecrets extends SharedSecretResolver {
  async resolve(req: Request): Promise<ResolvedServiceSecret | null> {
    return req.params.id === 'chan-1' ? { secret: 'channel-secret', subject: 'channel:chan-1' } : null;
  }
}

@Controller('__probe')
class ProbeController {
  @Post('worker')
  @HttpCode(200)
  @WorkerToken()
  worker(@CurrentCaller() c: ServiceCaller) {
    return c;
  }

  @Post('hooks/:id')
  @HttpCode(200)
  @Signed('webhook')
  hook(@CurrentCaller() c: ServiceCaller) {
    return c;
  }

  @Post('incoming/:id')
  @HttpCode(200)
  @Signed('shared_secret')
  incoming(@CurrentCaller() c: ServiceCaller) {
    return c;
  }

  @Get('pipeline')
  @Signed('pipeline')
  pipeline(@CurrentCaller() c: ServiceCaller) {
    return c;
  }

  @Get('preview/:session_id/:port')
  @Signed('preview')
  preview(@CurrentCaller() c: ServiceCaller) {
    return c;
  }
}

@Module({
  imports: [IdempotencyModule],
  controllers: [ProbeController],
  providers: [
    { provide: WebhookSecretResolver, useClass: ProbeHookSecrets },
    { provide: SharedSecretResolver, useClass: ProbeChannelSecrets },
  ],
  exports: [WebhookSecretResolver, SharedSecretResolver],
})
class ProbeModule {}

describe('identity: non-user credentials through the global guard (real HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ WORKER_TOKEN: 'probe-worker-token-0123456789' }, { extraModules: [ProbeModule] });
  });
  afterAll(() => t.close());

  it('worker token: valid → 200 with the caller; wrong, missing or a user JWT → 401', async () => {
    const ok = await t
      .http()
      .post('/api/v1/__probe/worker')
      .set('Authorization', 'Bearer probe-worker-token-0123456789')
      .expect(200);
    expect(ok.body).toEqual({ kind: 'worker', subject: 'worker' });
    const wrong = await t
      .http()
      .post('/api/v1/__probe/worker')
      .set('Authorization', 'Bearer probe-worker-token-0123456780')
      .expect(401);
    expect(wrong.body.error.code).toBe('unauthorized');
    await t.http().post('/api/v1/__probe/worker').expect(401);
    const owner = await registerOwner(t, 'svc');
    await t.http().post('/api/v1/__probe/worker').set(owner.auth).expect(401);
  });

  it('webhook HMAC over the raw body', async () => {
    const raw = '{"b":2,   "a":1}';
    const ok = await t
      .http()
      .post('/api/v1/__probe/hooks/hook-1')
      .set('content-type', 'application/json')
      .set('X-Agentcy-Signature', signWebhookBody('whsec_probe', raw))
      .send(raw)
      .expect(200);
    expect(ok.body).toMatchObject({ kind: 'webhook', subject: 'webhook:hook-1' });
    // same JSON, different bytes → different signature
    const bad = await t
      .http()
      .post('/api/v1/__probe/hooks/hook-1')
      .set('content-type', 'application/json')
      .set('X-Agentcy-Signature', signWebhookBody('whsec_probe', raw))
      .send('{"b":2,"a":1}')
      .expect(401);
    expect(bad.body.error.code).toBe('invalid_signature');
    await t.http().post('/api/v1/__probe/hooks/hook-1').set('content-type', 'application/json').send(raw).expect(401);
    await t
      .http()
      .post('/api/v1/__probe/hooks/hook-2')
      .set('content-type', 'application/json')
      .set('X-Agentcy-Signature', signWebhookBody('whsec_probe', raw))
      .send(raw)
      .expect(401);
  });

  it('shared secret in the header or ?secret=', async () => {
    await t
      .http()
      .post('/api/v1/__probe/incoming/chan-1')
      .set('X-Agentcy-Secret', 'channel-secret')
      .send({})
      .expect(200);
    await t.http().post('/api/v1/__probe/incoming/chan-1?secret=channel-secret').send({}).expect(200);
    await t
      .http()
      .post('/api/v1/__probe/incoming/chan-1')
      .set('X-Agentcy-Secret', 'channel-secreT')
      .send({})
      .expect(401);
    await t.http().post('/api/v1/__probe/incoming/chan-1').send({}).expect(401);
  });

  it('pipeline and preview tokens minted by ServiceTokenService', async () => {
    const tokens = t.app.get(ServiceTokenService);
    const org = (await registerOwner(t, 'svc-tokens')).orgId;
    const pipe = await tokens.mintPipelineToken(org, 'run-1', 60);
    const ok = await t.http().get('/api/v1/__probe/pipeline').set('Authorization', `Bearer ${pipe}`).expect(200);
    expect(ok.body).toMatchObject({ kind: 'pipeline', subject: 'pipeline:run-1', claims: { run_id: 'run-1' } });
    await t.http().get('/api/v1/__probe/pipeline').expect(401);
    await t
      .http()
      .get('/api/v1/__probe/pipeline')
      .set('Authorization', `Bearer ${await tokens.mintPipelineToken('o', 'r', -5)}`)
      .expect(401);
    const preview = await tokens.mintPreviewToken(org, 'sess-1', 5173, 60);
    await t.http().get(`/api/v1/__probe/preview/sess-1/5173?token=${preview}`).expect(200);
    await t.http().get(`/api/v1/__probe/preview/sess-2/5173?token=${preview}`).expect(401);
    await t.http().get(`/api/v1/__probe/preview/sess-1/5173?token=${pipe}`).expect(401);
    await t.http().get('/api/v1/__probe/preview/sess-1/5173').expect(401);
    // a pipeline token is not a user session
    await t.http().get('/api/v1/auth/me').set('Authorization', `Bearer ${pipe}`).expect(401);
    // a valid token of an org that does not exist (purged) acts for nobody
    const orphan = await tokens.mintPipelineToken('00000000-0000-0000-0000-000000000001', 'run-2', 60);
    const gone = await t.http().get('/api/v1/__probe/pipeline').set('Authorization', `Bearer ${orphan}`).expect(403);
    expect(gone.body.error.code).toBe('org_disabled');
  });
});
