import { redactUrl } from '@libs/logging/redact';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { AppException } from './app.exception';
import { envelope } from './error-envelope';

interface Mapped {
  status: number;
  code: string;
  message: string;
  details?: Record<string, unknown>;
  headers?: Record<string, string>;
}

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
  503: 'service_unavailable',
};

/**
 * PostgreSQL errors caused by the value a client sent, not by the server: class 22 (data
 * exception: malformed uuid/json 22P02, out of range 22003/22008, NUL or bad encoding 22021/22P05,
 * too long 22001) and class 54 (program limit exceeded: value too large or too complex).
 */
function inputRejectedByDatabase(sqlState: string): Mapped | null {
  if (sqlState === '22P02') {
    return { status: 400, code: 'validation_failed', message: 'Malformed identifier or value' };
  }
  if (sqlState.startsWith('22')) {
    return { status: 400, code: 'validation_failed', message: 'A value is out of range or not valid for its field' };
  }
  if (sqlState.startsWith('54')) {
    return { status: 400, code: 'validation_failed', message: 'A value is too large or too complex to store' };
  }
  return null;
}

/** Maps any thrown value to the error envelope; the one place that knows driver error shapes. */
export function mapError(err: unknown): Mapped {
  if (err instanceof AppException) {
    return { status: err.status, code: err.code, message: err.message, details: err.details, headers: err.headers };
  }
  const e = err as {
    type?: string;
    status?: number;
    statusCode?: number;
    code?: string;
    name?: string;
    message?: string;
  };
  // body-parser errors (raised before Nest sees the request)
  if (e?.type === 'entity.parse.failed') {
    return { status: 400, code: 'malformed_json', message: 'Request body is not valid JSON' };
  }
  if (e?.type === 'entity.too.large') {
    return { status: 413, code: 'payload_too_large', message: 'Request body is too large' };
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return { status: 415, code: 'unsupported_media_type', message: e.message ?? 'Unsupported encoding' };
  }
  if (err instanceof HttpException) {
    const status = err.getStatus();
    const resp = err.getResponse() as { message?: unknown } | string;
    const message =
      typeof resp === 'string'
        ? resp
        : Array.isArray(resp?.message)
          ? resp.message.join('; ')
          : String(resp?.message ?? err.message);
    return { status, code: HTTP_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request'), message };
  }
  if (err instanceof QueryFailedError) {
    const pg = err.driverError as { code?: string; constraint?: string };
    if (pg?.code === '23505') {
      return {
        status: 409,
        code: 'already_exists',
        message: 'A record with these values already exists',
        details: pg.constraint ? { constraint: pg.constraint } : undefined,
      };
    }
    if (pg?.code === '23503') {
      return { status: 409, code: 'in_use', message: 'The record is referenced by another record' };
    }
    const bad = pg?.code ? inputRejectedByDatabase(pg.code) : null;
    if (bad) {
      return bad;
    }
  }
  // other http-errors raised before Nest routes the request (router: undecodable path parameter)
  const httpStatus = e?.status ?? e?.statusCode;
  if (
    (e as { expose?: boolean })?.expose === true &&
    typeof httpStatus === 'number' &&
    httpStatus >= 400 &&
    httpStatus < 500
  ) {
    return { status: httpStatus, code: HTTP_CODES[httpStatus] ?? 'bad_request', message: e.message ?? 'Bad request' };
  }
  if (e?.name === 'Neo4jError' && (e.code === 'ServiceUnavailable' || e.code === 'SessionExpired')) {
    return { status: 503, code: 'graph_unavailable', message: 'The graph database is unavailable' };
  }
  return { status: 500, code: 'internal_error', message: 'Internal server error' };
}

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') {
      throw exception;
    }
    const ctx = host.switchToHttp();
    const res = ctx.getResponse<Response>();
    const req = ctx.getRequest<Request & { id?: string }>();
    const mapped = mapError(exception);
    const requestId = req.id ?? String(res.getHeader('x-request-id') ?? '');
    if (mapped.status >= 500) {
      this.logger.error({ err: exception, requestId, path: redactUrl(req.originalUrl) }, 'unhandled error');
      mapped.details = { ...(mapped.details ?? {}), request_id: requestId };
    }
    if (res.headersSent) {
      // a streamed response already started: the stream owner reports errors in-band
      res.end();
      return;
    }
    for (const [k, v] of Object.entries(mapped.headers ?? {})) {
      res.setHeader(k, v);
    }
    res.status(mapped.status).json(envelope(mapped.code, mapped.message, mapped.details));
  }
}
