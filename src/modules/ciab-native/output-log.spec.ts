import { OutputLog } from './output-log';

describe('OutputLog', () => {
  it('numbers events, replays after an id and notifies listeners', () => {
    const log = new OutputLog();
    const seen: number[] = [];
    const off = log.subscribe((e) => seen.push(e.id));
    log.output('stdout', Buffer.from('a'));
    log.push('status', { status: 'running' });
    off();
    log.output('stderr', Buffer.from('b'));
    expect(seen).toEqual([1, 2]);
    expect(log.since(1).map((e) => [e.id, e.event])).toEqual([
      [2, 'status'],
      [3, 'stderr'],
    ]);
    expect(log.lastId).toBe(3);
  });

  it('keeps a multi-byte character split across chunks whole', () => {
    const log = new OutputLog();
    const euro = Buffer.from('€');
    log.output('stdout', euro.subarray(0, 1));
    log.output('stdout', euro.subarray(1));
    expect(log.since(0).map((e) => e.data.text)).toEqual(['€']);
  });

  it('drops the oldest events beyond its bounds', () => {
    const log = new OutputLog(3, 1_000_000);
    for (let i = 0; i < 5; i++) {
      log.push('stdout', { text: String(i) });
    }
    expect(log.since(0).map((e) => e.id)).toEqual([3, 4, 5]);
    const small = new OutputLog(100, 50);
    for (let i = 0; i < 10; i++) {
      small.push('stdout', { text: 'xxxxxxxxxx' });
    }
    expect(small.since(0).length).toBeLessThan(10);
    expect(small.since(0).at(-1)!.id).toBe(10);
  });
});
