import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';

const COMMON: HelmetOptions = {
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
};

/** JSON API responses load nothing and are never framed. */
const API_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

/** The Swagger UI page: its own scripts/styles (it inlines styles and data: images), still never framed. */
const DOCS_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:'],
    fontSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
};

/**
 * helmet on every response (errors and 404s included: it runs first): nosniff, no framing,
 * no referrer, HSTS, and a CSP that forbids everything for the API and allows the reference
 * page under `docsPath` to load its own assets.
 */
export function securityHeaders(docsPath: string): RequestHandler {
  const api = helmet({ ...COMMON, contentSecurityPolicy: API_CSP });
  const docs = helmet({ ...COMMON, contentSecurityPolicy: DOCS_CSP });
  const prefix = `${docsPath.replace(/\/+$/, '')}`;
  return (req: Request, res: Response, next: NextFunction) =>
    (req.path === prefix || req.path.startsWith(`${prefix}/`) ? docs : api)(req, res, next);
}
