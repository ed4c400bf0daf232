import type { Principal } from '@libs/auth/principal';
import { FeatureFlagService } from '@libs/features';
import { Injectable } from '@nestjs/common';
import type { OrchestratorStatusDto } from './dto/orchestrator.dto';
import { SidecarGateway } from './sidecar-gateway.service';

/** `GET /orchestrator/status`: never fails; OpenFang is probed only when the org has the feature and it is configured. */
@Injectable()
export class OrchestratorStatusService {
  constructor(
    private readonly flags: FeatureFlagService,
    private readonly gw: SidecarGateway,
  ) {}

  async status(p: Principal): Promise<OrchestratorStatusDto> {
    const enabled = await this.flags.isEnabled('orchestrator', p.orgId);
    const configured = this.gw.configured('openfang');
    if (!enabled || !configured) {
      return { enabled, configured, reachable: false };
    }
    return { enabled, configured, ...(await this.gw.probe('openfang')) };
  }
}
