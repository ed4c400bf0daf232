import { Semaphore, SemaphoreFullError } from './semaphore';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once, queues up to `queueMax`, refuses beyond', async () => {
    const s = new Semaphore(2, 1);
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      s.run(async () => {
        started.push(i);
        await g.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(s.running).toBe(2);
    expect(s.waiting).toBe(1);
    await expect(s.run(async () => 'late')).rejects.toBeInstanceOf(SemaphoreFullError);

    gates[0].resolve();
    await expect(runs[0]).resolves.toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    expect(s.running).toBe(2);
    gates[1].resolve();
    gates[2].resolve();
    await expect(Promise.all(runs)).resolves.toEqual([0, 1, 2]);
    expect(s.running).toBe(0);
    expect(s.waiting).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const s = new Semaphore(1, 0);
    await expect(s.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(s.run(async () => 'ok')).resolves.toBe('ok');
  });
});
