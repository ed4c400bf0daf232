import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { guardRemote, runGit } from '@libs/connectors/git/git.connector';
import { prefixedId } from '@libs/database/ids';
import { EgressGuard } from '@libs/egress';
import {
  AppException,
  ConflictException,
  NotFoundException,
  ServiceUnavailableException,
  ValidationException,
} from '@libs/errors';
import type { Page, PageQuery } from '@libs/pagination';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ArtifactsContract } from '../artifacts/artifacts.contract';
import { CiabLiveSessions, type LiveSession } from './ciab-live-sessions';
import { CiabSessionEntity, LIVE_STATUSES } from './ciab-session.entity';
import { CiabSessionsRepository } from './ciab-sessions.repository';
import type { CreateSessionDto, InputAcceptedDto, SessionDto } from './dto/ciab-session.dto';
import { LocalJailRuntime } from './jail/local-jail.runtime';
import { OutputLog } from './output-log';
import { SandboxSessionsContract, type SandboxPortTarget } from './sandbox-sessions.contract';

const execFileP = promisify(execFile);

/**
 * `/ciab-native` sessions on the local runtime (docs/ciab.md): each session is a jailed shell
 * (LocalJailRuntime) owned by this API process (CiabLiveSessions); the database row records state
 * and the owning replica. This service starts, watches, reaps and ends them and carries their
 * terminal (output stream, input); CiabWorkspaceService works inside them.
 */
@Injectable()
export class CiabSessionsService extends SandboxSessionsContract implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(CiabSessionsService.name);
  private timer?: NodeJS.Timeout;
  private reaping = false;

  constructor(
    private readonly sessions: CiabLiveSessions,
    private readonly repo: CiabSessionsRepository,
    private readonly jails: LocalJailRuntime,
    private readonly config: AppConfig,
    private readonly artifacts: ArtifactsContract,
    private readonly egress: EgressGuard,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    // sessions are children of the API process: rows of this replica left live by a previous run have no process
    for (const row of await this.repo.liveOfInstance(this.sessions.instance)) {
      await this.repo.end(row.id, 'failed', 'api_restarted');
      await this.jails.wipe(this.sessions.sessionDir(row.id), this.sessions.runDir(row.id));
    }
    if (this.config.features.ciab && this.config.ciab.runtime === 'local') {
      void this.jails.probe(this.sessions.workDir, this.config.ciab.localUidBase).then((reason) => {
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
    await Promise.all(this.sessions.all().map((s) => this.end(s, 'terminated', 'api_shutdown')));
  }

  // ---------------------------------------------------------------- lifecycle

  async create(p: Principal, dto: CreateSessionDto): Promise<SessionDto> {
    this.sessions.assertHostAccess(p);
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
    const unavailable = await this.jails.probe(this.sessions.workDir, this.config.ciab.localUidBase);
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
    this.sessions.add(s);
    try {
      const max = this.config.ciab.maxSessionsPerOrg;
      if (!(await this.insertRow(p, id, uid, runtime, dto, snapshot?.id ?? null, max))) {
        throw new AppException(429, 'quota_exceeded', `At most ${max} live coding sessions per org`, { limit: max });
      }
    } catch (e) {
      this.sessions.remove(id);
      throw e;
    }
    s.log.push('status', { status: 'provisioning' });
    await this.sessions.record(p, p.orgId, 'create', id, {
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
    return toDto(await this.sessions.find(p.orgId, id));
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
        instance: this.sessions.instance,
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
    const used = new Set(this.sessions.all().map((s) => s.uid));
    let uid = this.config.ciab.localUidBase + 1;
    while (used.has(uid)) {
      uid++;
    }
    return uid;
  }

  private async provision(s: LiveSession, dto: CreateSessionDto, restoreArtifact: string | null) {
    const uid = s.uid;
    const workDir = this.sessions.sessionDir(s.id);
    const runDir = this.sessions.runDir(s.id);
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
    this.sessions.activity(s);
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
    await this.jails.wipe(this.sessions.sessionDir(s.id), this.sessions.runDir(s.id));
    this.sessions.remove(s.id);
    await this.repo.end(s.id, status, reason).catch((e: Error) => this.logger.warn(`session ${s.id}: ${e.message}`));
    s.log.push('status', { status, reason });
  }

  async terminate(p: Principal, id: string): Promise<SessionDto> {
    this.sessions.assertHostAccess(p);
    const row = await this.sessions.find(p.orgId, id);
    const s = this.sessions.get(id);
    if (s) {
      await this.end(s, 'terminated', 'terminated_by_user');
    } else if (LIVE_STATUSES.includes(row.status)) {
      // another replica owns it: its reaper sees the row and kills the process
      await this.repo.end(id, 'terminated', 'terminated_by_user');
    }
    await this.sessions.record(p, p.orgId, 'terminate', id);
    return toDto(await this.sessions.find(p.orgId, id));
  }

  /** Idle marking, idle kill, and sessions ended by another replica's DELETE. */
  async reap(): Promise<void> {
    if (this.reaping || !this.sessions.size) {
      return;
    }
    this.reaping = true;
    try {
      const timeoutMs = this.config.ciab.idleTimeoutSecs * 1000;
      const idleAfterMs = Math.min(60_000, timeoutMs / 2);
      const now = Date.now();
      const rows = await this.repo.statusesOf(this.sessions.all().map((s) => s.id));
      const rowStatus = new Map(rows.map((r) => [r.id, r.status]));
      for (const s of this.sessions.all()) {
        if (s.ending || !s.handle) {
          continue;
        }
        const st = rowStatus.get(s.id);
        if (st === undefined || !LIVE_STATUSES.includes(st)) {
          await this.end(s, st === 'failed' ? 'failed' : 'terminated', 'ended_elsewhere');
        } else if (now - s.lastActivity >= timeoutMs) {
          await this.end(s, 'terminated', 'idle_timeout');
          await this.sessions.record(null, s.orgId, 'reap', s.id, {
            idle_timeout_secs: this.config.ciab.idleTimeoutSecs,
          });
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
    this.sessions.assertHostAccess(p);
    const page = await this.repo.page(p.orgId, query, false);
    return { ...page, items: page.items.map(toDto) };
  }

  async get(p: Principal, id: string): Promise<SessionDto> {
    this.sessions.assertHostAccess(p);
    return toDto(await this.sessions.find(p.orgId, id));
  }

  /** The output stream: held events after `lastEventId`, then live ones; `null` listener when the session ended. */
  async attach(p: Principal, id: string): Promise<{ log: OutputLog; ended: boolean }> {
    this.sessions.assertHostAccess(p);
    const row = await this.sessions.find(p.orgId, id);
    const s = this.sessions.get(id);
    if (s && s.orgId === p.orgId) {
      return { log: s.log, ended: false };
    }
    this.sessions.assertNotElsewhere(row);
    const log = new OutputLog();
    log.push('status', { status: row.status, reason: row.statusReason });
    return { log, ended: true };
  }

  async input(p: Principal, id: string, text: string): Promise<InputAcceptedDto> {
    const s = await this.sessions.running(p, id);
    const data = text.endsWith('\n') ? text : `${text}\n`;
    const stdin = s.handle.child.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) {
      throw new ConflictException('The session process takes no more input', {}, 'session_not_running');
    }
    await new Promise<void>((resolve, reject) => stdin.write(data, (e) => (e ? reject(e) : resolve())));
    this.sessions.activity(s);
    return { bytes: Buffer.byteLength(data) };
  }

  // ---------------------------------------------------------------- SandboxSessionsContract

  async portTarget(orgId: string, sessionId: string, port: number): Promise<SandboxPortTarget | null> {
    const row = await this.repo.find(orgId, sessionId);
    if (!row) {
      return null;
    }
    const s = this.sessions.get(sessionId);
    const socketPath = path.join(this.sessions.runDir(sessionId), 'sock', `port-${port}.sock`);
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
    const s = this.sessions.get(sessionId);
    if (s && s.orgId === orgId) {
      this.sessions.activity(s);
    }
    return Promise.resolve();
  }
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
