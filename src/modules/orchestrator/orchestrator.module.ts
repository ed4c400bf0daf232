import { Module } from '@nestjs/common';

/** The /orchestrator gateway to the OpenFang sidecar and the /ciab proxy to a remote CIAB control plane (docs/orchestrator.md). */
@Module({})
export class OrchestratorModule {}
