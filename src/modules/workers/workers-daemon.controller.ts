import { NoAudit } from '@libs/audit/audit.decorators';
import { WorkerToken } from '@libs/auth/auth.decorators';
import { Post } from '@libs/http';
import { Body, Controller, HttpCode, Param, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ClaimDto,
  ClaimResponseDto,
  CompleteJobDto,
  FailJobDto,
  HeartbeatDto,
  HeartbeatResponseDto,
  RegisterWorkerDto,
  RegisterWorkerResponseDto,
} from './dto/worker-daemon.dto';
import { WorkersDaemonService } from './workers-daemon.service';

/** Daemon routes (spec A.3): `Authorization: Bearer <WORKER_TOKEN>`; 404 while WORKER_TOKEN is unset. */
@ApiTags('workers')
@Controller('workers')
export class WorkersDaemonController {
  constructor(private readonly svc: WorkersDaemonService) {}

  @Post('register')
  @WorkerToken()
  @ApiOperation({ operationId: 'workers_register', summary: 'A worker daemon registers (worker token)' })
  @ApiCreatedResponse({ type: RegisterWorkerResponseDto })
  register(@Body() dto: RegisterWorkerDto): Promise<RegisterWorkerResponseDto> {
    return this.svc.register(dto);
  }

  @Post(':worker_id/heartbeat')
  @HttpCode(200)
  @WorkerToken()
  @NoAudit()
  @ApiOperation({
    operationId: 'workers_heartbeat',
    summary: 'Heartbeat; renews the leases of the listed in-flight jobs (worker token)',
  })
  @ApiOkResponse({ type: HeartbeatResponseDto })
  heartbeat(@Param('worker_id') workerId: string, @Body() dto: HeartbeatDto): Promise<HeartbeatResponseDto> {
    return this.svc.heartbeat(workerId, dto);
  }

  @Post(':worker_id/claim')
  @HttpCode(200)
  @WorkerToken()
  @NoAudit()
  @ApiOperation({
    operationId: 'workers_claim',
    summary: 'Claim queued jobs (long-poll up to 20 s, then an empty list) (worker token)',
  })
  @ApiOkResponse({ type: ClaimResponseDto })
  claim(
    @Param('worker_id') workerId: string,
    @Body() dto: ClaimDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ClaimResponseDto> {
    // a daemon that hangs up mid-poll must not be handed jobs it will never see
    const hangup = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) {
        hangup.abort();
      }
    });
    return this.svc.claim(workerId, dto, hangup.signal);
  }

  @Post('jobs/:job_id/complete')
  @HttpCode(204)
  @WorkerToken()
  @ApiOperation({ operationId: 'workers_job_complete', summary: 'Report a job done (worker token)' })
  @ApiNoContentResponse({ description: 'Recorded; 409 lease_lost if the worker no longer holds the job' })
  async complete(@Param('job_id') jobId: string, @Body() dto: CompleteJobDto): Promise<void> {
    await this.svc.complete(jobId, dto);
  }

  @Post('jobs/:job_id/fail')
  @HttpCode(204)
  @WorkerToken()
  @ApiOperation({ operationId: 'workers_job_fail', summary: 'Report a job failed (worker token)' })
  @ApiNoContentResponse({ description: 'Recorded; 409 lease_lost if the worker no longer holds the job' })
  async fail(@Param('job_id') jobId: string, @Body() dto: FailJobDto): Promise<void> {
    await this.svc.fail(jobId, dto);
  }

  @Post(':worker_id/deregister')
  @HttpCode(204)
  @WorkerToken()
  @ApiOperation({
    operationId: 'workers_deregister',
    summary: 'A worker daemon leaves; its jobs go back to the queue (worker token)',
  })
  @ApiNoContentResponse({ description: 'Deregistered' })
  async deregister(@Param('worker_id') workerId: string): Promise<void> {
    await this.svc.deregister(workerId);
  }
}
