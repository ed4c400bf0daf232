import type { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { EgressGuard } from '@libs/egress';
import { startRecordingServer } from '../../test/support/recording-server';
import type { LlmConfig } from './llm-config';
import { ConfiguredLlmProviderFactory, OrgLlmConfigPort } from './llm-provider.factory';
import type { LlmProvider } from './llm.port';
import { AiSdkLlmProvider } from './providers/ai-sdk.provider';
import { OfflineLlmProvider } from './providers/offline.provider';

const audit = { record: async () => undefined } as unknown as AuditService;
const guards: EgressGuard[] = [];
afterAll(() => Promise.all(guards.map((g) => g.onModuleDestroy())));

/** The settings module's side of the port: each test sets what it returns. */
class FakeOrgLlmConfig extends OrgLlmConfigPort {
  private source: (orgId: string) => Promise<LlmConfig | undefined> = async () => undefined;

  set(source: (orgId: string) => Promise<LlmConfig | undefined>): void {
    this.source = source;
  }

  find(orgId: string): Promise<LlmConfig | undefined> {
    return this.source(orgId);
  }
}

let orgConfig = new FakeOrgLlmConfig();

function factory(env: Record<string, string> = {}) {
  const config = AppConfig.fromEnv({ NODE_ENV: 'test', EGRESS_ALLOW: '127.0.0.1', ...env });
  const guard = new EgressGuard(config, audit);
  guards.push(guard);
  orgConfig = new FakeOrgLlmConfig();
  return new ConfiguredLlmProviderFactory(config, guard, orgConfig);
}

async function drain(p: LlmProvider): Promise<string> {
  let text = '';
  for await (const ev of p.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })) {
    if (ev.type === 'text_delta') {
      text += ev.delta;
    }
  }
  return text;
}

describe('ConfiguredLlmProviderFactory', () => {
  it('falls back to the offline provider when nothing is configured', async () => {
    const f = factory();
    const p = await f.forOrg('org-1');
    expect(p).toBeInstanceOf(OfflineLlmProvider);
    expect(p.name).toBe('offline');
    expect(await f.resolve('org-1')).toEqual({
      source: 'default',
      config: { provider: 'offline', model: 'offline-keyword-matcher' },
    });
  });

  it('uses the env configuration', async () => {
    const f = factory({ LLM_PROVIDER: 'anthropic', LLM_MODEL: 'claude-x', LLM_API_KEY: 'sk-env' });
    const p = await f.forOrg('org-1');
    expect(p).toBeInstanceOf(AiSdkLlmProvider);
    expect([p.name, p.model]).toEqual(['anthropic', 'claude-x']);
    expect((await f.resolve('org-1')).source).toBe('env');
  });

  it('uses OPENAI_API_KEY / ANTHROPIC_API_KEY / GOOGLE_API_KEY when no other key is given', async () => {
    const f = factory({ LLM_PROVIDER: 'google', GOOGLE_API_KEY: 'g-env', ANTHROPIC_API_KEY: 'a-env' });
    expect((await f.resolve('x')).config.apiKey).toBe('g-env');
    orgConfig.set(async () => ({ provider: 'anthropic' }));
    expect((await f.resolve('x')).config.apiKey).toBe('a-env');
    orgConfig.set(async () => ({ provider: 'anthropic', apiKey: 'a-org' }));
    expect((await f.resolve('x')).config.apiKey).toBe('a-org');
  });

  it('org settings override env; model override applies; env key is inherited for the same provider only', async () => {
    const f = factory({ LLM_PROVIDER: 'openai', LLM_API_KEY: 'sk-env' });
    const orgs: Record<string, LlmConfig | undefined> = {
      a: { provider: 'google', model: 'gemini-x', apiKey: 'g-key' },
      b: { provider: 'openai', model: 'gpt-x' },
      c: { provider: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1' },
      d: { provider: 'offline' },
    };
    orgConfig.set(async (orgId) => orgs[orgId]);
    const a = await f.forOrg('a');
    expect([a.name, a.model]).toEqual(['google', 'gemini-x']);
    expect((await f.resolve('a')).config.apiKey).toBe('g-key');
    expect((await f.resolve('b')).config).toMatchObject({ provider: 'openai', model: 'gpt-x', apiKey: 'sk-env' });
    expect((await f.resolve('c')).config.apiKey).toBeUndefined();
    expect((await f.resolve('c')).config.model).toBe('default');
    expect((await f.forOrg('d')).name).toBe('offline');
    const env = await f.forOrg('unknown', { model: 'gpt-override' });
    expect([env.name, env.model]).toEqual(['openai', 'gpt-override']);
    expect((await f.resolve('unknown')).source).toBe('env');
    expect((await f.resolve('a')).source).toBe('org');
  });
});

describe('install keys and the egress guard', () => {
  const INSTALL = { LLM_PROVIDER: 'openai', LLM_API_KEY: 'sk-llm-install', OPENAI_API_KEY: 'sk-install-secret' };

  it('an org base URL never gets an install key; its own key only', async () => {
    const rec = await startRecordingServer();
    try {
      const f = factory(INSTALL);
      orgConfig.set(async (orgId) =>
        orgId === 'own'
          ? { provider: 'openai', baseUrl: rec.baseUrl, apiKey: 'sk-own' }
          : { provider: 'openai', baseUrl: rec.baseUrl },
      );
      expect((await f.resolve('keyless')).config.apiKey).toBeUndefined();
      expect(await drain(await f.forOrg('keyless'))).toBe('pong');
      expect(rec.requests[0].headers.authorization).toBeUndefined();
      expect(await drain(await f.forOrg('own'))).toBe('pong');
      expect(rec.requests[1].headers.authorization).toBe('Bearer sk-own');
      expect(rec.sawSecret('sk-install-secret') || rec.sawSecret('sk-llm-install')).toBe(false);
    } finally {
      await rec.close();
    }
  });

  it('the SDK cannot fall back to the process environment either', async () => {
    const rec = await startRecordingServer();
    const saved = { openai: process.env.OPENAI_API_KEY, anthropic: process.env.ANTHROPIC_API_KEY };
    process.env.OPENAI_API_KEY = 'sk-install-secret';
    process.env.ANTHROPIC_API_KEY = 'sk-install-secret';
    try {
      const f = factory();
      for (const provider of ['openai', 'anthropic'] as const) {
        orgConfig.set(async () => ({ provider, baseUrl: rec.baseUrl }));
        await drain(await f.forOrg('x')).catch(() => undefined);
      }
      expect(rec.requests).toHaveLength(2);
      expect(rec.requests.map((r) => [r.headers.authorization, r.headers['x-api-key']])).toEqual([
        [undefined, undefined],
        [undefined, undefined],
      ]);
      expect(rec.sawSecret('sk-install-secret')).toBe(false);
    } finally {
      process.env.OPENAI_API_KEY = saved.openai;
      process.env.ANTHROPIC_API_KEY = saved.anthropic;
      if (saved.openai === undefined) {
        delete process.env.OPENAI_API_KEY;
      }
      if (saved.anthropic === undefined) {
        delete process.env.ANTHROPIC_API_KEY;
      }
      await rec.close();
    }
  });

  it('org endpoints go through the egress guard; the install endpoint does not', async () => {
    const internal = await startRecordingServer('127.0.0.2');
    try {
      const f = factory({ LLM_PROVIDER: 'vllm', LLM_BASE_URL: internal.baseUrl, LLM_API_KEY: 'sk-llm-install' });
      // the operator's own endpoint on an internal address is reached, with the install key
      expect(await drain(await f.forOrg('env-org'))).toBe('pong');
      expect(internal.requests[0].headers.authorization).toBe('Bearer sk-llm-install');
      // an org pointing at another path of that internal server is refused before connecting
      const other = `${internal.origin}/other/v1`;
      orgConfig.set(async () => ({ provider: 'vllm', baseUrl: other, apiKey: 'own' }));
      await expect(drain(await f.forOrg('org'))).rejects.toMatchObject({ code: 'egress_forbidden' });
      await expect(f.assertReachable('org', { provider: 'vllm', baseUrl: other })).rejects.toMatchObject({
        code: 'egress_forbidden',
      });
      // the same internal URL as LLM_BASE_URL is the install endpoint
      orgConfig.set(async () => ({ provider: 'vllm', baseUrl: internal.baseUrl }));
      await expect(f.assertReachable('org', { provider: 'vllm', baseUrl: internal.baseUrl })).resolves.toBeUndefined();
      expect(await drain(await f.forOrg('org'))).toBe('pong');
      expect(internal.requests).toHaveLength(2);
    } finally {
      await internal.close();
    }
  });
});

describe('fallback', () => {
  it('switches to the fallback when the primary fails before streaming, not after', async () => {
    const { startFakeOpenAI } = await import('../../test/support/fake-openai-server');
    const primary = await startFakeOpenAI();
    const backup = await startFakeOpenAI();
    try {
      const f = factory();
      orgConfig.set(async () => ({
        provider: 'vllm',
        model: 'primary-model',
        baseUrl: primary.baseUrl,
        fallback: { provider: 'vllm', model: 'backup-model', baseUrl: backup.baseUrl },
      }));
      const p = await f.forOrg('org');
      expect([p.name, p.model]).toEqual(['vllm', 'primary-model']);
      const run = async () => {
        let text = '';
        for await (const ev of p.stream({ messages: [{ role: 'user', content: 'hi' }], tools: [] })) {
          if (ev.type === 'text_delta') {
            text += ev.delta;
          }
        }
        return text;
      };
      primary.script(
        { status: 503, error: { message: 'overloaded' } },
        { status: 503, error: { message: 'overloaded' } },
      );
      backup.script({ text: 'from backup' });
      expect(await run()).toBe('from backup');
      expect(backup.requests[0].body.model).toBe('backup-model');

      primary.reset();
      backup.reset();
      primary.script({ text: 'from primary' });
      expect(await run()).toBe('from primary');
      expect(backup.requests).toHaveLength(0);

      // an auth failure of the fallback surfaces as the error
      primary.reset();
      backup.reset();
      primary.setDefault({ status: 500 });
      backup.script({ status: 401, error: { message: 'bad key' } });
      await expect(run()).rejects.toMatchObject({ code: 'llm_auth_failed' });
    } finally {
      await primary.close();
      await backup.close();
    }
  });
});
