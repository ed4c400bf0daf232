import { ArgumentMetadata, ValidationError, ValidationPipe, type Type } from '@nestjs/common';
import { ValidationException } from './app.exception';
import { memoizeTargetValidationMetadatas } from './validation-metadata-memo';

function flatten(errors: ValidationError[], prefix = ''): { field: string; errors: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** distinct query strings remembered per query class before its map is emptied */
const MAX_REMEMBERED_QUERIES = 500;

/**
 * The query as a cache key, or undefined when it is not a flat object of single strings (a repeated
 * parameter, a nested one or a key class-transformer treats specially is validated every time).
 */
function queryKey(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') {
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== null && proto !== Object.prototype) {
    return undefined;
  }
  for (const k in value) {
    if (typeof (value as Record<string, unknown>)[k] !== 'string' || k === '__proto__' || k === 'constructor') {
      return undefined;
    }
  }
  return JSON.stringify(value);
}

/** Own fields of a validated query DTO when they are all primitives (so a shallow copy is a full copy). */
function primitiveFields(dto: object): Record<string, unknown> | undefined {
  const fields: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(dto)) {
    if (v !== null && (typeof v === 'object' || typeof v === 'function')) {
      return undefined;
    }
    fields[k] = v;
  }
  return fields;
}

/**
 * The ValidationPipe, remembering the outcome for query DTOs: list routes are polled with the same
 * query string over and over, and class-transformer + class-validator cost more per request than
 * the rest of the pipeline's bookkeeping. Validation of a flat string query is a pure function of
 * the class and the strings (no query DTO validates against time or state), so a query that passed
 * once gives, next time, a fresh instance with the same fields. Refused queries are not remembered
 * (they go through the validators again, and cannot fill the map); bodies are never remembered.
 */
class QueryRememberingValidationPipe extends ValidationPipe {
  private readonly remembered = new WeakMap<Type<unknown>, Map<string, Record<string, unknown>>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const metatype = metadata.metatype;
    const key =
      metadata.type === 'query' && metadata.data === undefined && this.isTransformEnabled ? queryKey(value) : undefined;
    if (key === undefined || !metatype || !this.toValidate(metadata)) {
      return super.transform(value, metadata);
    }
    let byQuery = this.remembered.get(metatype);
    const fields = byQuery?.get(key);
    if (fields) {
      return Object.assign(Object.create(metatype.prototype as object) as object, fields);
    }
    const dto = (await super.transform(value, metadata)) as unknown;
    const copy = dto instanceof metatype ? primitiveFields(dto) : undefined;
    if (copy) {
      if (!byQuery) {
        byQuery = new Map();
        this.remembered.set(metatype, byQuery);
      } else if (byQuery.size >= MAX_REMEMBERED_QUERIES) {
        byQuery.clear();
      }
      byQuery.set(key, copy);
    }
    return dto;
  }
}

/** Global pipe: unknown fields are rejected, every failure is a 400 `validation_failed` with per-field details. */
export function createValidationPipe(): ValidationPipe {
  memoizeTargetValidationMetadatas();
  return new QueryRememberingValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) => {
      const fields = flatten(errors);
      return new ValidationException(
        fields.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; ') || 'Request validation failed',
        { fields },
      );
    },
  });
}
