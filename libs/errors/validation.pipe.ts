import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ValidationException } from './app.exception';

function flatten(errors: ValidationError[], prefix = ''): { field: string; errors: string[] }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, errors: Object.values(e.constraints) }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Global pipe: unknown fields are rejected, every failure is a 400 `validation_failed` with per-field details. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
