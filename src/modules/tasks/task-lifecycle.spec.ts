import type { OrgEvent } from '@libs/events';
import {
  isSelfTriggered,
  lifecycleEventOf,
  lifecycleFilterError,
  lifecycleFilterMatches,
  MAX_FILTER_KEYS,
} from './task-lifecycle';

const ev = (type: string, data: Record<string, unknown> = {}) => ({ type, data, ts: '' }) as unknown as OrgEvent;

describe('lifecycle triggers', () => {
  it('reads each lifecycle event from its org event, and nothing else', () => {
    expect(lifecycleEventOf(ev('job.completed'))).toBe('source.sync.succeeded');
    expect(lifecycleEventOf(ev('job.failed'))).toBe('source.sync.failed');
    expect(lifecycleEventOf(ev('task_run.failed'))).toBe('task.run.failed');
    expect(lifecycleEventOf(ev('approval.expired'))).toBe('approval.expired');
    expect(lifecycleEventOf(ev('memory.created'))).toBe('memory.created');
    expect(lifecycleEventOf(ev('channel.disconnected'))).toBe('channel.disconnected');
    for (const other of ['job.progress', 'task_run.finished', 'approval.resolved', 'graph.changed']) {
      expect(lifecycleEventOf(ev(other))).toBeUndefined();
    }
  });

  it('accepts flat filters of scalar values and dotted paths', () => {
    expect(lifecycleFilterError({})).toBeNull();
    expect(lifecycleFilterError({ source_id: 'src_1', 'error.code': 'x', n: 3, ok: true, gone: null })).toBeNull();
  });

  it.each([
    [null, /must be an object/],
    [[], /must be an object/],
    ['source_id', /must be an object/],
    [{ nested: { a: 1 } }, /filter value of "nested"/],
    [{ list: [1] }, /filter value of "list"/],
    [{ n: Number.NaN }, /filter value of "n"/],
    [{ long: 'x'.repeat(501) }, /filter value of "long"/],
    [{ 'a b': 1 }, /field name/],
    [{ 'a..b': 1 }, /field name/],
    [{ __proto__x: 1, ['__proto__']: 1 }, /field name|filter value/],
    [{ 'a.constructor': 1 }, /field name/],
    [Object.fromEntries(Array.from({ length: MAX_FILTER_KEYS + 1 }, (_, i) => [`k${i}`, i])), /at most 20/],
  ])('refuses %j', (filter, message) => {
    expect(lifecycleFilterError(filter)).toMatch(message);
  });

  it('matches by strict equality on every field, own properties only', () => {
    const data = { source_id: 'src_1', job: { status: 'failed', attempts: 2 } };
    expect(lifecycleFilterMatches(null, data)).toBe(true);
    expect(lifecycleFilterMatches({}, data)).toBe(true);
    expect(lifecycleFilterMatches({ source_id: 'src_1' }, data)).toBe(true);
    expect(lifecycleFilterMatches({ source_id: 'src_1', 'job.attempts': 2 }, data)).toBe(true);
    expect(lifecycleFilterMatches({ source_id: 'src_2' }, data)).toBe(false);
    expect(lifecycleFilterMatches({ 'job.attempts': '2' }, data)).toBe(false);
    expect(lifecycleFilterMatches({ missing: null }, data)).toBe(false);
    expect(lifecycleFilterMatches({ 'source_id.length': 5 }, data)).toBe(false);
    expect(lifecycleFilterMatches({ toString: 'x' }, data)).toBe(false);
  });

  it('never lets a failed run fire its own task or a lifecycle-started run fire another', () => {
    expect(isSelfTriggered('task_a', 'task.run.failed', { task_id: 'task_a', trigger_kind: 'schedule' })).toBe(true);
    expect(isSelfTriggered('task_a', 'task.run.failed', { task_id: 'task_b', trigger_kind: 'lifecycle' })).toBe(true);
    expect(isSelfTriggered('task_a', 'task.run.failed', { task_id: 'task_b', trigger_kind: 'webhook' })).toBe(false);
    expect(isSelfTriggered('task_a', 'source.sync.failed', { task_id: 'task_a' })).toBe(false);
  });
});
