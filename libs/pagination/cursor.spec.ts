import { AppException } from '@libs/errors';
import { createHmac } from 'node:crypto';
import { decodeCursor, encodeCursor, setCursorKey } from './cursor';
import { paginateArray } from './paginate';

describe('cursor', () => {
  it('round-trips within a scope', () => {
    const c = encodeCursor('s1', { k: '2026-01-01T00:00:00.000Z', id: 'abc' });
    expect(decodeCursor('s1', c)).toEqual({ k: '2026-01-01T00:00:00.000Z', id: 'abc' });
  });

  it('rejects another scope, tampering and garbage with a 400', () => {
    const c = encodeCursor('s1', { k: 1, id: 'x' });
    const [payload, mac] = c.split('.');
    const forged = `${Buffer.from(JSON.stringify({ k: 2, id: 'x' })).toString('base64url')}.${mac}`;
    for (const [scope, cur] of [
      ['s2', c],
      ['s1', forged],
      ['s1', payload],
      ['s1', '....'],
      ['s1', ''],
    ] as const) {
      let err: unknown;
      try {
        decodeCursor(scope, cur);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppException);
      expect((err as AppException).status).toBe(400);
    }
  });

  it('the MAC is HMAC-SHA256(key, scope NUL payload) every time, remembered or not, and follows a new key', () => {
    const expected = (key: Buffer, scope: string, cursor: string) => {
      const payload = cursor.split('.')[0];
      return `${payload}.${createHmac('sha256', key).update(scope).update('\0').update(payload).digest('base64url').slice(0, 22)}`;
    };
    const k1 = Buffer.alloc(32, 1);
    const k2 = Buffer.alloc(32, 2);
    try {
      setCursorKey(k1);
      const c = encodeCursor('users:o1', { k: '2026-01-01T00:00:00.000Z', id: 'a' });
      expect(c).toBe(expected(k1, 'users:o1', c));
      expect(encodeCursor('users:o1', { k: '2026-01-01T00:00:00.000Z', id: 'a' })).toBe(c);
      expect(decodeCursor('users:o1', c)).toEqual({ k: '2026-01-01T00:00:00.000Z', id: 'a' });
      setCursorKey(k2);
      const c2 = encodeCursor('users:o1', { k: '2026-01-01T00:00:00.000Z', id: 'a' });
      expect(c2).toBe(expected(k2, 'users:o1', c2));
      expect(c2).not.toBe(c);
      expect(() => decodeCursor('users:o1', c)).toThrow(AppException);
    } finally {
      setCursorKey(Buffer.from('agentcy-cursor-key'));
    }
  });
});

describe('paginateArray', () => {
  const rows = Array.from({ length: 7 }, (_, i) => ({ id: `id${i}`, k: 100 - i }));
  const opts = {
    scope: 'arr',
    key: (r: { k: number }) => r.k,
    id: (r: { id: string }) => r.id,
    map: (r: { id: string }) => r.id,
  };

  it('pages through everything once', () => {
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const page = paginateArray(rows, { limit: 3, cursor }, opts);
      expect(page.total).toBe(7);
      out.push(...page.items);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    expect(out).toEqual(rows.map((r) => r.id));
  });
});
