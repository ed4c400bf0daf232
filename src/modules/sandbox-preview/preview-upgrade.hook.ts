import { Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { SandboxPreviewService } from './sandbox-preview.service';

/**
 * WebSocket (any upgrade) under `/sandbox/preview/:session_id/:port/…` (and the `/api/v1` alias):
 * hooked on the HTTP server's `upgrade` event beside the agentcy-ws gateway; other paths are left
 * to the other handlers.
 */
@Injectable()
export class PreviewUpgradeHook implements OnApplicationBootstrap, OnModuleDestroy {
  private server: Server | undefined;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    this.preview.handleUpgrade(req, socket, head);
  };

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly preview: SandboxPreviewService,
  ) {}

  onApplicationBootstrap() {
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('upgrade', this.onUpgrade);
  }

  onModuleDestroy() {
    this.server?.off('upgrade', this.onUpgrade);
  }
}
