import { WsGateway } from './ws.gateway';

describe('WsGateway.matches (topic → event routing)', () => {
  const ev = (type: string, data: Record<string, unknown> = {}) => ({ type, data });

  it('plain topics match by event type prefix', () => {
    expect(WsGateway.matches('graph', ev('graph.changed'))).toBe(true);
    expect(WsGateway.matches('graph', ev('job.progress'))).toBe(false);
    expect(WsGateway.matches('jobs', ev('job.completed'))).toBe(true);
    expect(WsGateway.matches('jobs', ev('sync_job.updated'))).toBe(true);
    expect(WsGateway.matches('task_runs', ev('task_run.updated'))).toBe(true);
    expect(WsGateway.matches('task_runs', ev('job.progress'))).toBe(false);
    expect(WsGateway.matches('notifications', ev('notification.created'))).toBe(true);
    expect(WsGateway.matches('approvals', ev('approval.created'))).toBe(true);
    expect(WsGateway.matches('*', ev('anything.at_all'))).toBe(true);
    expect(WsGateway.matches('nope', ev('graph.changed'))).toBe(false);
  });

  it('id topics match the id in data.job_id, data.job.id or data.id', () => {
    const id = '5b0c4f2e-8f64-4a0e-9a77-3d3b3b0c1a11';
    expect(WsGateway.matches(`job:${id}`, ev('job.progress', { job_id: id }))).toBe(true);
    expect(WsGateway.matches(`job:${id}`, ev('job.completed', { job: { id } }))).toBe(true);
    expect(WsGateway.matches(`job:${id}`, ev('job.completed', { job: { id: 'other' } }))).toBe(false);
    expect(WsGateway.matches(`job:${id}`, ev('graph.changed', { job_id: id }))).toBe(false);
    expect(WsGateway.matches(`job:job_${id}`, ev('job.progress', { job_id: id }))).toBe(true);
    expect(WsGateway.matches(`task_run:${id}`, ev('task_run.updated', { run_id: id }))).toBe(true);
    expect(WsGateway.matches(`task_run:${id}`, ev('task_run.updated', { run_id: 'other' }))).toBe(false);
  });
});
