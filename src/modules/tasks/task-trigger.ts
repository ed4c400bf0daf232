import { parseExpression } from 'cron-parser';

export const CRON_ALIASES = ['@hourly', '@daily', '@weekly', '@monthly', '@yearly'] as const;

/** Whether `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 100) {
    return false;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Checks a task cron: 5 fields (or an alias); a 6th (seconds) field only when `allowSeconds`
 * (TASK_CRON_SECONDS, test only). Returns an error message, or null when valid.
 */
export function cronError(cron: string, allowSeconds: boolean): string | null {
  const expr = cron.trim();
  if (!expr) {
    return 'cron must not be empty';
  }
  if (expr.startsWith('@')) {
    return (CRON_ALIASES as readonly string[]).includes(expr)
      ? null
      : `unknown alias ${expr} (accepted: ${CRON_ALIASES.join(' ')})`;
  }
  const fields = expr.split(/\s+/).length;
  if (fields === 6 && !allowSeconds) {
    return 'cron must have 5 fields (minute hour day-of-month month day-of-week); a seconds field is not accepted';
  }
  if (fields !== 5 && fields !== 6) {
    return `cron must have 5 fields (minute hour day-of-month month day-of-week), got ${fields}`;
  }
  try {
    parseExpression(expr, { utc: true }).next();
  } catch (err) {
    return `invalid cron: ${(err as Error).message}`;
  }
  return null;
}

/** The next fire time of a schedule after `from`, or null when it cannot be computed. */
export function nextFireAt(cron: string, timezone: string, from = new Date()): Date | null {
  try {
    return parseExpression(cron.trim(), { tz: timezone, currentDate: from }).next().toDate();
  } catch {
    return null;
  }
}
