import { ConflictException } from '@libs/errors';
import { TasksContract, type TriggerContext } from 'src/modules/tasks/tasks.contract';
import { HookIntake } from './hook-intake.service';
import type { InboundCall } from './inbound-call';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { WebhooksRepository } from './webhooks.repository';

class FakeTasks extends TasksContract {
  readonly fired: { orgId: string; taskId?: string; agent?: string; trigger: TriggerContext }[] = [];
  failWith?: Error;
  hookTarget = jest.fn();
  create = jest.fn();
  runStatus = jest.fn();
  listForOrg = jest.fn();
  fire(orgId: string, taskId: string, trigger: TriggerContext) {
    if (this.failWith) {
      return Promise.reject(this.failWith);
    }
    this.fired.push({ orgId, taskId, trigger });
    return Promise.resolve({ runId: `run_${this.fired.length}` });
  }
  fireAdHoc(orgId: string, target: { agent: string }, trigger: TriggerContext) {
    this.fired.push({ orgId, agent: target.agent, trigger });
    return Promise.resolve({ runId: `run_${this.fired.length}` });
  }
}

function fakeRepo() {
  const rows: Partial<WebhookDeliveryEntity>[] = [];
  const repo = {
    insertDelivery: (r: Partial<WebhookDeliveryEntity>) => {
      rows.push(r);
      return Promise.resolve();
    },
  } as unknown as WebhooksRepository;
  return { repo, rows };
}

const call: InboundCall = {
  body: { alert: 'HighCPU', password: 'p' },
  text: '{"alert":"HighCPU","password":"p"}',
  contentType: 'application/json',
  headers: { 'content-type': 'application/json', authorization: 'Bearer x' },
  query: { env: 'prod' },
  sizeBytes: 34,
  sourceIp: '10.0.0.1',
};

describe('HookIntake', () => {
  it('fires the task with the trigger context and logs one accepted row with the run id (redacted)', async () => {
    const tasks = new FakeTasks();
    const { repo, rows } = fakeRepo();
    const r = await new HookIntake(repo, tasks).accept(
      'org-1',
      'task_1',
      { type: 'task', taskId: 'task_1' },
      call,
      'hook',
    );
    expect(r.runId).toBe('run_1');
    expect(tasks.fired[0].trigger).toMatchObject({
      kind: 'webhook',
      body: call.body,
      query: { env: 'prod' },
      delivery_id: r.deliveryId,
    });
    expect(tasks.fired[0].trigger.webhook_id).toBeUndefined();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: r.deliveryId, status: 'accepted', httpStatus: 202, runId: 'run_1' });
    expect(rows[0].body).not.toContain('"p"');
    expect(rows[0].headers).toMatchObject({ authorization: '[redacted]' });
  });

  it('an agent target fires an ad-hoc run; a sample is kind `sample`', async () => {
    const tasks = new FakeTasks();
    const { repo, rows } = fakeRepo();
    const intake = new HookIntake(repo, tasks);
    await intake.accept(
      'o',
      'wh_1',
      { type: 'agent', agent: 'default', realm: null, inputTemplate: {} },
      call,
      'sample',
    );
    expect(tasks.fired[0]).toMatchObject({ agent: 'default', trigger: { kind: 'sample', webhook_id: 'wh_1' } });
    expect(rows[0].source).toBe('sample');
  });

  it('a refused fire is logged `failed` with its code and rethrown', async () => {
    const tasks = new FakeTasks();
    tasks.failWith = new ConflictException('paused', {}, 'task_disabled');
    const { repo, rows } = fakeRepo();
    await expect(
      new HookIntake(repo, tasks).accept('o', 'task_1', { type: 'task', taskId: 'task_1' }, call, 'hook'),
    ).rejects.toBe(tasks.failWith);
    expect(rows[0]).toMatchObject({ status: 'failed', httpStatus: 409, errorCode: 'task_disabled' });
    expect(rows[0].runId).toBeUndefined();
  });

  it('a rejection keeps metadata only', async () => {
    const { repo, rows } = fakeRepo();
    await new HookIntake(repo, new FakeTasks()).reject(
      'o',
      'task_1',
      { contentType: 'application/json', sizeBytes: 10, sourceIp: null },
      'invalid_signature',
      'signature_mismatch',
      401,
    );
    expect(rows[0]).toMatchObject({ status: 'rejected', rejectReason: 'invalid_signature', signatureValid: false });
    expect(rows[0].body).toBeUndefined();
    expect(rows[0].headers).toBeUndefined();
  });

  it('without a tasks module, firing is 503 tasks_unavailable', () => {
    const { repo } = fakeRepo();
    expect(() => new HookIntake(repo).taskRuns).toThrow(expect.objectContaining({ status: 503 }));
  });
});
