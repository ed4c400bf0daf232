import { randomUUID } from 'node:crypto';

/** A public id with a type prefix, e.g. `task_6f1c…` (32 hex digits of a random UUID). */
export function prefixedId(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '')}`;
}

/** Whether `id` has the shape `prefixedId(prefix)` gives (checked before it reaches a query). */
export function isPrefixedId(prefix: string, id: string): boolean {
  return (
    id.length === prefix.length + 33 &&
    id.startsWith(`${prefix}_`) &&
    /^[0-9a-f]{32}$/.test(id.slice(prefix.length + 1))
  );
}
