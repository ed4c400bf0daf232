import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EgressPolicy } from './egress-policy';
import { EgressForbiddenError } from './egress.errors';
import { OrgEgress } from './org-egress';

/** Real sockets on loopback: 127.0.0.1 is allowed, 127.0.0.2 (the "internal" target) is not. */
describe('OrgEgress', () => {
  let allowed: Server;
  let internal: Server;
  let internalHits = 0;
  let allowedPort = 0;
  let internalPort = 0;
  const refusals: EgressForbiddenError[] = [];
  const egress = new OrgEgress('org-1', new EgressPolicy(['127.0.0.1']), (_org, e) => refusals.push(e));

  beforeAll(async () => {
    internal = createServer((_req, res) => {
      internalHits++;
      res.end('secret');
    });
    await new Promise<void>((r) => internal.listen(0, '127.0.0.2', r));
    internalPort = (internal.address() as AddressInfo).port;
    allowed = createServer((req, res) => {
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.2:${internalPort}/` }).end();
        return;
      }
      res.end('ok');
    });
    await new Promise<void>((r) => allowed.listen(0, '127.0.0.1', r));
    allowedPort = (allowed.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await egress.close();
    await new Promise((r) => allowed.close(r));
    await new Promise((r) => internal.close(r));
  });

  it('fetches an allowed destination', async () => {
    const res = await egress.fetch(`http://127.0.0.1:${allowedPort}/`);
    expect(await res.text()).toBe('ok');
  });

  it.each([
    'http://127.0.0.2:PORT/',
    'http://2130706434:PORT/',
    'http://0x7f000002:PORT/',
    'http://[::ffff:127.0.0.2]:PORT/',
    'http://[::ffff:7f00:2]:PORT/',
    'http://127.2:PORT/',
  ])('refuses %s without reaching it', async (url) => {
    await expect(egress.fetch(url.replace('PORT', String(internalPort)))).rejects.toBeInstanceOf(EgressForbiddenError);
    expect(internalHits).toBe(0);
  });

  it('checks every redirect hop', async () => {
    await expect(egress.fetch(`http://127.0.0.1:${allowedPort}/redirect`)).rejects.toBeInstanceOf(EgressForbiddenError);
    expect(internalHits).toBe(0);
  });

  it('guards node:http agents too', async () => {
    const { request } = await import('node:http');
    const agent = egress.httpAgent();
    const err = await new Promise<Error | null>((resolve) => {
      const req = request({ host: '127.0.0.2', port: internalPort, agent }, () => resolve(null));
      req.on('error', resolve);
      req.end();
    });
    expect(err).toBeInstanceOf(EgressForbiddenError);
    const ok = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: allowedPort, agent }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(ok).toBe(200);
    agent.destroy();
    expect(internalHits).toBe(0);
  });

  it('reports each refusal with the refused address', () => {
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals[0].details).toMatchObject({ address: '127.0.0.2', reason: 'loopback' });
  });
});
