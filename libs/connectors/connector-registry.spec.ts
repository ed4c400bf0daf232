import { assertConfigShape, toHttpError } from './config-validation';
import { ConnectorConfigError, type ConnectorDefinition } from './connector';
import { ConnectorRegistry } from './connector-registry';
import { CORE_CONNECTORS } from './core-connectors';

const fake = (type: string): ConnectorDefinition =>
  ({
    type,
    displayName: type,
    description: '',
    defaultRealm: 'data',
    configSchema: { type: 'object' },
    secretFields: [],
    validate: async () => ({ ok: true }),
    tools: async () => [],
    executeTool: async () => null,
  }) as ConnectorDefinition;

describe('ConnectorRegistry', () => {
  it('holds every definition by default and restricts to AGENTCY_CONNECTORS', () => {
    expect(new ConnectorRegistry(CORE_CONNECTORS).list().map((d) => d.type)).toEqual(['csv', 'json', 'postgres']);
    const only = new ConnectorRegistry(CORE_CONNECTORS, ['csv', ' JSON ']);
    expect(only.list().map((d) => d.type)).toEqual(['csv', 'json']);
    expect(only.has('postgres')).toBe(false);
    expect(() => only.getOrReject('postgres')).toThrow(/Unknown or disabled/);
  });

  it('refuses duplicate or malformed types', () => {
    expect(() => new ConnectorRegistry([fake('a'), fake('a')])).toThrow(/twice/);
    expect(() => new ConnectorRegistry([fake('Bad Type')])).toThrow(/valid identifier/);
  });
});

describe('config validation', () => {
  const pg = CORE_CONNECTORS.find((d) => d.type === 'postgres')!;

  it('reports shape problems per field as 400 validation_failed', () => {
    try {
      assertConfigShape(pg, { host: 'x', port: 'nope', extra: true });
      throw new Error('expected a failure');
    } catch (err) {
      const e = err as { status: number; code: string; details: { fields: { field: string }[] } };
      expect(e.status).toBe(400);
      expect(e.code).toBe('validation_failed');
      const fields = e.details.fields.map((f) => f.field);
      expect(fields).toEqual(expect.arrayContaining(['config.port', 'config.extra']));
    }
    expect(() => assertConfigShape(pg, { connection_string: 'postgres://u@h/db' })).not.toThrow();
  });

  it('maps connector errors: shape → 400, credentials/scope/unreachable → 422 with details', () => {
    expect(toHttpError(new ConnectorConfigError('shape', 'bad'))).toMatchObject({
      status: 400,
      code: 'validation_failed',
    });
    expect(toHttpError(new ConnectorConfigError('scope', 'missing', { missing_scopes: ['repo'] }))).toMatchObject({
      status: 422,
      code: 'source_validation_failed',
      details: { kind: 'scope', missing_scopes: ['repo'] },
    });
    expect(toHttpError(new ConnectorConfigError('credentials', 'no'))).toMatchObject({
      status: 422,
      details: { kind: 'credentials' },
    });
    const other = new Error('x');
    expect(toHttpError(other)).toBe(other);
  });
});
