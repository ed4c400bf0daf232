import type { AuditEntryEntity } from '@libs/audit';

export const CSV_COLUMNS = [
  'seq',
  'id',
  'ts',
  'category',
  'action',
  'decision',
  'result',
  'user_id',
  'api_key_id',
  'actor_email',
  'connector',
  'tool',
  'target',
  'ip',
  'request_id',
  'details',
  'prev_hash',
  'hash',
] as const;

/**
 * One CSV cell (RFC 4180 quoting). A cell a spreadsheet would read as a formula (starting with
 * = + - @, tab or carriage return) is prefixed with `'` so opening the export runs nothing.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) {
    return '';
  }
  let s = typeof value === 'object' ? JSON.stringify(value) : String(value as string | number | boolean);
  if (/^[=+\-@\t\r]/.test(s)) {
    s = `'${s}`;
  }
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: unknown[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function decisionOf(result: string): 'allow' | 'deny' | 'error' {
  return result === 'success' ? 'allow' : result === 'denied' ? 'deny' : 'error';
}

export function csvRow(e: AuditEntryEntity): string {
  const target = e.target ?? {};
  const tool = target.tool ?? (target.type === 'tool' ? target.id : null);
  return csvLine([
    e.seq,
    e.id,
    e.ts.toISOString(),
    e.category,
    e.action,
    decisionOf(e.result),
    e.result,
    e.actorUserId,
    e.actorApiKeyId,
    e.actorEmail,
    target.connector,
    tool,
    e.target,
    e.ip,
    e.requestId,
    e.details,
    e.prevHash,
    e.hash,
  ]);
}
