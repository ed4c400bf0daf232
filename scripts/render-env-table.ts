/** Rewrites the environment table in README.md from libs/config/env.schema.ts (`npm run docs:env`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderEnvTable } from '../libs/config/app-config';

export const START = '<!-- env-table:start -->';
export const END = '<!-- env-table:end -->';

const readme = join(__dirname, '..', 'README.md');
const text = readFileSync(readme, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  throw new Error('README.md has no env-table markers');
}
writeFileSync(readme, `${text.slice(0, a + START.length)}\n${renderEnvTable()}\n${text.slice(b)}`);
