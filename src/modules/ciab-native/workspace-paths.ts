/** Why a path given to the files routes is refused before anything runs. */
export class WorkspacePathError extends Error {}

/**
 * A path under /workspace as the client gave it → a clean relative POSIX path (`.` for the root).
 * Absolute paths, `..` segments, backslashes and control characters are refused; where a symlink
 * leads is checked inside the jail (FILES_SCRIPT), where it can only resolve within the jail.
 */
export function normalizeWorkspacePath(raw: string | undefined): string {
  const p = (raw ?? '').trim();
  if (p.length > 4096) {
    throw new WorkspacePathError('path is too long');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(p)) {
    throw new WorkspacePathError('path holds control characters or backslashes');
  }
  if (p.startsWith('/') || p.startsWith('~')) {
    throw new WorkspacePathError('path must be relative to the workspace');
  }
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.includes('..')) {
    throw new WorkspacePathError('path must not contain `..`');
  }
  return parts.length ? parts.join('/') : '.';
}

/** Exit codes of FILES_SCRIPT. */
export const FILES_EXIT = { notFound: 3, outside: 4, wrongType: 5 } as const;

/**
 * Run inside the jail (`sh -c FILES_SCRIPT files <list|read> <path> <max>`): resolves the path
 * (symlinks included) and refuses anything that does not end up under /workspace, then lists a
 * directory (NUL-separated name, size, mode, mtime, type per entry) or prints a file's size line
 * and its first `max` bytes.
 */
export const FILES_SCRIPT = `op="$1"; p="$2"; max="$3"
r=$(realpath -e -- "/workspace/$p" 2>/dev/null) || exit 3
case "$r" in /workspace|/workspace/*) ;; *) exit 4 ;; esac
if [ "$op" = list ]; then
  [ -d "$r" ] || exit 5
  find "$r" -mindepth 1 -maxdepth 1 -printf '%f\\0%s\\0%m\\0%T@\\0%y\\0' | head -z -n "$max"
else
  [ -f "$r" ] || exit 5
  stat -c %s -- "$r"
  head -c "$max" -- "$r"
fi
`;

export interface WorkspaceEntry {
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  mode: string;
  modified: string;
}

/** Parses the NUL-separated listing FILES_SCRIPT prints (5 fields per entry). */
export function parseListing(out: Buffer): WorkspaceEntry[] {
  const f = out.toString('utf8').split('\0');
  const entries: WorkspaceEntry[] = [];
  for (let i = 0; i + 4 < f.length; i += 5) {
    const t = f[i + 4];
    entries.push({
      name: f[i],
      size: Number(f[i + 1]) || 0,
      mode: f[i + 2],
      modified: new Date(Math.round(Number(f[i + 3]) * 1000) || 0).toISOString(),
      type: t === 'f' ? 'file' : t === 'd' ? 'dir' : t === 'l' ? 'symlink' : 'other',
    });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether bytes read as text (valid UTF-8 without NULs) or must go out as base64. */
export function isText(b: Buffer): boolean {
  if (b.includes(0)) {
    return false;
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}
