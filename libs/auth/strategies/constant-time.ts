import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time equality that does not leak the length either (both sides hashed first). */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}
