import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { isKubeHttpError, kubeSdk } from './kube-sdk';

const root = join(__dirname, '../../..');

/** Modules of `@kubernetes/client-node` a fresh process has loaded after running `script`. */
function sdkModulesLoadedBy(script: string): number {
  const out = execFileSync(
    process.execPath,
    [
      '-r',
      './test/support/swc-register.js',
      '-r',
      './src/register-paths.ts',
      '-e',
      `Promise.resolve((async () => { ${script} })()).then(() => process.stdout.write(String(Object.keys(require.cache).filter((k) => k.includes('@kubernetes/client-node')).length)))`,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  return Number(out);
}

describe('kube-sdk', () => {
  it('recognises the SDK HttpError by its shape', async () => {
    const { HttpError } = await kubeSdk();
    expect(isKubeHttpError(new HttpError({} as never, { message: 'gone' }, 404))).toBe(true);
    expect(isKubeHttpError(new Error('HTTP request failed'))).toBe(false);
    expect(isKubeHttpError(Object.assign(new Error('x'), { name: 'HttpError' }))).toBe(false);
    expect(isKubeHttpError({ name: 'HttpError', statusCode: 404, body: {} })).toBe(false);
  });

  it('loads the SDK only when a kubernetes source is used, not with the connectors', () => {
    expect(sdkModulesLoadedBy(`require('./libs/connectors/all-connectors.ts');`)).toBe(0);
    expect(sdkModulesLoadedBy(`await require('./libs/connectors/kubernetes/kube-sdk.ts').kubeSdk();`)).toBeGreaterThan(
      0,
    );
  });
});
