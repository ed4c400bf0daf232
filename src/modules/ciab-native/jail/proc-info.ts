import { readdir, readFile } from 'node:fs/promises';

/**
 * Ports in LISTEN state in a `/proc/<pid>/net/tcp` or `tcp6` table (the network namespace of that
 * process). Only sockets bound to a loopback or wildcard address count (all of a session's
 * addresses are its own loopback anyway).
 */
export function parseListeningPorts(table: string): number[] {
  const ports = new Set<number>();
  for (const line of table.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4 || cols[3] !== '0A') {
      continue;
    }
    const [, portHex] = cols[1].split(':');
    const port = parseInt(portHex, 16);
    if (Number.isInteger(port) && port > 0 && port <= 65535) {
      ports.add(port);
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The listening TCP ports of the network namespace `pid` lives in ([] once it is gone). */
export async function listeningPorts(pid: number): Promise<number[]> {
  const tables = await Promise.all(
    ['tcp', 'tcp6'].map((t) => readFile(`/proc/${pid}/net/${t}`, 'utf8').catch(() => '')),
  );
  return [...new Set(tables.flatMap(parseListeningPorts))].sort((a, b) => a - b);
}

/** `pid → ppid` of the `stat` lines given (the command name may hold spaces and parentheses). */
export function parsePpid(stat: string): number | null {
  const close = stat.lastIndexOf(')');
  if (close < 0) {
    return null;
  }
  const ppid = Number(stat.slice(close + 2).split(' ')[1]);
  return Number.isInteger(ppid) ? ppid : null;
}

/** Every descendant of `root` given a pid → ppid map, deepest last (root itself not included). */
export function descendantsOf(root: number, parents: Map<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length) {
    const next = children.get(queue.shift()!) ?? [];
    out.push(...next);
    queue.push(...next);
  }
  return out;
}

/** The host's process table as pid → ppid. */
export async function processParents(): Promise<Map<number, number>> {
  const parents = new Map<number, number>();
  const entries = await readdir('/proc').catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => /^\d+$/.test(e))
      .map(async (e) => {
        const stat = await readFile(`/proc/${e}/stat`, 'utf8').catch(() => null);
        const ppid = stat ? parsePpid(stat) : null;
        if (ppid !== null) {
          parents.set(Number(e), ppid);
        }
      }),
  );
  return parents;
}

/** SIGKILLs `pid` and everything below it (a snapshot of the process table; used on exec timeouts). */
export async function killTree(pid: number): Promise<void> {
  const all = [pid, ...descendantsOf(pid, await processParents())];
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The first child of `pid` (the session's pid 1 under its `unshare`), or null. */
export async function firstChild(pid: number): Promise<number | null> {
  const raw = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  const first = Number(raw.trim().split(/\s+/)[0]);
  return Number.isInteger(first) && first > 0 ? first : null;
}
