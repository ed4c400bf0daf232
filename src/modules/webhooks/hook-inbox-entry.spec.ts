import { hookCallOfInbox, inboxFieldsOf } from './hook-inbox-entry';

describe('hook inbox entries', () => {
  it('carry a fast-lane call to the consumer as HookIntake takes it (signature left out, arrays joined)', () => {
    const body = Buffer.from(JSON.stringify({ alert: 'HighCPU', n: 1 }));
    const fields = inboxFieldsOf({
      deliveryId: 'dlv_1',
      runId: 'run_1',
      triggerId: 'task_1',
      target: { type: 'task', taskId: 'task_1' },
      body,
      headers: { 'content-type': 'application/json', 'x-agentcy-signature': 'sha256=ab', 'x-multi': ['a', 'b'] },
      contentType: 'application/json',
      sourceIp: '10.0.0.1',
      receivedAt: 1_700_000_000_000,
    });
    expect(Object.keys(fields)).toEqual(['meta', 'body']);
    expect(fields.body).toBe(body); // the bytes, not a copy as text
    const back = hookCallOfInbox({ meta: fields.meta as string, body: body.toString('utf8') });
    expect(back).toEqual({
      deliveryId: 'dlv_1',
      runId: 'run_1',
      triggerId: 'task_1',
      target: { type: 'task', taskId: 'task_1' },
      receivedAt: new Date(1_700_000_000_000),
      call: {
        body: { alert: 'HighCPU', n: 1 },
        text: '{"alert":"HighCPU","n":1}',
        contentType: 'application/json',
        headers: { 'content-type': 'application/json', 'x-multi': 'a, b' },
        query: {},
        sizeBytes: body.length,
        sourceIp: '10.0.0.1',
      },
    });
  });
});
