import express, { NextFunction, Request, Response } from 'express';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { indexRoutes, routeKey } from './route-index';

/** Builds the same app twice; answers name the handler that responded. */
function buildApp(): express.Express {
  const app = express();
  const answer = (name: string) => (req: Request, res: Response) => res.json({ name, params: req.params });
  app.use((req: Request, _res: Response, next: NextFunction) => {
    (req as any).seen = true;
    next();
  });
  app.get('/api/v1/health', answer('health'));
  app.get('/api/v1/health/live', answer('live'));
  app.get('/api/v1/users', answer('users.list'));
  app.get('/api/v1/users/me', answer('users.me'));
  app.get('/api/v1/users/:id', answer('users.one'));
  app.post('/api/v1/users', answer('users.create'));
  app.get('/api/v1/:anything/special', answer('param-first'));
  app.get('/api/v1/sources/:id', answer('sources.one'));
  app.all('/api/v1/sources/{*rest}', answer('sources.wildcard'));
  app.get(['/api/v1/bindings', '/api/v1/channels/bindings'], answer('bindings'));
  app.get(/^\/api\/v1\/re(g+)ex$/, answer('regex'));
  app.get('/sandbox/preview/{*rest}', answer('preview'));
  app.get('/api/v1/users/:id/next', (req: Request, _res: Response, next: NextFunction) => next());
  app.get('/api/v1/users/:id/next', answer('users.next-second'));
  app.get('/api/v1/errors', () => {
    throw new Error('boom');
  });
  // a middleware between two runs of routes stays a barrier
  app.use('/api/v1/late', (_req: Request, res: Response) => res.json({ name: 'late-middleware' }));
  app.get('/api/v1/late/route', answer('late.route'));
  app.get('/api/v1/late2', answer('late2'));
  app.get('/api/v1/late3', answer('late3'));
  app.get('/api/v1/late4', answer('late4'));
  app.get('/api/v1/late5', answer('late5'));
  app.get('/api/v1/late6', answer('late6'));
  app.get('/api/v1/late7', answer('late7'));
  app.get('/api/v1/late8', answer('late8'));
  app.use((_req: Request, res: Response) => res.status(404).json({ name: 'not-found' }));
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) =>
    res.status(500).json({ name: 'error', message: err.message }),
  );
  return app;
}

async function listen(app: express.Express): Promise<{ server: Server; base: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const REQUESTS: [string, string][] = [
  ['GET', '/api/v1/health'],
  ['GET', '/api/v1/health/'],
  ['GET', '/API/V1/Health/Live'],
  ['GET', '/api/v1/health/live?x=1'],
  ['HEAD', '/api/v1/health/live'],
  ['GET', '/api/v1/users'],
  ['POST', '/api/v1/users'],
  ['DELETE', '/api/v1/users'],
  ['OPTIONS', '/api/v1/users'],
  ['GET', '/api/v1/users/me'],
  ['GET', '/api/v1/users/42'],
  ['GET', '/api/v1/users/42/next'],
  ['GET', '/api/v1/users/special'],
  ['GET', '/api/v1/zzz/special'],
  ['GET', '/api/v1/sources/7'],
  ['PUT', '/api/v1/sources/7/a/b'],
  ['OPTIONS', '/api/v1/sources/7/a'],
  ['GET', '/api/v1/bindings'],
  ['GET', '/api/v1/channels/bindings'],
  ['GET', '/api/v1/reggggex'],
  ['GET', '/sandbox/preview/s1/3000/index.html'],
  ['GET', '/api/v1/errors'],
  ['GET', '/api/v1/late/route'],
  ['GET', '/api/v1/late5'],
  ['GET', '/api/v1/%75sers'],
  ['GET', '/api//v1/users'],
  ['GET', '/'],
  ['GET', '/nothing/here/at/all'],
];

describe('indexRoutes', () => {
  let plain: { server: Server; base: string };
  let indexed: { server: Server; base: string };
  let indexedCount = 0;

  beforeAll(async () => {
    plain = await listen(buildApp());
    const app = buildApp();
    indexedCount = indexRoutes((app as any).router, { minRun: 4 });
    indexed = await listen(app);
  });

  afterAll(() => {
    plain.server.close();
    indexed.server.close();
  });

  it('indexes the runs of routes and leaves middleware in place', () => {
    expect(indexedCount).toBe(23);
  });

  it.each(REQUESTS)('%s %s answers exactly as plain Express does', async (method, path) => {
    const [a, b] = await Promise.all(
      [plain, indexed].map(async ({ base }) => {
        const res = await fetch(`${base}${path}`, { method });
        return { status: res.status, allow: res.headers.get('allow'), body: await res.text() };
      }),
    );
    expect(b).toEqual(a);
  });

  it('keys a path by its leading static segments', () => {
    expect(routeKey('/api/v1/users/:id', 3, false)).toBe('api/v1/users');
    expect(routeKey('/API/v1/Users', 3, false)).toBe('api/v1/users');
    expect(routeKey('/api/v1/:x/special', 3, false)).toBe('api/v1');
    expect(routeKey('/sandbox/preview/{*rest}', 3, false)).toBe('sandbox/preview');
    expect(routeKey('/:id', 3, false)).toBe('');
    expect(routeKey(['/a', '/b'], 3, false)).toBeUndefined();
    expect(routeKey(/x/, 3, false)).toBeUndefined();
  });
});
