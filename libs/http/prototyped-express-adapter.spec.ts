import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrototypedExpressAdapter } from './prototyped-express-adapter';

interface Seen {
  /** before Express's app.handle ran (a listener ahead of it) */
  bornWithAppRequest: boolean;
  bornWithAppResponse: boolean;
  requestProtoIsApps: boolean;
  responseProtoIsApps: boolean;
  appOnRequest: boolean;
  path: string;
  ip: string | undefined;
  query: unknown;
}

async function serve(adapter: ExpressAdapter): Promise<{ url: string; server: Server }> {
  adapter.initHttpServer({});
  const app = adapter.getInstance<Express & { request: object; response: object }>();
  const born = new WeakMap<object, boolean>();
  const server = adapter.getHttpServer() as Server;
  server.prependListener('request', (req, res) => {
    born.set(req, Object.getPrototypeOf(req) === app.request);
    born.set(res, Object.getPrototypeOf(res) === app.response);
  });
  app.get('/probe', (req: Request, res: Response) => {
    const seen: Seen = {
      bornWithAppRequest: born.get(req) ?? false,
      bornWithAppResponse: born.get(res) ?? false,
      requestProtoIsApps: Object.getPrototypeOf(req) === app.request,
      responseProtoIsApps: Object.getPrototypeOf(res) === app.response,
      appOnRequest: req.app === app,
      path: req.path,
      ip: req.ip,
      query: req.query,
    };
    res.status(201).json(seen);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

async function probe(adapter: ExpressAdapter): Promise<{ status: number; seen: Seen }> {
  const { url, server } = await serve(adapter);
  try {
    const res = await fetch(`${url}/probe?a=1&b=two`);
    return { status: res.status, seen: (await res.json()) as Seen };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

/** What Express's helpers give inside the route, the same with either adapter. */
const EXPRESS_AS_USUAL = {
  requestProtoIsApps: true,
  responseProtoIsApps: true,
  appOnRequest: true,
  path: '/probe',
  ip: '127.0.0.1',
  query: { a: '1', b: 'two' },
};

describe('PrototypedExpressAdapter', () => {
  it('constructs requests and responses with the app prototypes, so Express has nothing to change', async () => {
    const { status, seen } = await probe(new PrototypedExpressAdapter());
    expect(status).toBe(201);
    expect(seen).toEqual({ bornWithAppRequest: true, bornWithAppResponse: true, ...EXPRESS_AS_USUAL });
  });

  it('differs from the plain adapter there only: Express re-parents its requests (the cost removed)', async () => {
    const { status, seen } = await probe(new ExpressAdapter());
    expect(status).toBe(201);
    expect(seen).toEqual({ bornWithAppRequest: false, bornWithAppResponse: false, ...EXPRESS_AS_USUAL });
  });
});
