import { recommend, type OrgState } from './recommendation-rules';

const source = (over: Partial<OrgState['sources'][number]> = {}): OrgState['sources'][number] => ({
  id: 's1',
  name: 'people',
  connector: 'csv',
  enabled: true,
  schedule: '0 * * * *',
  failuresSinceSuccess: 0,
  ...over,
});
const state = (over: Partial<OrgState> = {}): OrgState => ({
  sources: [],
  pendingApprovals: [],
  toolsBySource: new Map(),
  tasks: [],
  ...over,
});

describe('recommend', () => {
  it('nothing to suggest for an empty org or a healthy scheduled source without tools', () => {
    expect(recommend(state())).toEqual([]);
    expect(recommend(state({ sources: [source()] }))).toEqual([]);
  });

  it('an enabled source without a schedule; disabled sources are left out', () => {
    const out = recommend(
      state({ sources: [source({ schedule: null }), source({ id: 's2', schedule: null, enabled: false })] }),
    );
    expect(out.map((c) => c.fingerprint)).toEqual(['source_unscheduled:s1']);
    expect(out[0].suggestedTask).toMatchObject({
      name: 'Daily freshness check: people',
      trigger: { kind: 'schedule' },
    });
  });

  it('syncs failing in a row, scored by how many', () => {
    expect(recommend(state({ sources: [source({ failuresSinceSuccess: 1 })] }))).toEqual([]);
    const two = recommend(state({ sources: [source({ failuresSinceSuccess: 2 })] }));
    expect(two.map((c) => [c.fingerprint, c.score])).toEqual([['sync_failing:s1', 0.6]]);
    expect(recommend(state({ sources: [source({ failuresSinceSuccess: 40 })] }))[0].score).toBe(1);
  });

  it('tools no task mentions; a task naming the source or a tool silences it', () => {
    const toolsBySource = new Map([['s1', ['csv.query_rows']]]);
    expect(recommend(state({ sources: [source()], toolsBySource })).map((c) => c.fingerprint)).toEqual([
      'tools_unused:s1',
    ]);
    for (const inputTemplate of [{ instruction: 'summarise PEOPLE' }, { instruction: 'run csv.query_rows' }]) {
      expect(recommend(state({ sources: [source()], toolsBySource, tasks: [{ name: 'x', inputTemplate }] }))).toEqual(
        [],
      );
    }
  });

  it('approvals piling up for one tool', () => {
    const out = recommend(
      state({
        pendingApprovals: [
          { tool: 'kubernetes.delete_pod', count: 4 },
          { tool: 'github.merge', count: 2 },
        ],
      }),
    );
    expect(out.map((c) => [c.fingerprint, c.source, c.score])).toEqual([
      ['approvals_pending:kubernetes.delete_pod', 'chat_patterns', 0.6],
    ]);
  });
});
