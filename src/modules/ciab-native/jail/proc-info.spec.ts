import { descendantsOf, parseListeningPorts, parsePpid } from './proc-info';

describe('proc-info', () => {
  it('reads LISTEN sockets (state 0A) of a /proc/net/tcp table', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 00000000:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1',
      '   1: 0100007F:0BB8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1',
      '   2: 0100007F:1F40 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1',
      '',
    ].join('\n');
    expect(parseListeningPorts(table)).toEqual([3000, 8000]);
    expect(parseListeningPorts('')).toEqual([]);
  });

  it('parses the parent pid even when the command name holds spaces and parentheses', () => {
    expect(parsePpid('42 (my (odd) cmd) S 7 42 42 0 -1')).toBe(7);
    expect(parsePpid('garbage')).toBeNull();
  });

  it('collects every descendant of a process', () => {
    const parents = new Map([
      [2, 1],
      [3, 2],
      [4, 3],
      [5, 1],
      [9, 8],
    ]);
    expect(descendantsOf(2, parents).sort()).toEqual([3, 4]);
    expect(descendantsOf(1, parents).sort()).toEqual([2, 3, 4, 5]);
    expect(descendantsOf(9, parents)).toEqual([]);
  });
});
