import { Logger } from '@nestjs/common';
import Ajv, { type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import { RE2JS } from 're2js';

const logger = new Logger('SchemaPatterns');

/** What ajv gets for a pattern RE2 cannot run (backreferences, lookaround): it matches everything. */
class DroppedPattern implements RegExpLike {
  constructor(private readonly source: string) {}
  test(): boolean {
    return true;
  }
  // ajv keys compiled patterns by toString(): keep dropped and compiled ones apart
  toString(): string {
    return `dropped:${this.source}`;
  }
}

class Re2Pattern implements RegExpLike {
  constructor(
    private readonly source: string,
    private readonly re: RE2JS,
  ) {}
  test(s: string): boolean {
    return this.re.test(s);
  }
  toString(): string {
    return `re2:${this.source}`;
  }
}

/**
 * ajv's `code.regExp`: compiles JSON-schema patterns (`pattern`, `patternProperties`) with RE2
 * (linear-time matching), so a pattern an org supplies in an OpenAPI document or an MCP tool
 * schema cannot stall the event loop (`^(a+)+$`). A pattern RE2 cannot compile is dropped
 * (always matches) with a warning, never handed to the backtracking RegExp engine.
 */
export const linearRegExp: RegExpEngine = Object.assign(
  (pattern: string): RegExpLike => {
    try {
      return new Re2Pattern(pattern, RE2JS.compile(RE2JS.translateRegExp(pattern)));
    } catch (err) {
      logger.warn(
        `schema pattern dropped (not supported by the linear-time engine): ${JSON.stringify(pattern.slice(0, 200))}: ${(err as Error).message}`,
      );
      return new DroppedPattern(pattern);
    }
  },
  { code: 'linearRegExp' },
);

/**
 * An ajv instance for schemas that come from outside the code base (connector tool schemas from
 * OpenAPI documents and MCP servers): linear-time patterns, formats, and no registration of a
 * schema's `$id` in the shared instance (one org's `$id` cannot clash with or be `$ref`-ed by another's).
 */
export function createSchemaAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    addUsedSchema: false,
    ...options,
    code: { ...options.code, regExp: linearRegExp },
  });
  addFormats(ajv);
  return ajv;
}
