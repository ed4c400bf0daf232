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

type HeaderList = [name: string, value: string | number | readonly string[]][];

/**
 * The headers a helmet configuration writes. Its headers depend on the configuration only, so
 * they are computed once here and copied onto each response, instead of running helmet's chain
 * of fifteen middlewares on every request (about 30 µs of CPU a request, docs/performance.md).
 */
function headersOf(options: HelmetOptions): HeaderList {
  const headers: HeaderList = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.push([name, value]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let finished = false;
  helmet(options)({} as Request, recorder as unknown as Response, () => (finished = true));
  if (!finished) {
    throw new Error('helmet did not complete synchronously; its headers cannot be precomputed');
  }
  return headers;
}

function writeHeaders(res: Response, headers: HeaderList): void {
  for (const [name, value] of headers) {
    res.setHeader(name, value);
  }
}

/**
 * helmet's headers on every response (errors and 404s included: it runs first): nosniff, no
 * framing, no referrer, HSTS, and a CSP that forbids everything for the API and allows the
 * reference page under `docsPath` to load its own assets.
 */
export function securityHeaders(docsPath: string): RequestHandler {
  const api = headersOf({ ...COMMON, contentSecurityPolicy: API_CSP });
  const docs = headersOf({ ...COMMON, contentSecurityPolicy: DOCS_CSP });
  const prefix = `${docsPath.replace(/\/+$/, '')}`;
  return (req: Request, res: Response, next: NextFunction) => {
    // the path from `req.url` (an app-level middleware sees the whole URL): also on a bare node request
    const q = req.url.indexOf('?');
    const path = q === -1 ? req.url : req.url.slice(0, q);
    writeHeaders(res, path === prefix || path.startsWith(`${prefix}/`) ? docs : api);
    next();
  };
}
