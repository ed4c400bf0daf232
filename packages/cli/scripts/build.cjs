#!/usr/bin/env node
/**
 * `npm run cli:build`: compiles the CLI (tsc into a scratch directory, type-checked against the types generated from
 * openapi.json) and bundles it with its dependencies into one self-contained Node script
 * (webpack, which the Nest CLI already brings), then writes, for every target,
 *   <out>/<version>/agentcy-<os>-<arch>   (linux|darwin|windows × amd64|arm64)
 *   <out>/<version>/manifest.json         { name, version, node, targets: { "<os>-<arch>": { file, sha256, size } } }
 *   <out>/<version>/SHA256SUMS            sha256sum -c format
 * <out> is --out <dir>, else $CLI_DIST_DIR, else ./dist/cli. The builds are the same JavaScript
 * bundle for every target (it needs Node.js >= 20 on the machine; docs/cli.md says why).
 */
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const PKG_DIR = path.resolve(__dirname, '..');
const pkg = require('../package.json');
const OSES = ['linux', 'darwin', 'windows'];
const ARCHES = ['amd64', 'arm64'];

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main() {
  const out = path.resolve(ROOT, arg('--out') || process.env.CLI_DIST_DIR || 'dist/cli');
  // a private scratch directory (parallel builds never share it) at a fixed depth under the repo:
  // webpack's module ids are hashes of paths relative to it, so the bundle is reproducible
  fs.mkdirSync(path.join(ROOT, '.cache'), { recursive: true });
  const buildDir = fs.mkdtempSync(path.join(ROOT, '.cache', 'cli-build-'));
  try {
    await build(out, buildDir);
  } finally {
    fs.rmSync(buildDir, { recursive: true, force: true });
  }
}

async function build(out, buildDir) {
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc', { paths: [ROOT] }), '-p', path.join(PKG_DIR, 'tsconfig.json'), '--outDir', buildDir],
    { stdio: 'inherit', cwd: ROOT },
  );

  const webpack = require(require.resolve('webpack', { paths: [ROOT] }));
  const bundleDir = path.join(buildDir, 'bundle');
  const stats = await new Promise((resolve, reject) =>
    webpack(
      {
        mode: 'production',
        target: 'node20',
        context: buildDir,
        entry: path.join(buildDir, 'src', 'main.js'),
        output: { path: bundleDir, filename: 'agentcy.js' },
        resolve: {
          conditionNames: ['require', 'node', 'default'],
          extensions: ['.js', '.json'],
          modules: [path.join(ROOT, 'node_modules'), 'node_modules'],
        },
        optimization: { minimize: false, nodeEnv: false },
        devtool: false,
        performance: { hints: false },
        plugins: [new webpack.BannerPlugin({ banner: '#!/usr/bin/env node', raw: true, entryOnly: true })],
      },
      (err, s) => (err ? reject(err) : resolve(s)),
    ),
  );
  if (stats.hasErrors()) {
    throw new Error(stats.toString({ all: false, errors: true }));
  }
  const bundle = fs.readFileSync(path.join(bundleDir, 'agentcy.js'));
  const sha256 = createHash('sha256').update(bundle).digest('hex');

  const versionDir = path.join(out, pkg.version);
  fs.rmSync(versionDir, { recursive: true, force: true });
  fs.mkdirSync(versionDir, { recursive: true });
  const targets = {};
  const sums = [];
  for (const os of OSES) {
    for (const arch of ARCHES) {
      const file = `agentcy-${os}-${arch}`;
      fs.writeFileSync(path.join(versionDir, file), bundle, { mode: 0o755 });
      fs.chmodSync(path.join(versionDir, file), 0o755);
      targets[`${os}-${arch}`] = { file, sha256, size: bundle.length };
      sums.push(`${sha256}  ${file}`);
    }
  }
  const manifest = { name: pkg.name, version: pkg.version, node: pkg.engines.node, targets };
  fs.writeFileSync(path.join(versionDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(path.join(versionDir, 'SHA256SUMS'), `${sums.join('\n')}\n`);
  process.stdout.write(`agentcy-cli ${pkg.version}: ${bundle.length} bytes, sha256 ${sha256} → ${versionDir}\n`);
}

main().catch((err) => {
  process.stderr.write(`cli:build failed: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
