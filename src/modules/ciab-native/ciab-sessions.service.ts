import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import { AppConfig } from '@libs/config';
import { guardRemote, runGit } from '@libs/connectors/git/git.connector';
import { prefixedId } from '@libs/database/ids';
import { EgressGuard } from '@libs/egress';
import {
  AppException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
  ServiceUnavailableException,
  ValidationException,
} from '@libs/errors';
import type { Page, PageQuery } from '@libs/pagination';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { hostname } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ArtifactsContract } from '../artifacts/artifacts.contract';
import { CiabSessionEntity, LIVE_STATUSES, type SessionStatus } from './ciab-session.entity';
import { CiabSessionsRepository } from './ciab-sessions.repository';
import type {
  CreateSessionDto,
  ExecDto,
  ExecResultDto,
  FileContentDto,
  FileListDto,
  InputAcceptedDto,
  SandboxDto,
  SessionDto,
  SessionPortDto,
  SessionPortsDto,
  SnapshotDto,
} from './dto/ciab-session.dto';
import { LocalJailRuntime, type JailHandle } from './jail/local-jail.runtime';
import { OutputLog } from './output-log';
import { SandboxSessionsContract, type SandboxPortTarget } from './sandbox-sessions.contract';
import {
  FILES_EXIT,
  FILES_SCRIPT,
  isText,
  normalizeWorkspacePath,
  parseListing,
  WorkspacePathError,
} from './workspace-paths';

const execFileP = promisify(execFile);

/** Per-stream output cap of one exec. */
const EXEC_MAX_OUTPUT = 1024 * 1024;
/** Bytes of a file the content route returns. */
const FILE_MAX_BYTES = 1024 * 1024;
/** Entries the list route returns. */
const LIST_MAX_ENTRIES = 1000;
/** How often lastActivityAt goes to the database at most (the in-memory clock is exact). */
const ACTIVITY_WRITE_MS = 10_000;

/** A session whose process runs in this API process. */
interface LiveSession {
  id: string;
  orgId: string;
  /** host uid reserved for its jail */
  uid: number;
  handle?: JailHandle;
  log: OutputLog;
  status: SessionStatus;
  lastActivity: number;
  lastActivityWritten: number;
  /** set once the end began (reason recorded) */
  ending?: { status: 'terminated' | 'failed'; reason: string };
}

/**
 * `/ciab-native` sessions on the local runtime and the `/sandboxes` view of them (docs/ciab.md):
 * each session is a jailed shell (LocalJailRuntime) owned by this API process; the database row
 * records state and the owning replica.
 */
@Injectable()
export class CiabSessionsService extends SandboxSessionsContract implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CiabSessionsService.name);
  private readonly live = new Map<string, LiveSession>();
  private readonly workDir: string;
  /** this replica: sessions of other replicas are only read here */
  readonly instance: string;
  private timer?: NodeJS.Timeout;
  private reaping = false;

  constructor(
    private readonly repo: CiabSessionsRepository,
    private readonly jails: LocalJailRuntime,
    private readonly config: AppConfig,
    private readonly tokens: ServiceTokenService,
    private readonly artifacts: ArtifactsContract,
    private readonly egress: EgressGuard,
    private readonly audit: AuditService,
  ) {
    super();
    this.workDir = path.resolve(config.ciab.localWorkDir);
    this.instance = `${hostname()}:${this.workDir}`.slice(0, 300);
  }

  async onApplicationBootstrap(): Promise<void> {
    // sessions are children of the API process: rows of this replica left live by a previous run have no process
    for (const row of await this.repo.liveOfInstance(this.instance)) {
      await this.repo.end(row.id, 'failed', 'api_restarted');
      await this.jails.wipe(this.sessionDir(row.id), this.runDir(row.id));
    }
    if (this.config.features.ciab && this.config.ciab.runtime === 'local') {
      void this.jails.probe(this.workDir, this.config.ciab.localUidBase).then((reason) => {
        if (reason) {
          this.logger.warn(`local coding sessions are unavailable (no jail on this host): ${reason}`);
        }
      });
    }
    const tick = Math.max(500, Math.min(5000, (this.config.ciab.idleTimeoutSecs * 1000) / 4));
    this.timer = setInterval(() => void this.reap(), tick);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.live.values()].map((s) => this.end(s, 'terminated', 'api_shutdown')));
  }

  private sessionDir(id: string): string {
    return path.join(this.workDir, id);
  }

  private runDir(id: string): string {
    return path.join(this.workDir, '.run', id);
  }

  // ---------------------------------------------------------------- access

  /** Running processes on the API host is an install-level privilege (CIAB_HOST_ACCESS). */
  private assertHostAccess(p: Principal): void {
    const policy = this.config.ciab.hostAccess;
    if (hostAccessAllowed(policy, p)) {
      return;
    }
    throw new ForbiddenException(
      policy === 'off'
        ? 'This server does not run local coding sessions'
        : policy === 'platform_admin'
          ? 'Only platform admins may use local coding sessions on this server'
          : 'Only org admins may use local coding sessions',
      { policy },
      'host_access_forbidden',
    );
  }

  private async find(orgId: string, id: string): Promise<CiabSessionEntity> {
    const s = await this.repo.find(orgId, id);
    if (!s) {
      throw new NotFoundException('Session');
    }
    return s;
  }

  /** The live session of this process behind a row the caller may act on. */
  private async running(p: Principal, id: string): Promise<LiveSession & { handle: JailHandle }> {
    this.assertHostAccess(p);
    const row = await this.find(p.orgId, id);
    const s = this.live.get(id);
    if (s?.handle && !s.ending && s.orgId === p.orgId) {
      return s as LiveSession & { handle: JailHandle };
    }
    if (LIVE_STATUSES.includes(row.status) && row.instance !== this.instance) {
      throw new ConflictException(
        'The session runs on another API replica',
        { instance: row.instance },
        'session_on_other_instance',
      );
    }
    throw new ConflictException(`The session is ${row.status}`, { status: row.status }, 'session_not_running');
  }

  private async record(p: Principal | null, orgId: string, action: string, id: string, details?: object) {
    await this.audit.record({
      orgId,
      category: 'api',
      action: `ciab.sessions.${action}`,
      result: 'success',
      actor: p ? { userId: p.userId, email: p.email, apiKeyId: p.apiKeyId } : null,
      target: { type: 'ciab_session', id },
      ...(details ? { details: { ...details } } : {}),
    });
  }

  // ---------------------------------------------------------------- lifecycle

  async create(p: Principal, dto: CreateSessionDto): Promise<SessionDto> {
    this.assertHostAccess(p);
    const runtime = dto.runtime ?? this.config.ciab.runtime;
    if (runtime !== 'local') {
      throw new ServiceUnavailableException(
        'The ec2 runtime is not available on this server',
        { runtime },
        'sandbox_unavailable',
      );
    }
    if (dto.seed && dto.restore) {
      throw new ValidationException('Give either seed or restore, not both', { fields: ['seed', 'restore'] });
    }
    if (dto.seed && !/^https?:\/\//i.test(dto.seed.repo.trim())) {
      throw new ValidationException('seed.repo must be an http(s) git URL', { field: 'seed.repo' }, 'seed_unsupported');
    }
    const snapshot = dto.restore ? await this.repo.findSnapshot(p.orgId, dto.restore) : null;
    if (dto.restore && !snapshot) {
      throw new NotFoundException('Snapshot');
    }
    const unavailable = await this.jails.probe(this.workDir, this.config.ciab.localUidBase);
    if (unavailable) {
      throw new ServiceUnavailableException(
        'Local coding sessions cannot be isolated on this host',
        { reason: unavailable },
        'sandbox_unavailable',
      );
    }
    const id = prefixedId('cs');
    const uid = this.allocateUid();
    const s: LiveSession = {
      id,
      orgId: p.orgId,
      uid,
      log: new OutputLog(),
      status: 'provisioning',
      lastActivity: Date.now(),
      lastActivityWritten: Date.now(),
    };
    // the uid is reserved from here on; the quota check and the insert are one locked transaction
    this.live.set(id, s);
    try {
      const max = this.config.ciab.maxSessionsPerOrg;
      if (!(await this.insertRow(p, id, uid, runtime, dto, snapshot?.id ?? null, max))) {
        throw new AppException(429, 'quota_exceeded', `At most ${max} live coding sessions per org`, { limit: max });
      }
    } catch (e) {
      this.live.delete(id);
      throw e;
    }
    s.log.push('status', { status: 'provisioning' });
    await this.record(p, p.orgId, 'create', id, {
      runtime,
      restore: snapshot?.id ?? null,
      seed: dto.seed?.repo ?? null,
    });
    try {
      await this.provision(s, dto, snapshot?.artifactId ?? null);
    } catch (e) {
      const reason = e instanceof AppException ? e.message : `provisioning failed: ${(e as Error).message}`;
      await this.end(s, 'failed', reason.slice(0, 500));
      throw e instanceof AppException
        ? e
        : new AppException(500, 'sandbox_failed', 'The session could not be started', { session_id: id, reason });
    }
    return toDto(await this.find(p.orgId, id));
  }

  private async insertRow(
    p: Principal,
    id: string,
    uid: number,
    runtime: string,
    dto: CreateSessionDto,
    restoredFrom: string | null,
    maxLive: number,
  ): Promise<boolean> {
    const now = new Date();
    return this.repo.insertWithinQuota(
      {
        id,
        orgId: p.orgId,
        createdBy: p.kind === 'user' ? p.userId : null,
        runtime,
        agentProvider: dto.agent_provider ?? 'claude-code',
        status: 'provisioning',
        instance: this.instance,
        hostUid: uid,
        seed: dto.seed ? { repo: dto.seed.repo.trim(), ...(dto.seed.ref ? { ref: dto.seed.ref } : {}) } : null,
        restoredFrom,
        prompt: dto.prompt ?? null,
        lastActivityAt: now,
      },
      maxLive,
    );
  }

  /** The smallest uid offset no live session of this process uses. */
  private allocateUid(): number {
    const used = new Set([...this.live.values()].map((s) => s.uid));
    let uid = this.config.ciab.localUidBase + 1;
    while (used.has(uid)) {
      uid++;
    }
    return uid;
  }

  private async provision(s: LiveSession, dto: CreateSessionDto, restoreArtifact: string | null) {
    const uid = s.uid;
    const workDir = this.sessionDir(s.id);
    const runDir = this.runDir(s.id);
    await this.jails.prepareDirs(workDir, runDir, uid);
    if (dto.seed) {
      await this.cloneSeed(s.orgId, dto.seed.repo.trim(), dto.seed.ref, workDir);
      await execFileP('chown', ['-R', '-P', `${uid}:${uid}`, workDir]);
    }
    s.handle = await this.jails.start({
      sessionId: s.id,
      uid,
      workDir,
      runDir,
      command: [this.config.ciab.localShell],
      maxMemoryMb: this.config.ciab.localMaxMemoryMb,
      onStdout: (c) => this.output(s, 'stdout', c),
      onStderr: (c) => this.output(s, 'stderr', c),
      onExit: (code, signal) => void this.exited(s, code, signal),
    });
    if (restoreArtifact) {
      const content = await this.artifacts.openContent(s.orgId, restoreArtifact);
      if (!content) {
        throw new NotFoundException('Snapshot artifact');
      }
      const r = await this.jails.exec(s.handle, ['tar', '-xzf', '-', '-C', '/workspace', '--no-same-owner'], {
        timeoutMs: 300_000,
        maxOutputBytes: 64 * 1024,
        stdin: content.stream,
      });
      if (r.exitCode !== 0) {
        throw new AppException(422, 'snapshot_unreadable', 'The snapshot could not be restored', {
          stderr: r.stderr.toString('utf8').slice(0, 500),
        });
      }
    }
    if (s.ending) {
      throw new Error(s.ending.reason);
    }
    s.status = 'running';
    await this.repo.setLiveStatus(s.id, 'running', new Date());
    s.log.push('status', { status: 'running' });
  }

  /** `git clone` of an http(s) remote through the org's egress guard (pinned to the checked address). */
  private async cloneSeed(orgId: string, repo: string, ref: string | undefined, workDir: string): Promise<void> {
    let remote: { url: string; config: string[] };
    try {
      remote = await guardRemote({ url: repo }, this.egress.forOrg(orgId));
    } catch (e) {
      throw new ValidationException(`seed.repo is not reachable: ${(e as Error).message}`, { field: 'seed.repo' });
    }
    try {
      await runGit(['clone', '--quiet', ...(ref ? ['--branch', ref] : []), '--', remote.url, workDir], {
        timeoutMs: 300_000,
        config: [...remote.config, 'core.symlinks=true'],
      });
    } catch (e) {
      throw new AppException(422, 'seed_failed', `cannot clone seed.repo: ${(e as Error).message}`.slice(0, 500), {
        field: 'seed.repo',
      });
    }
  }

  private output(s: LiveSession, stream: 'stdout' | 'stderr', chunk: Buffer): void {
    s.log.output(stream, chunk);
    this.activity(s);
  }

  /** Input, output, exec and preview traffic keep a session from being reaped; idle → running. */
  private activity(s: LiveSession): void {
    const now = Date.now();
    s.lastActivity = now;
    if (s.status === 'idle' && !s.ending) {
      s.status = 'running';
      s.log.push('status', { status: 'running' });
      s.lastActivityWritten = now;
      void this.repo.setLiveStatus(s.id, 'running', new Date(now)).catch(() => undefined);
    } else if (now - s.lastActivityWritten > ACTIVITY_WRITE_MS && !s.ending) {
      s.lastActivityWritten = now;
      void this.repo.setLiveStatus(s.id, s.status, new Date(now)).catch(() => undefined);
    }
  }

  /** The session's process ended by itself (exit, crash, memory cap) or because it was killed. */
  private async exited(s: LiveSession, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (s.ending) {
      return;
    }
    if (code === 0) {
      await this.end(s, 'terminated', 'exited');
    } else if (signal === 'SIGKILL' || code === 137) {
      await this.end(s, 'failed', 'killed (out of memory or a limit)');
    } else {
      await this.end(s, 'failed', signal ? `killed by ${signal}` : `exited with code ${code}`);
    }
  }

  /** Kills the process tree, wipes the directory, records the end state; idempotent. */
  private async end(s: LiveSession, status: 'terminated' | 'failed', reason: string): Promise<void> {
    if (s.ending) {
      return;
    }
    s.ending = { status, reason };
    s.status = status;
    if (s.handle) {
      await this.jails.kill(s.handle);
    }
    await this.jails.wipe(this.sessionDir(s.id), this.runDir(s.id));
    this.live.delete(s.id);
    await this.repo.end(s.id, status, reason).catch((e: Error) => this.logger.warn(`session ${s.id}: ${e.message}`));
    s.log.push('status', { status, reason });
  }

  async terminate(p: Principal, id: string): Promise<SessionDto> {
    this.assertHostAccess(p);
    const row = await this.find(p.orgId, id);
    const s = this.live.get(id);
    if (s) {
      await this.end(s, 'terminated', 'terminated_by_user');
    } else if (LIVE_STATUSES.includes(row.status)) {
      // another replica owns it: its reaper sees the row and kills the process
      await this.repo.end(id, 'terminated', 'terminated_by_user');
    }
    await this.record(p, p.orgId, 'terminate', id);
    return toDto(await this.find(p.orgId, id));
  }

  /** Idle marking, idle kill, and sessions ended by another replica's DELETE. */
  async reap(): Promise<void> {
    if (this.reaping || !this.live.size) {
      return;
    }
    this.reaping = true;
    try {
      const timeoutMs = this.config.ciab.idleTimeoutSecs * 1000;
      const idleAfterMs = Math.min(60_000, timeoutMs / 2);
      const now = Date.now();
      const rows = await this.repo.statusesOf([...this.live.keys()]);
      const rowStatus = new Map(rows.map((r) => [r.id, r.status]));
      for (const s of [...this.live.values()]) {
        if (s.ending || !s.handle) {
          continue;
        }
        const st = rowStatus.get(s.id);
        if (st === undefined || !LIVE_STATUSES.includes(st)) {
          await this.end(s, st === 'failed' ? 'failed' : 'terminated', 'ended_elsewhere');
        } else if (now - s.lastActivity >= timeoutMs) {
          await this.end(s, 'terminated', 'idle_timeout');
          await this.record(null, s.orgId, 'reap', s.id, { idle_timeout_secs: this.config.ciab.idleTimeoutSecs });
        } else if (s.status === 'running' && now - s.lastActivity >= idleAfterMs) {
          s.status = 'idle';
          s.log.push('status', { status: 'idle' });
          await this.repo.setLiveStatus(s.id, 'idle');
        }
      }
    } catch (e) {
      this.logger.warn(`reaper: ${(e as Error).message}`);
    } finally {
      this.reaping = false;
    }
  }

  // ---------------------------------------------------------------- reads

  async list(p: Principal, query: PageQuery): Promise<Page<SessionDto>> {
    this.assertHostAccess(p);
    const page = await this.repo.page(p.orgId, query, false);
    return { ...page, items: page.items.map(toDto) };
  }

  async get(p: Principal, id: string): Promise<SessionDto> {
    this.assertHostAccess(p);
    return toDto(await this.find(p.orgId, id));
  }

  /** The output stream: held events after `lastEventId`, then live ones; `null` listener when the session ended. */
  async attach(p: Principal, id: string): Promise<{ log: OutputLog; ended: boolean }> {
    this.assertHostAccess(p);
    const row = await this.find(p.orgId, id);
    const s = this.live.get(id);
    if (s && s.orgId === p.orgId) {
      return { log: s.log, ended: false };
    }
    if (LIVE_STATUSES.includes(row.status) && row.instance !== this.instance) {
      throw new ConflictException(
        'The session runs on another API replica',
        { instance: row.instance },
        'session_on_other_instance',
      );
    }
    const log = new OutputLog();
    log.push('status', { status: row.status, reason: row.statusReason });
    return { log, ended: true };
  }

  async input(p: Principal, id: string, text: string): Promise<InputAcceptedDto> {
    const s = await this.running(p, id);
    const data = text.endsWith('\n') ? text : `${text}\n`;
    const stdin = s.handle.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      throw new ConflictException('The session process takes no more input', {}, 'session_not_running');
    }
    await new Promise<void>((resolve, reject) => stdin.write(data, (e) => (e ? reject(e) : resolve())));
    this.activity(s);
    return { bytes: Buffer.byteLength(data) };
  }

  async exec(p: Principal, id: string, dto: ExecDto): Promise<ExecResultDto> {
    const s = await this.running(p, id);
    this.activity(s);
    const r = await this.jails.exec(s.handle, [this.config.ciab.localShell, '-c', dto.command], {
      timeoutMs: (dto.timeout_secs ?? 60) * 1000,
      maxOutputBytes: EXEC_MAX_OUTPUT,
      maxMemoryMb: this.config.ciab.localMaxMemoryMb,
      stdin: dto.stdin,
    });
    this.activity(s);
    await this.record(p, s.orgId, 'exec', id, {
      command: dto.command.slice(0, 500),
      exit_code: r.exitCode,
      timed_out: r.timedOut,
    });
    return {
      exit_code: r.exitCode,
      signal: r.signal,
      stdout: r.stdout.toString('utf8'),
      stderr: r.stderr.toString('utf8'),
      stdout_truncated: r.stdoutTruncated,
      stderr_truncated: r.stderrTruncated,
      timed_out: r.timedOut,
      duration_ms: r.durationMs,
    };
  }

  /** Runs FILES_SCRIPT in the jail: the path is resolved where nothing outside /workspace exists. */
  private async files(p: Principal, id: string, op: 'list' | 'read', raw: string | undefined, max: number) {
    let rel: string;
    try {
      rel = normalizeWorkspacePath(raw);
    } catch (e) {
      if (e instanceof WorkspacePathError) {
        throw new ValidationException(e.message, { field: 'path' }, 'invalid_path');
      }
      throw e;
    }
    const s = await this.running(p, id);
    this.activity(s);
    const r = await this.jails.exec(s.handle, ['/bin/sh', '-c', FILES_SCRIPT, 'files', op, rel, String(max)], {
      timeoutMs: 30_000,
      maxOutputBytes: max + 4096 + (op === 'list' ? max * 512 : 0),
    });
    if (r.exitCode === FILES_EXIT.notFound) {
      throw new NotFoundException('Path', { path: rel });
    }
    if (r.exitCode === FILES_EXIT.outside) {
      throw new ValidationException('The path leads outside the workspace', { path: rel }, 'path_outside_workspace');
    }
    if (r.exitCode === FILES_EXIT.wrongType) {
      throw new ValidationException(
        op === 'list' ? 'The path is not a directory' : 'The path is not a regular file',
        { path: rel },
        op === 'list' ? 'not_a_directory' : 'not_a_file',
      );
    }
    if (r.exitCode !== 0 || r.timedOut) {
      throw new AppException(500, 'files_failed', 'Reading the workspace failed', {
        stderr: r.stderr.toString('utf8').slice(0, 300),
      });
    }
    return { rel, out: r.stdout };
  }

  async listFiles(p: Principal, id: string, raw?: string): Promise<FileListDto> {
    const { rel, out } = await this.files(p, id, 'list', raw, LIST_MAX_ENTRIES * 5 + 5);
    const entries = parseListing(out);
    return { path: rel, entries: entries.slice(0, LIST_MAX_ENTRIES), truncated: entries.length > LIST_MAX_ENTRIES };
  }

  async readFile(p: Principal, id: string, raw?: string): Promise<FileContentDto> {
    const { rel, out } = await this.files(p, id, 'read', raw, FILE_MAX_BYTES);
    const nl = out.indexOf(0x0a);
    const size = Number(out.subarray(0, nl).toString('utf8')) || 0;
    const body = out.subarray(nl + 1);
    const text = isText(body);
    return {
      path: rel,
      size,
      encoding: text ? 'utf8' : 'base64',
      content: body.toString(text ? 'utf8' : 'base64'),
      truncated: size > body.length,
    };
  }

  // ---------------------------------------------------------------- ports

  private async portsOf(orgId: string, id: string, s: LiveSession | undefined): Promise<SessionPortDto[]> {
    if (!s?.handle || s.ending) {
      return [];
    }
    const ttl = this.config.previewTokenTtlSecs;
    const expiresAt = new Date(Date.now() + ttl * 1000).toISOString();
    const ports = await this.jails.listeningPorts(s.handle);
    return Promise.all(
      ports.map(async (port) => ({
        port,
        preview_url: previewUrl(
          this.config.publicBaseUrl,
          id,
          port,
          await this.tokens.mintPreviewToken(orgId, id, port, ttl),
        ),
        expires_at: expiresAt,
      })),
    );
  }

  async ports(p: Principal, id: string): Promise<SessionPortsDto> {
    this.assertHostAccess(p);
    const row = await this.find(p.orgId, id);
    const s = this.live.get(id);
    if (!s && LIVE_STATUSES.includes(row.status) && row.instance !== this.instance) {
      throw new ConflictException(
        'The session runs on another API replica',
        { instance: row.instance },
        'session_on_other_instance',
      );
    }
    return { session_id: id, status: s?.status ?? row.status, ports: await this.portsOf(p.orgId, id, s) };
  }

  /** `GET /sandboxes`: the org's live sessions with their ports (those of other replicas without ports). */
  async sandboxes(p: Principal, query: PageQuery): Promise<Page<SandboxDto>> {
    this.assertHostAccess(p);
    const page = await this.repo.page(p.orgId, query, true);
    const items = await Promise.all(
      page.items.map(async (row) => ({
        session_id: row.id,
        runtime: row.runtime,
        status: this.live.get(row.id)?.status ?? row.status,
        owner: row.createdBy,
        created_at: row.createdAt.toISOString(),
        ports: await this.portsOf(p.orgId, row.id, this.live.get(row.id)),
      })),
    );
    return { ...page, items };
  }

  // ---------------------------------------------------------------- snapshots

  async snapshot(p: Principal, id: string, label?: string): Promise<SnapshotDto> {
    const s = await this.running(p, id);
    this.activity(s);
    const child = this.jails.spawnIn(s.handle, ['tar', '-czf', '-', '-C', '/workspace', '.']);
    child.stdin!.end();
    const errs: Buffer[] = [];
    child.stderr!.on('data', (c: Buffer) => errs.length < 64 && errs.push(c));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const snapshotId = prefixedId('snap');
    let artifact;
    try {
      artifact = await this.artifacts.record(s.orgId, {
        name: `${id}-${snapshotId}.tar.gz`,
        content: child.stdout!,
        description: label ? `Snapshot of ${id}: ${label}` : `Snapshot of ${id}`,
        declaredContentType: 'application/gzip',
        sourceType: 'snapshot',
        createdBy: p.kind === 'user' ? p.userId : null,
      });
    } finally {
      if (child.exitCode === null) {
        child.kill('SIGKILL');
      }
    }
    const code = await exited;
    if (code !== 0) {
      throw new AppException(500, 'snapshot_failed', 'The work dir could not be archived', {
        stderr: Buffer.concat(errs).toString('utf8').slice(0, 300),
      });
    }
    await this.repo.insertSnapshot({
      id: snapshotId,
      orgId: s.orgId,
      sessionId: id,
      artifactId: artifact.id,
      label: label ?? null,
      sizeBytes: artifact.sizeBytes,
      createdBy: p.kind === 'user' ? p.userId : null,
    });
    await this.record(p, s.orgId, 'snapshot', id, { snapshot_id: snapshotId, artifact_id: artifact.id });
    return { snapshot_id: snapshotId, artifact_id: artifact.id, size_bytes: artifact.sizeBytes, label: label ?? null };
  }

  // ---------------------------------------------------------------- SandboxSessionsContract

  async portTarget(orgId: string, sessionId: string, port: number): Promise<SandboxPortTarget | null> {
    const row = await this.repo.find(orgId, sessionId);
    if (!row) {
      return null;
    }
    const s = this.live.get(sessionId);
    const socketPath = path.join(this.runDir(sessionId), 'sock', `port-${port}.sock`);
    if (!s?.handle || s.ending) {
      return { sessionStatus: s?.status ?? row.status, bound: false, connect: { socketPath } };
    }
    const bound = (await this.jails.listeningPorts(s.handle)).includes(port);
    if (!bound) {
      return { sessionStatus: s.status, bound: false, connect: { socketPath } };
    }
    return { sessionStatus: s.status, bound: true, connect: { socketPath: await this.jails.forward(s.handle, port) } };
  }

  touch(orgId: string, sessionId: string): Promise<void> {
    const s = this.live.get(sessionId);
    if (s && s.orgId === orgId) {
      this.activity(s);
    }
    return Promise.resolve();
  }
}

/** CIAB_HOST_ACCESS: platform admins (unless `off`), plus org admins and owners under `org_admin`. */
export function hostAccessAllowed(
  policy: 'platform_admin' | 'org_admin' | 'off',
  p: Pick<Principal, 'role' | 'platformAdmin'>,
): boolean {
  if (policy === 'off') {
    return false;
  }
  return p.platformAdmin || (policy === 'org_admin' && (p.role === 'admin' || p.role === 'owner'));
}

/** `<PUBLIC_BASE_URL>/sandbox/preview/<sid>/<port>/?token=…` (misc-routes.md 6.1). */
export function previewUrl(base: string, sessionId: string, port: number, token: string): string {
  return `${base}/sandbox/preview/${sessionId}/${port}/?token=${encodeURIComponent(token)}`;
}

function toDto(s: CiabSessionEntity): SessionDto {
  return {
    id: s.id,
    runtime: s.runtime,
    agent_provider: s.agentProvider,
    status: s.status,
    status_reason: s.statusReason,
    owner: s.createdBy,
    seed: s.seed,
    restored_from: s.restoredFrom,
    prompt: s.prompt,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
    last_activity_at: s.lastActivityAt.toISOString(),
    ended_at: s.endedAt?.toISOString() ?? null,
  };
}
