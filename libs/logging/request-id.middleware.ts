import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { accessLineWriter } from './access-line';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** Called once per finished response with its duration (the metrics observer). */
export type RequestObserver = (req: Request, res: Response, seconds: number) => void;

/**
 * Accepts a sane X-Request-Id or makes one, echoes it, and writes one access-log line per request;
 * `onFinish` sees every finished response too (it runs after the route matched, so `req.route` is set).
 */
export function requestContext(logger: Logger, onFinish?: RequestObserver) {
  const writeLine = accessLineWriter(logger);
  return (req: Request & { id?: string }, res: Response, next: NextFunction) => {
    if (req.id !== undefined) {
      return next(); // begun already, by the `/hooks` fast lane before it handed the request on
    }
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && VALID_ID.test(incoming) ? incoming : `req_${randomUUID()}`;
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      onFinish?.(req, res, ms / 1e3);
      const principal = (req as { principal?: { userId: string; orgId: string } }).principal;
      writeLine({
        request_id: id,
        method: req.method,
        path: pathOf(req.originalUrl),
        status: res.statusCode,
        duration_ms: Math.round(ms * 10) / 10,
        user_id: principal?.userId,
        org_id: principal?.orgId,
      });
    });
    next();
  };
}
