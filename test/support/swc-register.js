/**
 * Minimal require hook: compiles .ts on the fly with @swc/core (the options of swc.options.js, shared with Jest),
 * so a child process can run src/main.ts without a build. Used by spawn-api.ts:
 *   node -r ./test/support/swc-register.js src/main.ts
 */
const fs = require('node:fs');
const swc = require('@swc/core');

const options = require('../../swc.options');

require.extensions['.ts'] = function compileTs(module, filename) {
  const src = fs.readFileSync(filename, 'utf8');
  const { code } = swc.transformSync(src, { ...options, filename });
  module._compile(code, filename);
};
