import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/**
 * The Express adapter, with requests and responses born with Express's prototypes.
 *
 * Express gives every request and response its app's prototypes with `Object.setPrototypeOf`
 * (`app.handle`). V8 serves objects re-parented after construction through slower, less specialised
 * paths: in a CPU profile of plain Express the router, `app.handle`, the response writes and GC
 * all grow, and a bare NestJS app answered about 2.5 times the requests per second without it
 * (docs/performance.md).
 * Node's server can construct its requests and responses from classes of our choosing; these
 * classes' prototypes become the app's `request` and `response` objects, so Express's
 * `setPrototypeOf` finds the prototype already in place and changes nothing.
 */
export class PrototypedExpressAdapter extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    if (options?.httpsOptions || options?.forceCloseConnections) {
      super.initHttpServer(options); // not used by the API; kept as Nest builds it
      return;
    }
    const app = this.getInstance<Express>();
    class AppRequest extends IncomingMessage {}
    class AppResponse extends ServerResponse<AppRequest> {}
    const prototypes = app as { request: object; response: object };
    prototypes.request = adoptPrototype(AppRequest.prototype, prototypes.request);
    prototypes.response = adoptPrototype(AppResponse.prototype, prototypes.response);
    this.setHttpServer(createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app));
  }
}

/** Makes `target` stand in for `source`: the same own properties (Express's `app`), the same chain. */
function adoptPrototype<T extends object>(target: T, source: object): T {
  Object.setPrototypeOf(target, Object.getPrototypeOf(source) as object);
  Object.defineProperties(target, Object.getOwnPropertyDescriptors(source));
  return target;
}
