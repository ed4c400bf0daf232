import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * CORS for the configured origins (credentials allowed, request id and Retry-After readable by
 * the browser). A request without an `Origin` header (servers, CLIs, probes) is not a CORS
 * request: it only gets `Vary: Origin`, without the cors package resolving its options for it.
 */
export function corsFor(origins: string[]): RequestHandler {
  const handle = cors({ origin: origins, credentials: true, exposedHeaders: ['X-Request-Id', 'Retry-After'] });
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers.origin === undefined) {
      res.vary('Origin');
      return next();
    }
    return handle(req, res, next);
  };
}
