import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Middlewares run as one Express layer, in order. Express's router pays a match, a dispatch and a
 * `next()` round per layer; the app's edge middlewares (headers, request context, body parsers,
 * input guard, CORS) always run together on every path, so they need one layer, not five.
 * Semantics are a layer's: a step that throws or calls `next(err)` ends the sequence with that
 * error; `next()` moves to the following step, then to the router.
 */
export function inSequence(steps: RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let i = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        return next(err);
      }
      const handler = steps[i++];
      if (!handler) {
        return next();
      }
      try {
        handler(req, res, step);
      } catch (thrown) {
        next(thrown);
      }
    };
    step();
  };
}
