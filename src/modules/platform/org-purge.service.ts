import { AppConfig } from '@libs/config';
import { gitCacheDir } from '@libs/connectors/git/git.connector';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ArtifactsContract } from 'src/modules/artifacts/artifacts.contract';
import { GraphContract } from 'src/modules/graph/graph.contract';
import { OrgsRepository } from 'src/modules/orgs/orgs.repository';

const PURGE_EVERY_MS = 3600_000;
const ORGS_PER_RUN = 20;

/**
 * Removes the data of orgs deleted more than ORG_PURGE_AFTER_DAYS ago: graph nodes and edges,
 * artifact blobs, uploaded files and git clones, then the org row, which cascades to every org-scoped PostgreSQL table. Runs hourly
 * in every API process; the final conditional delete makes concurrent runs harmless, and each step
 * can be repeated, so a run interrupted half-way is finished by the next one.
 */
@Injectable()
export class OrgPurgeService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(OrgPurgeService.name);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly orgs: OrgsRepository,
    private readonly graph: GraphContract,
    private readonly artifacts: ArtifactsContract,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.purgeDue().catch((err: Error) => this.logger.warn(`org purge failed: ${err.message}`));
    }, PURGE_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Purges the orgs whose grace period has ended by `now`; returns their ids. */
  async purgeDue(now = new Date()): Promise<string[]> {
    const before = new Date(now.getTime() - this.config.orgPurgeAfterDays * 86_400_000);
    const purged: string[] = [];
    for (const id of await this.orgs.dueForPurge(before, ORGS_PER_RUN)) {
      await this.graph.deleteOrgGraph(id);
      await this.artifacts.deleteOrgBlobs(id);
      await rm(join(this.config.uploadDir, id), { recursive: true, force: true });
      await rm(gitCacheDir(this.config.uploadDir, id), { recursive: true, force: true });
      if (await this.orgs.purge(id, before)) {
        purged.push(id);
        this.logger.log(`purged deleted org ${id}`);
      }
    }
    return purged;
  }
}
