import type { ConnectorDefinition } from '@libs/connectors/connector';
import { ValidationException } from '@libs/errors';
import { applyConfigOverrides, MASK } from './source-config';

const def = {
  type: 'x',
  secretFields: ['token', 'headers'],
  configSchema: { type: 'object', properties: { url: {}, token: {}, headers: {}, label: {}, filter: {} } },
} as unknown as ConnectorDefinition<any>;

const stored = { url: 'https://a.example/data.json', label: 'R', token: 'tok-secret', headers: { Authorization: 'x' } };

const fieldsOf = (f: () => unknown): string[] => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationException);
    return ((e as ValidationException).details as { fields: { field: string }[] }).fields.map((x) => x.field);
  }
  throw new Error('expected a ValidationException');
};

describe('applyConfigOverrides (pipeline step config_overrides)', () => {
  it('merges non-secret overrides over the stored config; the stored object is untouched', () => {
    const copy = JSON.parse(JSON.stringify(stored));
    const r = applyConfigOverrides(def, stored, { label: 'S', filter: 'a' });
    expect(r).toEqual({ config: { ...stored, label: 'S', filter: 'a' }, secretsDropped: [] });
    expect(stored).toEqual(copy);
  });

  it('refuses secret fields (even "***"), unknown fields and null values', () => {
    expect(fieldsOf(() => applyConfigOverrides(def, stored, { token: 'other' }))).toEqual(['config.token']);
    expect(fieldsOf(() => applyConfigOverrides(def, stored, { headers: MASK }))).toEqual(['config.headers']);
    expect(fieldsOf(() => applyConfigOverrides(def, stored, { evil: 1, label: null }))).toEqual([
      'config.evil',
      'config.label',
    ]);
    expect(fieldsOf(() => applyConfigOverrides(def, stored, { label: MASK }))).toEqual(['config.label']);
  });

  it('an overridden destination leaves the stored secrets out (they never follow to another host)', () => {
    const r = applyConfigOverrides(def, stored, { url: 'http://169.254.169.254/latest/meta-data' });
    expect(r.config).toEqual({ url: 'http://169.254.169.254/latest/meta-data', label: 'R' });
    expect(r.secretsDropped.sort()).toEqual(['headers', 'token']);
  });

  it('the same destination keeps the secrets', () => {
    const r = applyConfigOverrides(def, stored, { url: stored.url, label: 'T' });
    expect(r.config.token).toBe('tok-secret');
    expect(r.secretsDropped).toEqual([]);
  });
});
