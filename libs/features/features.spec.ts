import { AppConfig } from '@libs/config';
import { FeatureFlagService, FeatureOverridesPort } from './features';

class FakeOverrides extends FeatureOverridesPort {
  readonly asked: string[] = [];

  async overrides(orgId: string) {
    this.asked.push(orgId);
    return orgId === 'org-off' ? { rag: false } : {};
  }
}

const config = AppConfig.fromEnv({ NODE_ENV: 'test', AGENTCY_FEATURES_RAG: 'true' });

describe('FeatureFlagService', () => {
  it('without the overrides port every org gets the install defaults', async () => {
    const flags = new FeatureFlagService(config);
    expect(flags.defaults().rag).toBe(true);
    expect(await flags.isEnabled('rag', 'org-off')).toBe(true);
  });

  it("applies an org's overrides from the port, and only for a known org", async () => {
    const port = new FakeOverrides();
    const flags = new FeatureFlagService(config, port);
    expect(await flags.isEnabled('rag', 'org-off')).toBe(false);
    expect(await flags.isEnabled('rag', 'org-on')).toBe(true);
    expect(await flags.isEnabled('rag')).toBe(true);
    expect(port.asked).toEqual(['org-off', 'org-on']);
    expect(flags.defaults().rag).toBe(true);
  });
});
