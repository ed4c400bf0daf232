/** Segments of ids: letters, digits, `_` and `-`, separated by `/`; nothing a path could climb out with. */
const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}(\/[A-Za-z0-9][A-Za-z0-9_-]{0,99}){0,4}$/;

/** Throws unless `key` is a blob key built from ids (`org/art_…`): no `..`, no absolute path, no separators of another OS. */
export function assertBlobKey(key: string): string {
  if (!KEY_RE.test(key)) {
    throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  }
  return key;
}
