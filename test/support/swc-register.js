/**
 * Minimal require hook: compiles .ts on the fly with @swc/core (same options as jest.config.js),
 * so a child process can run src/main.ts without a build. Used by spawn-api.ts:
 *   node -r ./test/support/swc-register.js src/main.ts
 */
const fs = require('node:fs');
const swc = require('@swc/core');

const options = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

require.extensions['.ts'] = function compileTs(module, filename) {
  const src = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(src, { ...options, filename });
  module._compile(code, filename);
};
