import { EventsModule } from '@libs/events';
import { IdempotencyModule } from '@libs/idempotency';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { OrgsModule } from '../orgs/orgs.module';
import { OrgFeaturesModule } from '../settings/org-settings.module';
import { ClaimSignal } from './claim-signal';
import { JobOutcomes } from './job-outcomes';
import { WorkerDaemonEntity } from './worker-daemon.entity';
import { WorkerJobEntity } from './worker-job.entity';
import { WorkerJobsContract } from './worker-jobs.contract';
import { WorkerJobsService } from './worker-jobs.service';
import { WorkerLeases } from './worker-leases.service';
import { WorkerSweeper } from './worker-sweeper.service';
import { WorkersAdminService } from './workers-admin.service';
import { WorkersDaemonController } from './workers-daemon.controller';
import { WorkersDaemonService } from './workers-daemon.service';
import { WorkersController } from './workers.controller';
import { WorkersRepository } from './workers.repository';

/**
 * Worker daemons (/workers daemon routes on WORKER_TOKEN) and the user routes behind
 * features.workers (docs/workers.md). Exports `WorkerJobsContract` (sources: a sync runs on a
 * worker daemon when the org's features.workers is on).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([WorkerDaemonEntity, WorkerJobEntity]),
    EventsModule,
    IdempotencyModule,
    OrgsModule,
    OrgFeaturesModule,
  ],
  controllers: [WorkersDaemonController, WorkersController],
  providers: [
    WorkersRepository,
    WorkerLeases,
    ClaimSignal,
    JobOutcomes,
    WorkersDaemonService,
    WorkersAdminService,
    WorkerSweeper,
    WorkerJobsService,
    { provide: WorkerJobsContract, useExisting: WorkerJobsService },
  ],
  exports: [WorkerJobsContract],
})
export class WorkersModule {}
