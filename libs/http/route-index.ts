import { Router } from 'express';

/**
 * Express matches a request against every route in registration order, one path-to-regexp test
 * per route: with the API's ~350 routes that scan was the largest cost of a cheap request
 * (docs/performance.md, "Route dispatch"). This groups each contiguous run of routes by the
 * static segments their path starts with (`/api/v1/users/:id` → `api/v1/users`), and replaces the
 * run with one layer that hands a request to a router holding only the groups its own first
 * segments name, in their original order.
 *
 * Matching stays Express's: a route is left out only when its leading static segments differ from
 * the request's, which its own matcher would refuse as well. Routes with a parameter, wildcard or
 * pattern in front (and regex or array paths) are in every request's router; middleware between
 * routes stays where it is. Two differences, neither reachable in a Nest app, whose stack always
 * ends with a not-found handler: Express's automatic answer to an OPTIONS request no route handles
 * is not produced, and `next('router')` in a route leaves only its group.
 */
interface LayerLike {
  route?: { path?: unknown; methods?: Record<string, boolean> };
}

interface RouterLike {
  stack: LayerLike[];
  handle: (req: unknown, res: unknown, next: (err?: unknown) => void) => void;
}

interface IndexOptions {
  /** how many leading static segments form a key (3 covers /api/v1/<resource>) */
  depth?: number;
  /** Express's `case sensitive routing` setting; off by default, as in Express */
  caseSensitive?: boolean;
  /** runs of fewer routes are left as they are */
  minRun?: number;
}

const PATTERN_CHARS = /[:*?(){}[\]+\\]/;

/** The leading static segments of a route path, or undefined when it cannot be keyed. */
export function routeKey(path: unknown, depth: number, caseSensitive: boolean): string | undefined {
  if (typeof path !== 'string') {
    return undefined;
  }
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '') {
      continue;
    }
    if (PATTERN_CHARS.test(segment) || segments.length === depth) {
      break;
    }
    segments.push(caseSensitive ? segment : segment.toLowerCase());
  }
  return segments.join('/');
}

/** keys[k] = the request path's first k segments ('' for k = 0), as far as the path goes. */
function pathKeys(url: string, depth: number, caseSensitive: boolean): string[] {
  const query = url.indexOf('?');
  const path = query === -1 ? url : url.slice(0, query);
  const keys = [''];
  let key = '';
  let start = 0;
  while (keys.length <= depth && start < path.length) {
    const slash = path.indexOf('/', start);
    const stop = slash === -1 ? path.length : slash;
    if (stop > start) {
      const segment = path.slice(start, stop);
      key = key ? `${key}/${segment}` : segment;
      keys.push(caseSensitive ? key : key.toLowerCase());
    }
    start = stop + 1;
  }
  return keys;
}

function handlesOptions(layer: LayerLike): boolean {
  const methods = layer.route?.methods ?? {};
  return Boolean(methods.options || methods._all);
}

function dispatchLayer(run: LayerLike[], depth: number, caseSensitive: boolean): LayerLike {
  const groups = new Map<string, number[]>();
  run.forEach((layer, index) => {
    const key = routeKey(layer.route?.path, depth, caseSensitive) ?? '';
    groups.set(key, [...(groups.get(key) ?? []), index]);
  });
  // one router per combination of existing groups a request can name: bounded by the routes
  const routers = new Map<string, RouterLike>();
  const routerFor = (keys: string[] | undefined, options: boolean): RouterLike => {
    const present = keys ? keys.filter((k) => groups.has(k)) : [...groups.keys()];
    const comboKey = `${options ? 'OPTIONS' : ''}\n${keys ? present.join('\n') : '*'}`;
    let router = routers.get(comboKey);
    if (!router) {
      router = Router() as unknown as RouterLike;
      // only routes that answer OPTIONS themselves: the sub-router must not answer it for the app
      router.stack = present
        .flatMap((k) => groups.get(k)!)
        .sort((x, y) => x - y)
        .map((i) => run[i])
        .filter((layer) => !options || handlesOptions(layer));
      routers.set(comboKey, router);
    }
    return router;
  };
  const holder = Router() as unknown as RouterLike & { use: (fn: unknown) => void };
  holder.use(function indexedRoutes(req: { url: string; method: string }, res: unknown, next: () => void) {
    // an absolute-form request target (`GET http://host/path`) gets every route
    const keys = req.url.startsWith('/') ? pathKeys(req.url, depth, caseSensitive) : undefined;
    routerFor(keys, req.method === 'OPTIONS').handle(req, res, next);
  });
  return holder.stack[0];
}

/** Rewrites `router.stack` in place; returns how many route layers were indexed. */
export function indexRoutes(router: { stack: LayerLike[] }, options: IndexOptions = {}): number {
  const depth = options.depth ?? 3;
  const caseSensitive = options.caseSensitive ?? false;
  const minRun = options.minRun ?? 8;
  const stack: LayerLike[] = [];
  let indexed = 0;
  let run: LayerLike[] = [];
  const flush = () => {
    if (run.length >= minRun) {
      stack.push(dispatchLayer(run, depth, caseSensitive));
      indexed += run.length;
    } else {
      stack.push(...run);
    }
    run = [];
  };
  for (const layer of router.stack) {
    if (layer.route) {
      run.push(layer);
    } else {
      flush();
      stack.push(layer);
    }
  }
  flush();
  router.stack = stack;
  return indexed;
}
