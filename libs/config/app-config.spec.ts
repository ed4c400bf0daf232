import { createHash } from 'node:crypto';
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

  describe('production refuses development secrets and the default admin password', () => {
    const prod = {
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://db.internal:5432/agentcy',
      REDIS_URL: 'redis://redis.internal:6379',
      JWT_SECRET: 'a-real-production-secret-with-enough-length',
      ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      ADMIN_PASSWORD: 'a-strong-admin-password',
    };
    const devKey = createHash('sha256').update('agentcy-development-encryption-key').digest('base64');

    it('accepts real secrets', () => {
      const c = AppConfig.fromEnv(prod);
      expect(c.adminPassword).toBe('a-strong-admin-password');
      expect(c.registration).toBe('invite');
    });

    it('refuses the development JWT secret and encryption key', () => {
      expect(() => AppConfig.fromEnv({ ...prod, JWT_SECRET: 'agentcy-development-jwt-secret-change-me-now' })).toThrow(
        /JWT_SECRET: the development secret is refused/,
      );
      expect(() => AppConfig.fromEnv({ ...prod, ENCRYPTION_KEY: devKey })).toThrow(
        /ENCRYPTION_KEY: the development key is refused/,
      );
      // outside production the same values are fine
      expect(() =>
        AppConfig.fromEnv({ JWT_SECRET: 'agentcy-development-jwt-secret-change-me-now', ENCRYPTION_KEY: devKey }),
      ).not.toThrow();
    });

    it('SEED_ADMIN (default true) needs ADMIN_PASSWORD; SEED_ADMIN=false does not', () => {
      const { ADMIN_PASSWORD: _omit, ...noPassword } = prod;
      expect(() => AppConfig.fromEnv(noPassword)).toThrow(/ADMIN_PASSWORD: required when SEED_ADMIN=true/);
      expect(() => AppConfig.fromEnv({ ...noPassword, SEED_ADMIN: 'false' })).not.toThrow();
      expect(() => AppConfig.fromEnv({ ...prod, ADMIN_PASSWORD: 'admin' })).toThrow(/ADMIN_PASSWORD: must be at least/);
      expect(AppConfig.fromEnv({}).adminPassword).toBeUndefined();
    });
  });

  it('REGISTRATION: open outside production, invite in production, or as set', () => {
    expect(AppConfig.fromEnv({}).registration).toBe('open');
    expect(AppConfig.fromEnv({ NODE_ENV: 'test' }).registration).toBe('open');
    expect(AppConfig.fromEnv({ REGISTRATION: 'closed' }).registration).toBe('closed');
    expect(() => AppConfig.fromEnv({ REGISTRATION: 'anyone' })).toThrow(
      /REGISTRATION: must be one of open, invite, closed/,
    );
  });

  it('MEMORY_COMPACTION_CRON: 5-field cron (default 0 3 * * *), empty or off disables it; retention >= 1', () => {
    expect(AppConfig.fromEnv({}).memoryCompaction).toEqual({ cron: '0 3 * * *', retentionDays: 30 });
    expect(AppConfig.fromEnv({ MEMORY_COMPACTION_CRON: ' 15 2 * * 0 ' }).memoryCompaction.cron).toBe('15 2 * * 0');
    expect(AppConfig.fromEnv({ MEMORY_COMPACTION_CRON: '' }).memoryCompaction.cron).toBeNull();
    expect(AppConfig.fromEnv({ MEMORY_COMPACTION_CRON: 'OFF' }).memoryCompaction.cron).toBeNull();
    for (const bad of ['* * *', '*/5 * * * * *', '61 3 * * *', 'daily']) {
      expect(() => AppConfig.fromEnv({ MEMORY_COMPACTION_CRON: bad })).toThrow(/MEMORY_COMPACTION_CRON/);
    }
    // a seconds field only with the test-only TASK_CRON_SECONDS
    expect(
      AppConfig.fromEnv({ MEMORY_COMPACTION_CRON: '*/2 * * * * *', TASK_CRON_SECONDS: 'true' }).memoryCompaction.cron,
    ).toBe('*/2 * * * * *');
    expect(AppConfig.fromEnv({ MEMORY_TOMBSTONE_RETENTION_DAYS: '7' }).memoryCompaction.retentionDays).toBe(7);
    expect(() => AppConfig.fromEnv({ MEMORY_TOMBSTONE_RETENTION_DAYS: '0' })).toThrow(
      /MEMORY_TOMBSTONE_RETENTION_DAYS/,
    );
    expect(() => AppConfig.fromEnv({ MEMORY_TOMBSTONE_RETENTION_DAYS: '1.5' })).toThrow(
      /MEMORY_TOMBSTONE_RETENTION_DAYS/,
    );
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
