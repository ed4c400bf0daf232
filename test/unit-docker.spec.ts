import { AppConfig, ENV_VARS } from '@libs/config';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..');

/** No Docker on the CI machine: the compose file and the image are checked as text instead. */
describe('docker/', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker/docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment?: Record<string, string>; build?: { dockerfile: string } }>;
  };

  it('composes postgres, neo4j 5.26, redis and the api, which the API config accepts', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'neo4j', 'postgres', 'redis']);
    const api = compose.services.api.environment ?? {};
    const known = new Set(ENV_VARS.map((v) => v.name));
    expect(Object.keys(api).filter((k) => !known.has(k))).toEqual([]);
    const env = Object.fromEntries(
      Object.entries(api).map(([k, v]) => [k, String(v).replace(/\$\{(\w+):-([^}]*)\}/, '$2')]),
    );
    expect(() => AppConfig.fromEnv(env)).not.toThrow();
    expect((compose.services.neo4j as { image?: string }).image).toMatch(/^neo4j:5\.26/);
  });

  it('builds the image from the repository with a context ignore file and runs the compiled API', () => {
    const dockerfile = readFileSync(join(ROOT, compose.services.api.build!.dockerfile), 'utf8');
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/CMD \["node", "dist\/src\/main\.js"\]/);
    expect(existsSync(join(ROOT, 'docker/Dockerfile.dockerignore'))).toBe(true);
    const ignored = readFileSync(join(ROOT, 'docker/Dockerfile.dockerignore'), 'utf8');
    for (const heavy of ['node_modules', '.stack', 'dist']) {
      expect(ignored).toContain(heavy);
    }
  });
});
