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

/**
 * MACs computed lately, by their input: a polled list hands out the same next cursor again and
 * again, and an HMAC is a large part of a short page's CPU. Bounded; emptied with a new key.
 */
const recentMacs = new Map<string, string>();
const MAX_RECENT_MACS = 1_000;

export function setCursorKey(key: Buffer): void {
  macKey = key;
  recentMacs.clear();
}

function mac(scope: string, payload: string): string {
  const input = `${scope}\0${payload}`;
  let m = recentMacs.get(input);
  if (m === undefined) {
    m = createHmac('sha256', macKey).update(input).digest('base64url').slice(0, 22);
    if (recentMacs.size >= MAX_RECENT_MACS) {
      recentMacs.clear();
    }
    recentMacs.set(input, m);
  }
  return m;
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
