import { ALL_CONNECTORS } from './all-connectors';
import { changedDestinationFields, destinationFieldsOf } from './destination-fields';

describe('destination fields', () => {
  it('defaults to the schema properties that name a destination', () => {
    const def = {
      configSchema: {
        type: 'object' as const,
        properties: {
          url: {},
          base_url: {},
          spec_url: {},
          host: {},
          port: {},
          server: {},
          token: {},
          owner: {},
          hostname: {},
        },
      },
    };
    expect(destinationFieldsOf(def).sort()).toEqual([
      'base_url',
      'host',
      'hostname',
      'port',
      'server',
      'spec_url',
      'url',
    ]);
    expect(destinationFieldsOf({ ...def, destinationFields: ['spec'] })).toEqual(['spec']);
  });

  it('every built-in connector with secrets has destination fields that exist in its schema', () => {
    for (const def of ALL_CONNECTORS.filter((d) => d.secretFields.length)) {
      const fields = destinationFieldsOf(def);
      expect({ type: def.type, some: fields.length > 0 }).toEqual({ type: def.type, some: true });
      for (const f of fields) {
        expect({ type: def.type, field: f, known: f in (def.configSchema.properties ?? {}) }).toMatchObject({
          known: true,
        });
      }
    }
  });

  it('compares values deeply (an echoed object is not a change)', () => {
    const def = {
      configSchema: { type: 'object' as const, properties: {} },
      destinationFields: ['url', 'spec', 'args'],
    };
    const stored = {
      url: 'https://a.example',
      spec: { servers: [{ url: 'https://a' }], openapi: '3.0.0' },
      args: ['x'],
    };
    expect(
      changedDestinationFields(def, stored, {
        url: 'https://a.example',
        spec: { openapi: '3.0.0', servers: [{ url: 'https://a' }] },
        args: ['x'],
      }),
    ).toEqual([]);
    expect(
      changedDestinationFields(def, stored, { ...stored, url: 'https://b.example', args: ['x', 'y'] }).sort(),
    ).toEqual(['args', 'url']);
    expect(changedDestinationFields(def, stored, { spec: stored.spec, args: stored.args })).toEqual(['url']);
  });
});
