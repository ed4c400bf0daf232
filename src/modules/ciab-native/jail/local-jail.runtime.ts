import { Injectable, Logger } from '@nestjs/common';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmod, chown, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { JAIL_EXEC_PREFIX, JAIL_SETUP_SCRIPT, PORT_FORWARDER_SCRIPT } from './jail-scripts';
import { firstChild, killTree, listeningPorts } from './proc-info';

/** Tasks (processes and threads) one session uid may have at once. */
const MAX_PROCS = 512;
/** What the tools of the jail chain get in their environment (never the API's). */
const TOOL_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

export interface JailStartOptions {
  sessionId: string;
  /** the host uid the session runs as (root of its user namespace) */
  uid: number;
  /** `<CIAB_LOCAL_WORK_DIR>/<sid>` (becomes /workspace) */
  workDir: string;
  /** `<CIAB_LOCAL_WORK_DIR>/.run/<sid>` (the jail root's mount point, port sockets) */
  runDir: string;
  command: string[];
  maxMemoryMb?: number;
  onStdout: (chunk: Buffer) => void;
  onStderr: (chunk: Buffer) => void;
  onExit: (code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Forwarder {
  proc: ChildProcess;
  socketPath: string;
  ready: Promise<void>;
}

/** A running jail: its `unshare` process (host), the session's pid 1 (host pid) and its port bridges. */
export interface JailHandle {
  sessionId: string;
  uid: number;
  workDir: string;
  runDir: string;
  child: ChildProcess;
  pid1: number;
  forwarders: Map<number, Forwarder>;
  exited: boolean;
}

export interface ExecOptions {
  timeoutMs: number;
  maxOutputBytes: number;
  maxMemoryMb?: number;
  stdin?: Buffer | string | Readable;
}

export interface ExecResult {
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  timedOut: boolean;
  durationMs: number;
}

const limitArgs = (maxMemoryMb?: number) => [
  `--nproc=${MAX_PROCS}`,
  ...(maxMemoryMb ? [`--as=${maxMemoryMb * 1024 * 1024}`] : []),
];

/**
 * Local jails of `/ciab-native` sessions (docs/ciab.md): a user + mount + pid + net + ipc + uts
 * namespace per session, entered as an unprivileged host uid, with a minimal read-only root
 * (JAIL_SETUP_SCRIPT). Commands run inside with `nsenter` in a pid namespace of their own; ports
 * the session listens on are bridged to unix sockets outside by a forwarder in its network namespace.
 */
@Injectable()
export class LocalJailRuntime {
  private readonly logger = new Logger(LocalJailRuntime.name);
  private probed?: Promise<string | null>;

  /** null when jails work on this host, else why not (checked once: a throwaway jail runs `true`). */
  probe(baseDir: string, uid: number): Promise<string | null> {
    this.probed ??= this.runProbe(baseDir, uid);
    return this.probed;
  }

  private async runProbe(baseDir: string, uid: number): Promise<string | null> {
    const id = `probe-${randomUUID().slice(0, 8)}`;
    const workDir = path.join(baseDir, id);
    const runDir = path.join(baseDir, '.run', id);
    try {
      await this.prepareDirs(workDir, runDir, uid);
      const out: Buffer[] = [];
      const done = new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => resolve(-2), 30_000);
        // the probe's pid 1 checks its root, then waits for stdin to close
        void this.start({
          sessionId: id,
          uid,
          workDir,
          runDir,
          command: ['/bin/sh', '-c', 'if test -d /workspace && ! test -e /.old; then read _; exit 0; fi; exit 1'],
          onStdout: () => undefined,
          onStderr: (c) => out.push(c),
          onExit: (code) => {
            clearTimeout(timer);
            resolve(code);
          },
        }).then(
          (h) => h.child.stdin!.end(),
          (e: Error) => {
            clearTimeout(timer);
            out.push(Buffer.from(e.message));
            resolve(-1);
          },
        );
      });
      const code = await done;
      if (code === 0) {
        return null;
      }
      return Buffer.concat(out).toString('utf8').trim().slice(-500) || `probe exited with ${code}`;
    } catch (e) {
      return (e as Error).message;
    } finally {
      await this.wipe(workDir, runDir);
    }
  }

  /** Creates the session's directories: the work dir owned by its uid, the run dir root's. */
  async prepareDirs(workDir: string, runDir: string, uid: number): Promise<void> {
    for (const base of [path.dirname(workDir), path.dirname(runDir)]) {
      await mkdir(base, { recursive: true });
      await chmod(base, 0o711);
    }
    await mkdir(workDir, { recursive: true });
    await chown(workDir, uid, uid);
    await chmod(workDir, 0o700);
    await mkdir(path.join(runDir, 'root'), { recursive: true });
    await mkdir(path.join(runDir, 'sock'), { recursive: true });
    await chmod(runDir, 0o711);
    await chmod(path.join(runDir, 'sock'), 0o700);
  }

  /** Starts the session's process in a new jail; resolves once the jail stands (rejects when setting it up fails). */
  start(o: JailStartOptions): Promise<JailHandle> {
    const child = spawn(
      'prlimit',
      [
        ...limitArgs(o.maxMemoryMb),
        '--',
        'setpriv',
        `--reuid=${o.uid}`,
        `--regid=${o.uid}`,
        '--clear-groups',
        '--pdeathsig=KILL',
        '--',
        'unshare',
        '--user',
        '--map-root-user',
        '--mount',
        '--pid',
        '--net',
        '--ipc',
        '--uts',
        '--fork',
        '--kill-child',
        '--',
        '/bin/sh',
        '-c',
        JAIL_SETUP_SCRIPT,
        'jail',
        path.join(o.runDir, 'root'),
        o.workDir,
        ...o.command,
      ],
      { stdio: ['pipe', 'pipe', 'pipe', 'pipe'], env: TOOL_ENV, cwd: '/' },
    );
    return new Promise<JailHandle>((resolve, reject) => {
      let ready = false;
      const early: Buffer[] = [];
      child.stdout!.on('data', (c: Buffer) => o.onStdout(c));
      child.stderr!.on('data', (c: Buffer) => (ready ? o.onStderr(c) : early.push(c)));
      child.stdin!.on('error', () => undefined);
      const fd3 = child.stdio[3] as Readable;
      fd3.on('data', () => {
        if (ready) {
          return;
        }
        ready = true;
        void firstChild(child.pid!).then((pid1) => {
          if (!pid1) {
            child.kill('SIGKILL');
            reject(new Error('the session process vanished while starting'));
            return;
          }
          const handle: JailHandle = {
            sessionId: o.sessionId,
            uid: o.uid,
            workDir: o.workDir,
            runDir: o.runDir,
            child,
            pid1,
            forwarders: new Map(),
            exited: false,
          };
          child.on('exit', () => {
            handle.exited = true;
          });
          resolve(handle);
          for (const c of early) {
            o.onStderr(c);
          }
        });
      });
      fd3.on('error', () => undefined);
      child.on('error', (e) => {
        if (!ready) {
          reject(e);
        }
      });
      child.on('exit', (code, signal) => {
        if (!ready) {
          reject(new Error(Buffer.concat(early).toString('utf8').trim().slice(-500) || `jail exited with ${code}`));
          return;
        }
        o.onExit(code, signal);
      });
    });
  }

  /**
   * Spawns `argv` inside a running jail (host root enters its namespaces, then drops to the
   * session's root without capabilities, in a pid namespace of its own, from /workspace).
   */
  spawnIn(h: JailHandle, argv: string[], maxMemoryMb?: number): ChildProcess {
    return spawn(
      'nsenter',
      [
        '-t',
        String(h.pid1),
        '-U',
        '-m',
        '-n',
        '-i',
        '-u',
        '-p',
        '-r',
        '-w',
        '--',
        'unshare',
        '--pid',
        '--fork',
        '--kill-child',
        '--mount-proc',
        '--',
        ...JAIL_EXEC_PREFIX,
        'prlimit',
        ...limitArgs(maxMemoryMb),
        '--',
        'env',
        '-i',
        'PATH=/usr/local/bin:/usr/bin:/bin',
        'HOME=/workspace',
        'USER=root',
        'TERM=dumb',
        'LANG=C.UTF-8',
        'PYTHONUNBUFFERED=1',
        '/bin/sh',
        '-c',
        'cd /workspace && exec "$@"',
        'sh',
        ...argv,
      ],
      { stdio: ['pipe', 'pipe', 'pipe'], env: TOOL_ENV, cwd: '/' },
    );
  }

  /** Runs one command with a time limit and an output cap (beyond it: truncated and killed). */
  exec(h: JailHandle, argv: string[], o: ExecOptions): Promise<ExecResult> {
    const started = Date.now();
    const child = this.spawnIn(h, argv, o.maxMemoryMb);
    const out = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
    const size = { stdout: 0, stderr: 0 };
    const truncated = { stdout: false, stderr: false };
    let timedOut = false;
    let killed = false;
    const kill = () => {
      if (!killed) {
        killed = true;
        void killTree(child.pid!);
      }
    };
    for (const k of ['stdout', 'stderr'] as const) {
      child[k]!.on('data', (c: Buffer) => {
        const room = o.maxOutputBytes - size[k];
        if (room <= 0) {
          truncated[k] = true;
          kill();
          return;
        }
        const part = c.length > room ? c.subarray(0, room) : c;
        out[k].push(part);
        size[k] += part.length;
        if (c.length > room) {
          truncated[k] = true;
          kill();
        }
      });
    }
    child.stdin!.on('error', () => undefined);
    if (o.stdin && typeof o.stdin === 'object' && 'pipe' in o.stdin) {
      o.stdin.on('error', () => kill());
      o.stdin.pipe(child.stdin!);
    } else {
      child.stdin!.end(o.stdin ?? '');
    }
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, o.timeoutMs);
    return new Promise<ExecResult>((resolve, reject) => {
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({
          exitCode: code,
          signal,
          stdout: Buffer.concat(out.stdout),
          stderr: Buffer.concat(out.stderr),
          stdoutTruncated: truncated.stdout,
          stderrTruncated: truncated.stderr,
          timedOut,
          durationMs: Date.now() - started,
        });
      });
    });
  }

  listeningPorts(h: JailHandle): Promise<number[]> {
    return h.exited ? Promise.resolve([]) : listeningPorts(h.pid1);
  }

  /** The unix socket bridged to `port` of the session (a forwarder is started on first use). */
  async forward(h: JailHandle, port: number): Promise<string> {
    let f = h.forwarders.get(port);
    if (!f || f.proc.exitCode !== null || f.proc.signalCode !== null) {
      const socketPath = path.join(h.runDir, 'sock', `port-${port}.sock`);
      const proc = spawn(
        'setpriv',
        [
          '--pdeathsig=KILL',
          '--',
          'nsenter',
          `--net=/proc/${h.pid1}/ns/net`,
          '--',
          process.execPath,
          '--input-type=module',
          '-e',
          PORT_FORWARDER_SCRIPT,
          socketPath,
          String(port),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'], env: TOOL_ENV, cwd: '/' },
      );
      const ready = new Promise<void>((resolve, reject) => {
        const errs: Buffer[] = [];
        proc.stderr!.on('data', (c: Buffer) => errs.push(c));
        proc.stdout!.once('data', () => resolve());
        proc.on('error', reject);
        proc.on('exit', (code) =>
          reject(new Error(`port forwarder exited (${code}): ${Buffer.concat(errs).toString()}`)),
        );
      });
      proc.stdin!.on('error', () => undefined);
      f = { proc, socketPath, ready };
      h.forwarders.set(port, f);
      ready.catch(() => h.forwarders.delete(port));
    }
    await f.ready;
    return f.socketPath;
  }

  /** Kills the session's whole process tree (its pid namespace dies with its pid 1) and its forwarders. */
  async kill(h: JailHandle): Promise<void> {
    for (const f of h.forwarders.values()) {
      f.proc.kill('SIGKILL');
    }
    h.forwarders.clear();
    if (h.child.pid) {
      await killTree(h.child.pid);
    }
    if (!h.exited) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 5000);
        h.child.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
        if (h.exited) {
          clearTimeout(t);
          resolve();
        }
      });
    }
  }

  /** Removes the session's directories (after `kill`). */
  async wipe(workDir: string, runDir: string): Promise<void> {
    await rm(workDir, { recursive: true, force: true }).catch((e: Error) =>
      this.logger.warn(`cannot remove ${workDir}: ${e.message}`),
    );
    await rm(runDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
