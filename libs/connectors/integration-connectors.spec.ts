import { INTEGRATION_CONNECTORS } from './integration-connectors';

const logger = { info: () => undefined, warn: () => undefined };

describe('integration connectors list', () => {
  it('contains the five integration types with the realms of the spec', () => {
    const realms = Object.fromEntries(INTEGRATION_CONNECTORS.map((c) => [c.type, c.defaultRealm]));
    expect(realms).toEqual({ kubernetes: 'infrastructure', github: 'development', mcp: 'development', openapi: 'development', git: 'development' });
  });

  it.each(INTEGRATION_CONNECTORS.map((c) => [c.type, c] as const))('%s declares a coherent config schema', (_type, c) => {
    expect(c.displayName).toEqual(expect.any(String));
    expect(c.description.length).toBeGreaterThan(10);
    expect(c.configSchema.type).toBe('object');
    const props = c.configSchema.properties as Record<string, any>;
    for (const f of c.secretFields) {
      expect(props[f]).toBeDefined();
      expect(props[f].writeOnly).toBe(true);
    }
    for (const [name, p] of Object.entries(props)) if (p.writeOnly) expect(c.secretFields).toContain(name);
    expect(typeof c.validate).toBe('function');
    expect(typeof c.ingest).toBe('function');
  });

  it.each(['kubernetes', 'github', 'git'])('%s has static tools with effects and object input schemas', async (type) => {
    const c = INTEGRATION_CONNECTORS.find((x) => x.type === type)!;
    const tools = await c.tools({ orgId: 'o', sourceId: 's', sourceName: 'n', realm: c.defaultRealm, config: {}, logger });
    expect(tools.length).toBeGreaterThan(2);
    expect(new Set(tools.map((t) => t.name)).size).toBe(tools.length);
    for (const t of tools) {
      expect(t.name).toMatch(/^[a-z_]+$/);
      expect(['read', 'write', 'destructive']).toContain(t.effect);
      expect(t.inputSchema.type).toBe('object');
      if (t.effect === 'destructive') expect(t.requiresApproval).toBe(true);
    }
  });
});
