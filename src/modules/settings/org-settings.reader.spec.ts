import { SecretBox } from '@libs/crypto';
import { OrgSettingsReader } from './org-settings.reader';
import type { OrgSettingsRow, SettingsRepository } from './settings.repository';
import type { StoredSettings } from './settings.types';

function setup(settings: StoredSettings) {
  const rows: Record<string, OrgSettingsRow> = {
    org: { id: 'org', name: 'org', displayName: 'Org', settings },
  };
  let reads = 0;
  const repo = {
    find: async (orgId: string) => {
      reads++;
      return rows[orgId] ?? null;
    },
  } as unknown as SettingsRepository;
  const box = new SecretBox(Buffer.alloc(32, 7));
  return { reader: new OrgSettingsReader(repo, box), box, rows, reads: () => reads };
}

describe('OrgSettingsReader', () => {
  it('gives the feature overrides that turn a feature off, as the settings store has them now', async () => {
    const t = setup({ features: { rag: false, workers: true } as StoredSettings['features'] });
    expect(await t.reader.overrides('org')).toEqual({ rag: false });
    t.rows.org.settings = {};
    expect(await t.reader.overrides('org')).toEqual({});
    expect(t.reads()).toBe(2);
    expect(await t.reader.overrides('unknown')).toEqual({});
  });

  it("returns the org's LLM configuration with the key opened, or undefined without one", async () => {
    const t = setup({});
    expect(await t.reader.find('org')).toBeUndefined();
    t.rows.org.settings = {
      llm: {
        provider: 'openai',
        model: 'gpt-x',
        api_key_sealed: t.box.seal('sk-org').toString('base64'),
        fallback: { provider: 'anthropic', model: null },
      },
    };
    expect(await t.reader.find('org')).toMatchObject({
      provider: 'openai',
      model: 'gpt-x',
      apiKey: 'sk-org',
      fallback: { provider: 'anthropic', model: undefined },
    });
  });

  it('treats a key sealed under another ENCRYPTION_KEY as no key', async () => {
    const other = new SecretBox(Buffer.alloc(32, 9));
    const t = setup({ llm: { provider: 'openai', api_key_sealed: other.seal('sk-x').toString('base64') } });
    expect((await t.reader.find('org'))?.apiKey).toBeUndefined();
  });
});
