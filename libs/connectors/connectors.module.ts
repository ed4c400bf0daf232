import { AppConfig } from '@libs/config';
import { Module } from '@nestjs/common';
import { allConnectors } from './all-connectors';
import { ConnectorRegistry } from './connector-registry';

/** Provides the process-wide ConnectorRegistry (AGENTCY_CONNECTORS restricts it). */
@Module({
  providers: [
    {
      provide: ConnectorRegistry,
      inject: [AppConfig],
      useFactory: (c: AppConfig) =>
        new ConnectorRegistry(
          allConnectors({ postgres: { allowSuperuser: c.connectorPgAllowSuperuser } }),
          c.connectors,
        ),
    },
  ],
  exports: [ConnectorRegistry],
})
export class ConnectorsModule {}
