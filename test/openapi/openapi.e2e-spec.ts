import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestApp } from '../setup/test-app';

const ROOT = join(__dirname, '..', '..');

describe('OpenAPI document', () => {
  let t: TestApp;
  let doc: any;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/api/v1/openapi.json').expect(200)).body;
    // inside the repo so the generated client resolves the project's node_modules
    mkdirSync(join(ROOT, '.stack'), { recursive: true });
    dir = mkdtempSync(join(ROOT, '.stack', 'openapi-'));
    writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
  });
  afterAll(() => t.close());

  it('is OpenAPI 3.1 and valid according to a third-party validator', () => {
    expect(doc.openapi).toBe('3.1.0');
    const out = execFileSync(process.execPath, [join(__dirname, 'validate-openapi.mjs'), join(dir, 'openapi.json')], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const res = JSON.parse(out);
    expect(res.errors).toBeNull();
    expect(res.valid).toBe(true);
  });

  it('every operation has a unique operationId, a response and, if protected, the error envelope', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      // the one root route: GET /metrics (docs/metrics.md), where scrapers look for it
      expect(path.startsWith('/api/v1/') || path === '/metrics').toBe(true);
      for (const [method, op] of Object.entries<any>(item)) {
        expect(op.operationId).toBeTruthy();
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
        const bad = op.responses?.['400'];
        expect(bad?.content?.['application/json']?.schema?.$ref).toBe('#/components/schemas/ErrorEnvelope');
        if (method === 'post') {
          expect(op.parameters?.some((p: any) => p.name === 'Idempotency-Key')).toBe(true);
        }
      }
    }
    expect(doc.components.schemas.ErrorEnvelope).toBeDefined();
    expect(ids.size).toBeGreaterThan(3);
  });

  it('the built API serves exactly the committed openapi.json, which is valid too (`npm run build && npm run openapi:write` after API changes)', () => {
    // the dist build carries more schema detail than this Jest run (the Nest CLI swagger plugin adds
    // class-validator constraints at compile time), so the build's document is the one compared
    const built = join(dir, 'built.json');
    execFileSync(process.execPath, [join(ROOT, 'dist/src/bin/write-openapi.js'), built], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: 'pipe',
    });
    const committed = JSON.parse(readFileSync(join(ROOT, 'openapi.json'), 'utf8'));
    expect(JSON.parse(readFileSync(built, 'utf8'))).toEqual(committed);
    const res = JSON.parse(
      execFileSync(process.execPath, [join(__dirname, 'validate-openapi.mjs'), join(ROOT, 'openapi.json')], {
        cwd: ROOT,
        encoding: 'utf8',
      }),
    );
    expect(res.errors).toBeNull();
    // and the document served here describes the same operations
    const ops = (d: any) =>
      Object.entries(d.paths)
        .flatMap(([p, m]: [string, any]) => Object.keys(m).map((k) => `${k} ${p} ${m[k].operationId}`))
        .sort();
    expect(ops(doc)).toEqual(ops(committed));
  });

  it('serves the interactive reference page at /api/v1/docs', async () => {
    const res = await t.http().get('/api/v1/docs').redirects(1).expect(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('Agentcy API reference');
  });

  it('documents the core routes of the seed', () => {
    expect(doc.paths['/api/v1/health'].get).toBeDefined();
    expect(doc.paths['/api/v1/auth/login'].post).toBeDefined();
    expect(doc.paths['/api/v1/auth/me'].get.security).toEqual([{ bearer: [] }]);
  });

  it('generates a typed client (openapi-typescript) that compiles', () => {
    execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'),
        join(dir, 'openapi.json'),
        '-o',
        join(dir, 'schema.d.ts'),
      ],
      { cwd: ROOT, encoding: 'utf8', stdio: 'pipe' },
    );
    copyFileSync(join(__dirname, 'client-usage.ts.txt'), join(dir, 'client.ts'));
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          esModuleInterop: true,
          skipLibCheck: true,
          types: [],
        },
        files: ['client.ts'],
      }),
    );
    try {
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')],
        { cwd: dir, encoding: 'utf8', stdio: 'pipe' },
      );
    } catch (err: any) {
      throw new Error(`generated client does not compile:\n${err.stdout}${err.stderr}`, { cause: err });
    }
  });
});
