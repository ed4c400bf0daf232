import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const EXPOSED = ['X-Request-Id', 'Retry-After'];

/**
 * CORS for the configured origins (credentials allowed, request id and Retry-After readable by
 * the browser). A non-preflight request without an `Origin` header (servers, CLIs, probes) gets
 * the very headers the cors package would give it, set directly, without it resolving its
 * options on every such request.
 */
export function corsFor(origins: string[]): RequestHandler {
  const handle = cors({ origin: origins, credentials: true, exposedHeaders: EXPOSED });
  const exposed = EXPOSED.join(',');
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.headers.origin === undefined && req.method !== 'OPTIONS') {
      res.vary('Origin');
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Expose-Headers', exposed);
      return next();
    }
    return handle(req, res, next);
  };
}
