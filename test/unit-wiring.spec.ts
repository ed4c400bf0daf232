import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The wiring rules of docs/architecture.md, checked on the source: modules reach each other only
 * through explicit Nest `imports`, so the import graph drawn from the code shows every dependency.
 */
const ROOT = join(__dirname, '..');

/** lib modules that are infrastructure every module uses; all other modules are imported explicitly */
const GLOBAL_LIBS = ['config', 'logging', 'database', 'redis', 'audit'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      return tsFiles(path);
    }
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

const rel = (path: string) => relative(ROOT, path);
const read = (path: string) => readFileSync(path, 'utf8');

function offenders(files: string[], pattern: RegExp): string[] {
  return files.filter((f) => pattern.test(read(f))).map(rel);
}

describe('module wiring', () => {
  const modules = tsFiles(join(ROOT, 'src/modules'));

  it('no feature module is global', () => {
    expect(offenders(modules, /@Global\(|global:\s*true/)).toEqual([]);
  });

  it('no ModuleRef look-ups in feature modules', () => {
    expect(offenders(modules, /\bModuleRef\b/)).toEqual([]);
  });

  it('no require() by string in feature modules', () => {
    // a bare `require(` (a method such as `registry.getOrReject(type)` is fine)
    expect(offenders(modules, /(?<![.\w])require\(/)).toEqual([]);
  });

  it('the app module is not global', () => {
    expect(offenders([join(ROOT, 'src/app.module.ts')], /@Global\(|global:\s*true/)).toEqual([]);
  });

  it(`only the infrastructure libs (${GLOBAL_LIBS.join(', ')}) have global modules`, () => {
    const libModules = tsFiles(join(ROOT, 'libs')).filter((f) => f.endsWith('.module.ts'));
    expect(libModules.length).toBeGreaterThan(5);
    const global = offenders(libModules, /@Global\(|global:\s*true/);
    const allowed = global.filter((f) => GLOBAL_LIBS.includes(f.split('/')[1]));
    expect(global.filter((f) => !allowed.includes(f))).toEqual([]);
  });

  it('no setter registration between modules (ports are injected)', () => {
    const all = [...tsFiles(join(ROOT, 'libs')), ...modules];
    expect(offenders(all, /\.set(OverrideSource|OrgConfigSource)\(/)).toEqual([]);
  });

  it('route-group modules import the settings-aware LLM and feature modules, not the bare libs', () => {
    // the bare LlmModule / FeaturesModule ignore per-org settings; OrgLlmModule / OrgFeaturesModule
    // (src/modules/settings/org-settings.module.ts) wire in the settings ports
    const bare = modules
      .filter((f) => !f.endsWith('org-settings.module.ts'))
      .filter((f) => /import \{[^}]*\b(LlmModule|FeaturesModule)\b[^}]*\} from '@libs\//.test(read(f)));
    expect(bare.map(rel)).toEqual([]);
  });
});
