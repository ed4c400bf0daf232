import type { AppConfig } from '@libs/config';
import type { PipelineScheduleQueue } from '@libs/queue/pipeline-schedule-queue';
import type { RedisService } from '@libs/redis/redis.service';
import type { PipelineRunner } from './pipeline-runner.service';
import { PipelineScheduler } from './pipeline-scheduler.service';
import type { PipelineEntity } from './pipeline.entity';
import type { PipelinesRepository } from './pipelines.repository';
import type { PipelinesService } from './pipelines.service';

function setup(pipeline: Partial<PipelineEntity> | null) {
  const repo = { findPipeline: jest.fn(async () => (pipeline ? (pipeline as PipelineEntity) : null)) };
  const service = { fireScheduled: jest.fn(async () => 'started') };
  const queue = { removeSchedule: jest.fn(async () => undefined) };
  const config = { tasks: { runInApi: false, scheduleGraceSecs: 60 } } as AppConfig;
  const s = new PipelineScheduler(
    repo as unknown as PipelinesRepository,
    service as unknown as PipelinesService,
    {} as PipelineRunner,
    queue as unknown as PipelineScheduleQueue,
    {} as RedisService,
    config,
  );
  return { s, service, queue };
}

const tick = { pipelineId: 'pip_1', orgId: 'org', cron: '*/2 * * * * *' };

describe('PipelineScheduler.tick', () => {
  it('fires a due tick of an enabled scheduled pipeline', async () => {
    const { s, service } = setup({ id: 'pip_1', schedule: tick.cron, enabled: true });
    const due = Date.now();
    expect(await s.tick(tick, due)).toBe('started');
    expect(service.fireScheduled).toHaveBeenCalledWith(expect.objectContaining({ id: 'pip_1' }), due);
  });

  it('drops a tick later than the grace window (no back-fill)', async () => {
    const { s, service } = setup({ id: 'pip_1', schedule: tick.cron, enabled: true });
    expect(await s.tick(tick, Date.now() - 61_000)).toBe('late');
    expect(service.fireScheduled).not.toHaveBeenCalled();
  });

  it('removes the scheduler of a deleted or manual pipeline', async () => {
    for (const p of [null, { id: 'pip_1', schedule: 'manual', enabled: true }]) {
      const { s, service, queue } = setup(p);
      expect(await s.tick(tick, Date.now())).toBe('no_schedule');
      expect(queue.removeSchedule).toHaveBeenCalledWith('pip_1');
      expect(service.fireScheduled).not.toHaveBeenCalled();
    }
  });

  it("ignores a tick of the schedule's previous version", async () => {
    const { s, service } = setup({ id: 'pip_1', schedule: '*/3 * * * * *', enabled: true });
    expect(await s.tick(tick, Date.now())).toBe('stale');
    expect(service.fireScheduled).not.toHaveBeenCalled();
  });

  it('a disabled pipeline loses its scheduler and the fire is recorded as skipped', async () => {
    const { s, service, queue } = setup({ id: 'pip_1', schedule: tick.cron, enabled: false });
    await s.tick(tick, Date.now());
    expect(queue.removeSchedule).toHaveBeenCalledWith('pip_1');
    expect(service.fireScheduled).toHaveBeenCalled();
  });
});
