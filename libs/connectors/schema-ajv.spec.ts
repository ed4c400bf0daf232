import { Logger } from '@nestjs/common';
import { schemaProblems } from './config-validation';
import { createSchemaAjv, linearRegExp } from './schema-ajv';

const EVIL = '^(a+)+$';
const EVIL_INPUT = `${'a'.repeat(50)}!`;

describe('schema patterns run on a linear-time engine', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('the factory compiles with RE2 and matches like a JS RegExp for ordinary patterns', () => {
    const re = linearRegExp('^[a-z]+-\\d{2}$', 'u');
    expect(re.test('prod-01')).toBe(true);
    expect(re.test('prod-1')).toBe(false);
    expect(linearRegExp('(?<name>ab)c', 'u').test('xxabc')).toBe(true);
    expect(linearRegExp('\\u0041', 'u').test('A')).toBe(true);
    expect(warn).not.toHaveBeenCalled();
  });

  it('a catastrophic-backtracking pattern returns at once (a backtracking engine would hang here)', () => {
    expect(linearRegExp(EVIL, 'u').test(EVIL_INPUT)).toBe(false);
    const schema = {
      type: 'object',
      properties: { name: { type: 'string', pattern: EVIL } },
      patternProperties: { '^(x+x+)+y$': { type: 'string' } },
    };
    expect(schemaProblems(schema, { name: EVIL_INPUT, [`${'x'.repeat(40)}`]: 1 })).toEqual([
      { field: 'config.name', errors: [`must match pattern "${EVIL}"`] },
    ]);
    expect(schemaProblems(schema, { name: 'aaaa' })).toEqual([]);
  });

  it('patterns RE2 cannot run (backreference, lookaround) are dropped with a warning, never compiled', () => {
    const spy = jest.spyOn(globalThis, 'RegExp');
    try {
      expect(linearRegExp('^(a)\\1$', 'u').test('zz')).toBe(true);
      expect(linearRegExp('^(?=a)b', 'u').test('zz')).toBe(true);
      expect(schemaProblems({ type: 'string', pattern: '(?!x)(a+)+\\1$' }, EVIL_INPUT)).toEqual([]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('schema pattern dropped'));
  });

  it('ajv keeps compiled and dropped patterns apart and does not register an org schema $id', () => {
    const ajv = createSchemaAjv();
    expect(ajv.compile({ type: 'string', pattern: '^a$' })('b')).toBe(false);
    expect(ajv.compile({ type: 'string', pattern: '^b$' })('b')).toBe(true);
    // two orgs using the same $id: both compile, neither sees the other's schema
    const a = ajv.compile({ $id: 'https://example.test/s', type: 'string' });
    const b = ajv.compile({ $id: 'https://example.test/s', type: 'number' });
    expect([a('x'), b('x')]).toEqual([true, false]);
    expect(ajv.getSchema('https://example.test/s')).toBeUndefined();
  });
});
