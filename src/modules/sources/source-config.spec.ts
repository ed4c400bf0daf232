import type { ConnectorDefinition } from '@libs/connectors/connector';
import { ValidationException } from '@libs/errors';
import { MASK, mergeStoredConfig } from './source-config';

const def = {
  type: 'x',
  secretFields: ['token', 'headers'],
  configSchema: { type: 'object', properties: { url: {}, token: {}, headers: {}, label: {} } },
} as unknown as ConnectorDefinition<any>;

const stored = { url: 'https://a.example/data.json', label: 'R', token: 'tok-secret', headers: { Authorization: 'x' } };

describe('mergeStoredConfig', () => {
  it('same destination: "***" keeps the stored secrets (mergeConfig semantics)', () => {
    const r = mergeStoredConfig(def, stored, { url: stored.url, token: MASK, headers: MASK, label: 'S' });
    expect(r).toEqual({ config: { ...stored, label: 'S' }, destinationChanged: [], secretsCleared: [] });
  });

  it('a new destination clears the secrets the patch does not resend', () => {
    const r = mergeStoredConfig(def, stored, { url: 'https://b.example/data.json' });
    expect(r.config).toEqual({ url: 'https://b.example/data.json', label: 'R' });
    expect(r.destinationChanged).toEqual(['url']);
    expect(r.secretsCleared.sort()).toEqual(['headers', 'token']);
  });

  it('a new destination with new secrets keeps exactly those', () => {
    const r = mergeStoredConfig(def, stored, { url: 'https://b.example/data.json', token: 'tok-new' });
    expect(r.config).toEqual({ url: 'https://b.example/data.json', label: 'R', token: 'tok-new' });
    expect(r.secretsCleared).toEqual(['headers']);
  });

  it('a new destination with a "***" placeholder is a 400 naming each secret to re-enter', () => {
    let err: unknown;
    try {
      mergeStoredConfig(def, stored, { url: 'http://127.0.0.1:1/x.json', token: MASK, headers: MASK });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationException);
    const e = err as ValidationException;
    expect(e.code).toBe('validation_failed');
    expect((e.details as { fields: { field: string }[] }).fields.map((f) => f.field)).toEqual([
      'config.token',
      'config.headers',
    ]);
    expect(e.details).toMatchObject({ destination_changed: ['config.url'] });
  });

  it('removing the destination (null) counts as a change too', () => {
    const r = mergeStoredConfig(def, stored, { url: null });
    expect(r.secretsCleared.sort()).toEqual(['headers', 'token']);
  });
});
