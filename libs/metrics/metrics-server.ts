import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MetricsRegistry } from './metrics-registry';

/**
 * With METRICS_PORT, a plain node:http listener on METRICS_HOST (default 127.0.0.1) answering
 * `GET /metrics` without a token, for a Prometheus scraper on the host network. It also runs in
 * the worker process (src/worker.ts), which has no API port.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: MetricsRegistry,
  ) {}

  /** The bound port (tests listen on 0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap() {
    const { port, host } = this.config.metrics;
    if (port === undefined) {
      return;
    }
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.render().then(
        (body) => res.writeHead(200, { 'Content-Type': this.metrics.contentType }).end(body),
        (err: Error) => {
          this.logger.warn(`metrics render failed: ${err.message}`);
          res.writeHead(500, { 'Content-Type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
    });
    await new Promise<void>((resolve) => {
      server.once('error', (err) => {
        // metrics are not worth a failed boot: the API keeps serving, the log says why
        this.logger.error(`metrics listener on ${host}:${port} failed: ${err.message}`);
        resolve();
      });
      server.listen(port, host, () => {
        this.server = server;
        resolve();
      });
    });
  }

  async onModuleDestroy() {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }
}
