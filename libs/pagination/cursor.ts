import { ValidationException } from '@libs/errors';
import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque keyset cursors: base64url(JSON payload) + "." + HMAC. The MAC covers a scope string
 * (endpoint + filters), so a forged cursor, or one taken from another list, is a 400.
 */
export interface CursorPosition {
  /** sort key: ISO timestamp, number or string */
  k: string | number;
  /** tie-breaker: the row id */
  id: string;
}

let macKey: Buffer = Buffer.from('agentcy-cursor-key');

export function setCursorKey(key: Buffer): void {
  macKey = key;
}

function mac(scope: string, payload: string): string {
  return createHmac('sha256', macKey).update(scope).update('\0').update(payload).digest('base64url').slice(0, 22);
}

export function encodeCursor(scope: string, pos: CursorPosition): string {
  const payload = Buffer.from(JSON.stringify(pos)).toString('base64url');
  return `${payload}.${mac(scope, payload)}`;
}

export function decodeCursor(scope: string, cursor: string): CursorPosition {
  const invalid = () =>
    new ValidationException(
      'Invalid cursor',
      { fields: [{ field: 'cursor', errors: ['cursor is malformed or belongs to another list'] }] },
      'invalid_cursor',
    );
  const [payload, sig] = cursor.split('.');
  if (!payload || !sig) {
    throw invalid();
  }
  const expected = Buffer.from(mac(scope, payload));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw invalid();
  }
  try {
    const pos = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as CursorPosition;
    if (typeof pos.id !== 'string' || (typeof pos.k !== 'string' && typeof pos.k !== 'number')) {
      throw new Error();
    }
    return pos;
  } catch {
    throw invalid();
  }
}
