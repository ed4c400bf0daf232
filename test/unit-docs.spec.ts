import { renderEnvTable } from '@libs/config';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

describe('README', () => {
  it('documents every environment variable exactly as the schema says (npm run docs:env)', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(renderEnvTable());
  });

  it('has the two-command quick start', () => {
    const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
    expect(readme).toMatch(/npm start\s+#/);
    expect(readme).toMatch(/npm test\s+#/);
  });
});
