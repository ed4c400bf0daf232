import type { OrgEvent, OrgEvents } from '@libs/events';
import type { ChannelPostContract } from '../channels/channel-post.contract';
import type { TaskAdminContract } from '../tasks/task-admin.contract';
import { CronChannelPoster } from './cron-channel-poster';
import type { CronChannelEntity } from './cron-channel.entity';
import type { CronChannelsRepository } from './cron-channels.repository';

describe('CronChannelPoster', () => {
  const row = { id: 'crc_1', orgId: 'o1', channel: 'webhook', target: { chat: 'c' }, taskId: 'task_1' };
  const setup = (run: { taskId: string; status: string; output: string | null } | null, fail = false) => {
    const updates: Partial<CronChannelEntity>[] = [];
    const posts: string[] = [];
    const repo = {
      findByTask: async (_o: string, taskId: string) => (taskId === 'task_1' ? row : null),
      update: async (_o: string, _id: string, patch: Partial<CronChannelEntity>) => void updates.push(patch),
    } as unknown as CronChannelsRepository;
    const tasks = { runResult: async () => run } as unknown as TaskAdminContract;
    const channels = {
      postToChannel: async (_o: string, _c: string, _t: unknown, text: string) => {
        if (fail) {
          throw new Error('HTTP 500');
        }
        posts.push(text);
      },
    } as unknown as ChannelPostContract;
    const poster = new CronChannelPoster({} as OrgEvents, repo, tasks, channels);
    return { poster, updates, posts };
  };
  const finished = (taskId: string | null): OrgEvent =>
    ({
      type: 'task_run.finished',
      data: { run_id: 'run_1', task_id: taskId, status: 'succeeded' },
      ts: '',
    }) as OrgEvent;

  it('posts the answer of a succeeded run of a cron channel task', async () => {
    const s = setup({ taskId: 'task_1', status: 'succeeded', output: 'hi' });
    await s.poster.handle('o1', finished('task_1'));
    expect(s.posts).toEqual(['hi']);
    expect(s.updates[0]).toMatchObject({ lastError: null });
  });

  it('ignores other tasks and other events', async () => {
    const s = setup({ taskId: 'task_2', status: 'succeeded', output: 'hi' });
    await s.poster.handle('o1', finished('task_2'));
    await s.poster.handle('o1', finished(null));
    await s.poster.handle('o1', { ...finished('task_1'), type: 'task_run.updated' } as OrgEvent);
    expect(s.posts).toEqual([]);
    expect(s.updates).toEqual([]);
  });

  it('records a failed run or a failed send as last_error', async () => {
    const failed = setup({ taskId: 'task_1', status: 'failed', output: null });
    await failed.poster.handle('o1', finished('task_1'));
    expect(failed.posts).toEqual([]);
    expect(failed.updates[0].lastError).toBe('run failed');
    const send = setup({ taskId: 'task_1', status: 'succeeded', output: 'hi' }, true);
    await send.poster.handle('o1', finished('task_1'));
    expect(send.updates[0].lastError).toBe('HTTP 500');
  });
});
