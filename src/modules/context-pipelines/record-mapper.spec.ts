import { mapRecord } from './record-mapper';

describe('mapRecord', () => {
  const now = new Date('2026-01-01T00:00:00Z');

  it('maps events and takes ts from ts|timestamp|time', () => {
    expect(mapRecord('context_events', '{"ts":"2026-04-30T12:00:00Z","a":1}', now)).toEqual({
      kind: 'event',
      ts: '2026-04-30T12:00:00.000Z',
      data: { ts: '2026-04-30T12:00:00Z', a: 1 },
    });
    expect(mapRecord('context_events', '{"timestamp":1777550400}', now)).toMatchObject({
      ts: new Date(1777550400_000).toISOString(),
    });
    expect(mapRecord('context_events', '{"time":1777550400123}', now)).toMatchObject({
      ts: new Date(1777550400123).toISOString(),
    });
    expect(mapRecord('context_events', '{"x":1}', now)).toMatchObject({ ts: now.toISOString() });
    expect(mapRecord('context_events', '{"ts":"soon"}', now).kind).toBe('error');
  });

  it('rejects non-objects and broken JSON', () => {
    for (const line of ['{bad', '[1]', '"s"', '3', 'null']) {
      expect(mapRecord('context_events', line, now).kind).toBe('error');
    }
  });

  it('maps nodes by key or id with labels (default Record)', () => {
    const r = mapRecord('context_nodes', '{"id":7,"zone":"eu"}', now);
    expect(r).toMatchObject({ kind: 'node', node: { key: '7', label: 'Record', name: '7' } });
    const h = mapRecord('context_nodes', '{"key":"h1","labels":["Host","Vm"],"name":"web"}', now);
    expect(h).toMatchObject({
      node: { key: 'h1', label: 'Host', name: 'web', properties: { labels: ['Host', 'Vm'] } },
    });
    expect(mapRecord('context_nodes', '{"zone":"eu"}', now).kind).toBe('error');
    expect(mapRecord('context_nodes', '{"key":"a","labels":["Entity"]}', now).kind).toBe('error');
    expect(mapRecord('context_nodes', '{"key":"a","labels":["x`) DETACH DELETE n //"]}', now).kind).toBe('error');
    expect(mapRecord('context_nodes', '{"key":"a","labels":[]}', now).kind).toBe('error');
  });

  it('maps edges with type, from and to', () => {
    expect(mapRecord('context_edges', '{"type":"RUNS_ON","from":"a","to":"b","w":1}', now)).toEqual({
      kind: 'edge',
      edge: { type: 'RUNS_ON', fromKey: 'a', toKey: 'b', properties: { w: 1 } },
    });
    expect(mapRecord('context_edges', '{"type":"RUNS_ON","from":"a"}', now).kind).toBe('error');
    expect(mapRecord('context_edges', '{"type":"a-b","from":"a","to":"b"}', now).kind).toBe('error');
  });
});
