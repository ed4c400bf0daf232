import type { Principal } from '@libs/auth/principal';
import { NotFoundException, ValidationException } from '@libs/errors';
import type { OrgSettingsRow } from './settings.repository';
import { SettingsService } from './settings.service';
import type { StoredSettings } from './settings.types';

/** The settings merge rules with a fake settings store (no database). */

const ORG = '00000000-0000-4000-8000-0000000000aa';
const p = { orgId: ORG, userId: 'u1', email: 'o@example.com', role: 'owner', platformAdmin: false } as Principal;

class FakeSettingsRepository {
  row: OrgSettingsRow | null = { id: ORG, name: 'acme', displayName: 'Acme', settings: {} };

  find(): Promise<OrgSettingsRow | null> {
    return Promise.resolve(this.row && structuredClone(this.row));
  }

  update(
    _orgId: string,
    mutate: (cur: StoredSettings) => { settings: StoredSettings; displayName?: string },
  ): Promise<OrgSettingsRow | null> {
    if (!this.row) {
      return Promise.resolve(null);
    }
    const next = mutate(structuredClone(this.row.settings));
    this.row = { ...this.row, settings: next.settings, displayName: next.displayName ?? this.row.displayName };
    return Promise.resolve(structuredClone(this.row));
  }
}

function setup(settings: StoredSettings = {}, installDefaults: Record<string, boolean> = {}) {
  const repo = new FakeSettingsRepository();
  repo.row!.settings = settings;
  const defaults = {
    rag: true,
    workers: true,
    orchestrator: true,
    voice: false,
    policies: true,
    ciab: true,
    ...installDefaults,
  };
  const audit = { record: jest.fn(() => Promise.resolve()) };
  const realms = { assertExists: jest.fn(() => Promise.resolve()) };
  const llmFactory = {
    envConfig: () => ({ config: { provider: 'builtin' }, source: 'builtin' }),
    assertReachable: jest.fn(() => Promise.resolve()),
  };
  const secrets = { seal: (b: string) => Buffer.from(`sealed:${b}`) };
  const svc = new SettingsService(
    repo as never,
    secrets as never,
    audit as never,
    { defaults: () => defaults } as never,
    llmFactory as never,
    realms as never,
  );
  return { svc, repo, audit, realms };
}

describe('SettingsService merge rules', () => {
  it('a general update keeps keys it does not name and merges security per effect', async () => {
    const { svc, repo } = setup({
      timezone: 'Europe/Paris',
      custom: 1,
      security: { approval_defaults: { write: 'deny' }, approval_timeout_secs: 60 },
    } as StoredSettings);
    const dto = await svc.updateOrgSettings(p, {
      display_name: 'Acme Inc',
      security: { approval_defaults: { destructive: 'deny' } },
    } as never);
    expect(repo.row!.settings).toMatchObject({
      timezone: 'Europe/Paris',
      custom: 1,
      security: { approval_defaults: { write: 'deny', destructive: 'deny' }, approval_timeout_secs: 60 },
    });
    expect(dto.display_name).toBe('Acme Inc');
  });

  it('checks default_realm through the realm check', async () => {
    const { svc, realms } = setup();
    realms.assertExists.mockRejectedValueOnce(new ValidationException('Unknown realm "x"') as never);
    await expect(svc.updateOrgSettings(p, { default_realm: 'x' } as never)).rejects.toBeInstanceOf(ValidationException);
  });

  it('getSecurity applies the documented defaults and ignores invalid stored modes', async () => {
    const { svc } = setup({
      timezone: 'Asia/Tokyo',
      security: { approval_defaults: { read: 'deny', write: 'bogus' } },
    } as unknown as StoredSettings);
    expect(await svc.getSecurity(ORG)).toEqual({
      approvalDefaults: { read: 'deny', write: 'approve', destructive: 'approve' },
      approvalTimeoutSecs: 300,
      orgTimezone: 'Asia/Tokyo',
      allowSelfApproval: false,
    });
  });

  it('feature overrides: only false is stored; true/null remove; replace drops the rest', async () => {
    const { svc, repo } = setup({ features: { rag: false, workers: false } });
    await svc.updateFeatures(p, { workers: true, orchestrator: false } as never, false);
    expect(repo.row!.settings.features).toEqual({ rag: false, orchestrator: false });
    await svc.updateFeatures(p, { policies: false } as never, true);
    expect(repo.row!.settings.features).toEqual({ policies: false });
    await svc.updateFeatures(p, { policies: null } as never, false);
    expect(repo.row!.settings.features).toEqual({});
  });

  it('refuses to switch on per org a feature that is off for the install', async () => {
    const { svc, repo } = setup();
    await expect(svc.updateFeatures(p, { voice: true } as never, false)).rejects.toBeInstanceOf(ValidationException);
    expect(repo.row!.settings.features).toBeUndefined();
  });

  it('keeps the stored LLM key for the same destination and drops it for another one', async () => {
    const { svc, repo } = setup();
    await svc.updateLlmSettings(p, { provider: 'anthropic', api_key: 'sk-ant-secret-1' } as never);
    const sealed = repo.row!.settings.llm?.api_key_sealed;
    expect(sealed).toBeTruthy();
    await svc.updateLlmSettings(p, { provider: 'anthropic', model: 'm2' } as never);
    expect(repo.row!.settings.llm?.api_key_sealed).toBe(sealed);
    const dto = await svc.updateLlmSettings(p, { provider: 'google' } as never);
    expect(repo.row!.settings.llm?.api_key_sealed).toBeNull();
    expect(dto.api_key_set).toBe(false);
  });

  it('an unknown org is a 404', async () => {
    const { svc, repo } = setup();
    repo.row = null;
    await expect(svc.updateSecuritySettings(p, { approval_timeout_secs: 30 } as never)).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });
});
