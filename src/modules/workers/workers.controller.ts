import { Authenticated, CurrentPrincipal } from '@libs/auth/auth.decorators';
import type { Principal } from '@libs/auth/principal';
import { RequiresFeature } from '@libs/features';
import { Post } from '@libs/http';
import { ApiPageResponse, PageQuery, type Page } from '@libs/pagination';
import { Body, Controller, Get, HttpCode, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DrainWorkerDto, ListWorkerJobsQuery, QueueStatsDto, WorkerDto, WorkerJobDto } from './dto/worker-job.dto';
import { WorkersAdminService } from './workers-admin.service';

/** User routes (spec A.4): admin+, behind features.workers. */
@ApiTags('workers')
@RequiresFeature('workers')
@Controller('workers')
export class WorkersController {
  constructor(private readonly svc: WorkersAdminService) {}

  @Get()
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'workers_list',
    summary: "Worker daemons serving the org, with the org's in-flight counts",
  })
  @ApiPageResponse(WorkerDto)
  list(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<Page<WorkerDto>> {
    return this.svc.listWorkers(p, q);
  }

  @Get('queues')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'workers_queues', summary: "Depth, in-flight and dead counts of the org's queues" })
  @ApiPageResponse(QueueStatsDto)
  queues(@CurrentPrincipal() p: Principal, @Query() q: PageQuery): Promise<Page<QueueStatsDto>> {
    return this.svc.queues(p, q);
  }

  @Get('jobs')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'workers_jobs_list', summary: "The org's worker jobs (newest first)" })
  @ApiPageResponse(WorkerJobDto)
  jobs(@CurrentPrincipal() p: Principal, @Query() q: ListWorkerJobsQuery): Promise<Page<WorkerJobDto>> {
    return this.svc.listJobs(p, q);
  }

  @Get('jobs/:id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'workers_jobs_get', summary: 'One worker job of the org' })
  @ApiOkResponse({ type: WorkerJobDto })
  job(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<WorkerJobDto> {
    return this.svc.getJob(p, id);
  }

  @Post('jobs/:id/retry')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'workers_jobs_retry', summary: 'Queue a failed or dead job again (attempts reset)' })
  @ApiOkResponse({ type: WorkerJobDto })
  retry(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<WorkerJobDto> {
    return this.svc.retry(p, id);
  }

  @Get(':id')
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({ operationId: 'workers_get', summary: 'One worker daemon' })
  @ApiOkResponse({ type: WorkerDto })
  get(@CurrentPrincipal() p: Principal, @Param('id') id: string): Promise<WorkerDto> {
    return this.svc.getWorker(p, id);
  }

  @Post(':id/drain')
  @HttpCode(200)
  @Authenticated({ minRole: 'admin' })
  @ApiOperation({
    operationId: 'workers_drain',
    summary: 'Stop handing the worker new jobs (`{"drain": false}` lifts it); install-wide workers: platform admin',
  })
  @ApiOkResponse({ type: WorkerDto })
  drain(@CurrentPrincipal() p: Principal, @Param('id') id: string, @Body() dto: DrainWorkerDto): Promise<WorkerDto> {
    return this.svc.drain(p, id, dto.drain ?? true);
  }
}
