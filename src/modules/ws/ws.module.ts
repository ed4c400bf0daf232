import { Module } from '@nestjs/common';
import { WsGateway } from './ws.gateway';

/** agentcy-ws: WebSocket endpoint at /api/v1/ws (and /ws) on the API's HTTP server. */
@Module({ providers: [WsGateway], exports: [WsGateway] })
export class WsModule {}
