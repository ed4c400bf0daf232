/**
 * Resolves the `@libs/*` and `src/*` import aliases in the compiled output (tsc keeps them
 * as written). Imported first by every entry point; jest maps them itself.
 */
import Module from 'node:module';
import { join } from 'node:path';

const root = join(__dirname, '..');
const mod = Module as unknown as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
const original = mod._resolveFilename;
mod._resolveFilename = function (request: string, ...rest: unknown[]) {
  if (request.startsWith('@libs/')) {
    request = join(root, 'libs', request.slice(6));
  } else if (request.startsWith('src/')) {
    request = join(root, 'src', request.slice(4));
  }
  return original.call(this, request, ...rest);
};
