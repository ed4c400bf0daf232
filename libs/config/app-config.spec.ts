import { AppConfig, ConfigValidationError, renderEnvTable } from './app-config';
import { ENV_VARS } from './env.schema';

describe('AppConfig', () => {
  it('has working development defaults', () => {
    const c = AppConfig.fromEnv({});
    expect(c.port).toBe(8080);
    expect(c.auth.provider).toBe('local');
    expect(c.features).toMatchObject({ rag: true, policies: false });
    expect(c.encryptionKey).toHaveLength(32);
  });

  it('names every bad variable in one error', () => {
    let err: ConfigValidationError | undefined;
    try {
      AppConfig.fromEnv({
        PORT: 'eighty',
        AGENTCY_FEATURES_RAG: 'maybe',
        DATABASE_URL: 'not a url',
        AUTH_PROVIDER: 'ldap',
        JWT_SECRET: 'short',
      });
    } catch (e) {
      err = e as ConfigValidationError;
    }
    expect(err).toBeInstanceOf(ConfigValidationError);
    const text = err!.problems.join('\n');
    for (const name of ['PORT', 'AGENTCY_FEATURES_RAG', 'DATABASE_URL', 'AUTH_PROVIDER', 'JWT_SECRET']) {
      expect(text).toContain(name);
    }
    expect(err!.message).toMatch(/^Invalid configuration:/);
  });

  it('requires secrets in production and OIDC settings with AUTH_PROVIDER=oidc', () => {
    expect(() => AppConfig.fromEnv({ NODE_ENV: 'production' })).toThrow(
      /JWT_SECRET[\s\S]*ENCRYPTION_KEY|ENCRYPTION_KEY[\s\S]*JWT_SECRET/,
    );
    expect(() => AppConfig.fromEnv({ AUTH_PROVIDER: 'oidc' })).toThrow(/JWKS_URL[\s\S]*JWT_ISSUER/);
  });

  it('rejects an encryption key that is not 32 bytes', () => {
    expect(() => AppConfig.fromEnv({ ENCRYPTION_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/ENCRYPTION_KEY/);
  });

  it('renders a README table row for every variable', () => {
    const table = renderEnvTable();
    for (const v of ENV_VARS) {
      expect(table).toContain(`\`${v.name}\``);
    }
  });
});
