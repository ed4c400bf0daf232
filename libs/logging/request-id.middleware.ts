import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Accepts a sane X-Request-Id or makes one, echoes it, and writes one access-log line per request. */
export function requestContext(logger: Logger) {
  return (req: Request & { id?: string }, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const id = incoming && VALID_ID.test(incoming) ? incoming : `req_${randomUUID()}`;
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const principal = (req as { principal?: { userId: string; orgId: string } }).principal;
      logger.info(
        {
          request_id: id,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          duration_ms: Math.round(ms * 10) / 10,
          user_id: principal?.userId,
          org_id: principal?.orgId,
        },
        'request',
      );
    });
    next();
  };
}
