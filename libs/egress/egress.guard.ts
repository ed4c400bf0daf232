import { AuditService } from '@libs/audit';
import { AppConfig } from '@libs/config';
import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { EgressPolicy } from './egress-policy';
import { EgressForbiddenError } from './egress.errors';
import { OrgEgress } from './org-egress';

/** Upper bound of per-org guards (each holds a connection pool) kept between calls. */
const MAX_CACHED_ORGS = 200;

/**
 * The one egress guard (EGRESS_ALLOW opens chosen private destinations). `forOrg` hands out the
 * org-bound guard that connectors, LLM providers, OAuth and webhook deliveries connect through;
 * every refusal is audited (category `policy`, action `egress.denied`).
 */
@Injectable()
export class EgressGuard implements OnModuleDestroy {
  private readonly logger = new Logger(EgressGuard.name);
  private readonly policy: EgressPolicy;
  private readonly byOrg = new Map<string, OrgEgress>();

  constructor(
    config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.policy = new EgressPolicy(config.egressAllow);
  }

  forOrg(orgId: string): OrgEgress {
    let g = this.byOrg.get(orgId);
    if (g) {
      // keep recently used guards at the end of the insertion order (LRU)
      this.byOrg.delete(orgId);
    } else {
      g = new OrgEgress(orgId, this.policy, (org, err) => this.refused(org, err));
      if (this.byOrg.size >= MAX_CACHED_ORGS) {
        const [oldest, old] = this.byOrg.entries().next().value as [string, OrgEgress];
        this.byOrg.delete(oldest);
        void old.close();
      }
    }
    this.byOrg.set(orgId, g);
    return g;
  }

  async onModuleDestroy(): Promise<void> {
    // shutdown: long-lived streams (MCP event streams) must not hold it up
    await Promise.all([...this.byOrg.values()].map((g) => g.destroy()));
    this.byOrg.clear();
  }

  private refused(orgId: string, err: EgressForbiddenError): void {
    this.logger.warn({ orgId, host: err.host, address: err.address, reason: err.reason }, 'egress refused');
    void this.audit.record({
      orgId,
      category: 'policy',
      action: 'egress.denied',
      result: 'denied',
      target: { host: err.host, address: err.address },
      details: { reason: err.reason },
    });
  }
}
