import { BadRequestException } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { mapError } from './all-exceptions.filter';
import { ConflictException, NotFoundException, RateLimitedException } from './app.exception';

describe('mapError', () => {
  it('keeps AppException status, code and headers', () => {
    expect(mapError(new NotFoundException('Source'))).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'Source not found',
    });
    expect(mapError(new ConflictException('busy', undefined, 'sync_in_progress'))).toMatchObject({
      status: 409,
      code: 'sync_in_progress',
    });
    expect(mapError(new RateLimitedException(7))).toMatchObject({ status: 429, headers: { 'Retry-After': '7' } });
  });

  it('maps body-parser and Nest HTTP errors', () => {
    expect(mapError({ type: 'entity.too.large' })).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(mapError(new BadRequestException('nope'))).toMatchObject({ status: 400, code: 'bad_request' });
  });

  it('maps PostgreSQL unique violations to 409 and hides everything else as 500', () => {
    const dup = new QueryFailedError(
      'INSERT',
      [],
      Object.assign(new Error('duplicate key'), { code: '23505', constraint: 'x_uq' }),
    );
    expect(mapError(dup)).toMatchObject({ status: 409, code: 'already_exists' });
    const other = mapError(new Error('SELECT secret FROM users failed at line 3'));
    expect(other).toEqual({ status: 500, code: 'internal_error', message: 'Internal server error' });
  });
});
