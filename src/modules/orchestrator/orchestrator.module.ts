import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { OrgFeaturesModule } from '../settings/org-settings.module';
import { CiabRemoteController } from './ciab-remote.controller';
import { OrchestratorStatusService } from './orchestrator-status.service';
import { OrchestratorController, OrchestratorStatusController } from './orchestrator.controller';
import { SidecarGateway } from './sidecar-gateway.service';

/**
 * The /orchestrator gateway to the OpenFang sidecar and the /ciab proxy to a remote CIAB control
 * plane, both on libs/reverse-proxy with org headers and tenant filtering (docs/orchestrator.md).
 */
@Module({
  imports: [IdempotencyModule, OrgFeaturesModule],
  controllers: [OrchestratorStatusController, OrchestratorController, CiabRemoteController],
  providers: [SidecarGateway, OrchestratorStatusService],
})
export class OrchestratorModule {}
