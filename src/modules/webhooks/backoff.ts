/** Full-jitter exponential backoff: a random delay in [0, min(cap, base × 2^(attempt-1))]. */
export function backoffMs(attempt: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 40)));
  return Math.floor(random() * ceiling);
}
