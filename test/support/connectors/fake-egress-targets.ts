import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Test targets for the egress guard, on loopback only: an "internal" server on 127.0.0.2 (which tests
 * install EGRESS_ALLOW=127.0.0.1 never opens) that records every request it gets, and an allowed
 * server on 127.0.0.1 that answers `/redirect/<path>` with a 302 to the internal server and hands
 * everything else to the test's handler.
 */
export interface EgressTargets {
  internalPort: number;
  /** paths requested on 127.0.0.2: must stay empty */
  internalHits: string[];
  /** `http://127.0.0.1:<port>` */
  allowedUrl: string;
  /** the internal server under every spelling a URL parser turns into 127.0.0.2 */
  internalUrls(path?: string): string[];
  /** a URL on the allowed server that redirects to `path` on the internal server */
  redirectUrl(path?: string): string;
  close(): Promise<void>;
}

export type TargetHandler = (req: IncomingMessage, res: ServerResponse, allowedUrl: string) => void;

export async function startEgressTargets(
  handler: TargetHandler = (_req, res) => res.end('ok'),
): Promise<EgressTargets> {
  const internalHits: string[] = [];
  const internal = createServer((req, res) => {
    internalHits.push(req.url ?? '/');
    res.end('internal secret');
  });
  const internalPort = await listen(internal, '127.0.0.2');
  let allowedUrl = '';
  const allowed = createServer((req, res) => {
    if (req.url?.startsWith('/redirect/')) {
      res.writeHead(302, { location: `http://127.0.0.2:${internalPort}/${req.url.slice('/redirect/'.length)}` }).end();
      return;
    }
    handler(req, res, allowedUrl);
  });
  allowedUrl = `http://127.0.0.1:${await listen(allowed, '127.0.0.1')}`;
  return {
    internalPort,
    internalHits,
    allowedUrl,
    internalUrls: (path = '') =>
      ['127.0.0.2', '2130706434', '[::ffff:127.0.0.2]', '0x7f.2', '127.2'].map(
        (host) => `http://${host}:${internalPort}/${path}`,
      ),
    redirectUrl: (path = '') => `${allowedUrl}/redirect/${path}`,
    close: async () => {
      for (const s of [internal, allowed]) {
        s.closeAllConnections();
        await new Promise((r) => s.close(r));
      }
    },
  };
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((r) => server.listen(0, host, r));
  return (server.address() as AddressInfo).port;
}
