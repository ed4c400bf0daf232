import { ValidationException } from '@libs/errors';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { findUnsafeText } from './unsafe-text';

/**
 * Bodies read through `@Req` (multipart form fields read after multer, dual-format routes) bypass
 * the global pipe and the input guard: the same DTO rules and text checks apply here.
 */
export async function validateFields<T extends object>(cls: new () => T, raw: unknown): Promise<T> {
  const plain = raw && typeof raw === 'object' ? { ...(raw as Record<string, unknown>) } : {};
  // the body guard ran before multer read these; PostgreSQL text cannot hold NUL
  const unsafe = findUnsafeText(plain);
  if (unsafe) {
    const field = unsafe.path.replace(/^\$\.?/, '');
    throw new ValidationException(`form field ${field}: not storable text (${unsafe.reason})`, {
      fields: [{ field, errors: [unsafe.reason] }],
    });
  }
  const dto = plainToInstance(cls, plain);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length) {
    const fields = errors.map((e) => ({
      field: e.property,
      errors: Object.values(e.constraints ?? { invalid: 'invalid value' }).map((m) =>
        m.includes('should not exist') ? 'unknown field' : m,
      ),
    }));
    throw new ValidationException(fields.map((f) => `${f.field}: ${f.errors.join(', ')}`).join('; '), { fields });
  }
  return dto;
}
