import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsRegistry } from './metrics-registry';
import { openSseStreams } from './sse-streams';

/** `sse_streams_open` and `websocket_clients`, both read at scrape time (no cost per message). */
@Injectable()
export class ConnectionMetrics {
  private wsClients?: () => number;

  constructor(metrics: MetricsRegistry) {
    new Gauge({
      name: 'sse_streams_open',
      help: 'Server-sent event streams open in this process',
      registers: [metrics.registry],
      collect() {
        this.set(openSseStreams());
      },
    });
    const wsCount = () => this.wsClients?.() ?? 0;
    new Gauge({
      name: 'websocket_clients',
      help: 'WebSocket clients connected to this process',
      registers: [metrics.registry],
      collect() {
        this.set(wsCount());
      },
    });
  }

  /** The WebSocket gateway's client count. */
  trackWebSocketClients(count: () => number): void {
    this.wsClients = count;
  }
}
