import { ArgumentsHost, BadRequestException, Logger } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { AllExceptionsFilter, mapError } from './all-exceptions.filter';
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

  it('maps PostgreSQL data exceptions and program limits (bad client values) to 400', () => {
    const pg = (code: string) => new QueryFailedError('SELECT', [], Object.assign(new Error('x'), { code }));
    for (const code of ['22P02', '22003', '22008', '22021', '22P05', '22001', '54000', '54001']) {
      expect(mapError(pg(code))).toMatchObject({ status: 400, code: 'validation_failed' });
    }
    expect(mapError(pg('42P01'))).toMatchObject({ status: 500 });
  });

  it('maps exposed 4xx http-errors (router: undecodable parameter) and nothing else', () => {
    const decode = Object.assign(new URIError("Failed to decode param '%E0%A4%A'"), { status: 400, expose: true });
    expect(mapError(decode)).toMatchObject({ status: 400, code: 'bad_request' });
    expect(mapError(Object.assign(new Error('boom'), { status: 502, expose: false }))).toMatchObject({ status: 500 });
  });
});

describe('AllExceptionsFilter logging', () => {
  it('logs a 500 with the URL after credential query parameters were masked', () => {
    const logged: unknown[] = [];
    Logger.overrideLogger({
      log: () => undefined,
      warn: () => undefined,
      error: (m: unknown) => logged.push(m),
    });
    try {
      const res = {
        headersSent: false,
        getHeader: () => undefined,
        setHeader: jest.fn(),
        status: jest.fn(),
        json: jest.fn(),
      };
      res.status.mockReturnValue(res);
      const host = {
        getType: () => 'http',
        switchToHttp: () => ({
          getResponse: () => res,
          getRequest: () => ({ id: 'req_1', originalUrl: '/api/v1/ws?token=tok-filter-1&x=1' }),
        }),
      } as unknown as ArgumentsHost;
      new AllExceptionsFilter().catch(new Error('boom'), host);
      expect(JSON.stringify(logged)).toContain('token=[redacted]&x=1');
      expect(JSON.stringify(logged)).not.toContain('tok-filter-1');
    } finally {
      Logger.overrideLogger(false);
    }
  });
});
