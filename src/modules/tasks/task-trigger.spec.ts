import { cronError, isTimeZone, nextFireAt } from './task-trigger';

describe('task triggers', () => {
  it('accepts 5-field crons and the aliases', () => {
    for (const c of ['*/15 * * * *', '0 9 * * 1-5', '@hourly', '@daily', '@weekly', '@monthly', '@yearly']) {
      expect(cronError(c, false)).toBeNull();
    }
  });

  it('refuses 6-field crons unless seconds are allowed (test only), and bad expressions', () => {
    expect(cronError('*/5 * * * * *', false)).toMatch(/seconds/);
    expect(cronError('*/5 * * * * *', true)).toBeNull();
    expect(cronError('* * *', false)).toMatch(/5 fields/);
    expect(cronError('* * * * * * *', true)).toMatch(/5 fields/);
    expect(cronError('61 * * * *', false)).toMatch(/invalid cron/);
    expect(cronError('@every_minute', false)).toMatch(/unknown alias/);
    expect(cronError('  ', false)).toMatch(/empty/);
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('computes the next fire time in the task time zone', () => {
    const from = new Date('2026-01-15T06:00:00Z');
    expect(nextFireAt('0 9 * * *', 'UTC', from)?.toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(nextFireAt('0 9 * * *', 'Europe/Berlin', from)?.toISOString()).toBe('2026-01-15T08:00:00.000Z');
  });
});
