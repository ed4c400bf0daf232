import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { ConflictException, ForbiddenException, NotFoundException } from '@libs/errors';
import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import path from 'node:path';
import { CiabSessionEntity, LIVE_STATUSES, type SessionStatus } from './ciab-session.entity';
import { CiabSessionsRepository } from './ciab-sessions.repository';
import type { JailHandle } from './jail/local-jail.runtime';
import type { OutputLog } from './output-log';

/** How often lastActivityAt goes to the database at most (the in-memory clock is exact). */
const ACTIVITY_WRITE_MS = 10_000;

/** A session whose process runs in this API process. */
export interface LiveSession {
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
 * The coding sessions this API process runs, and the checks every session route makes first: the
 * install's host-access rule (CIAB_HOST_ACCESS), the org's row, this replica's live process.
 * CiabSessionsService starts and ends sessions; CiabWorkspaceService works inside them.
 */
@Injectable()
export class CiabLiveSessions {
  private readonly live = new Map<string, LiveSession>();
  readonly workDir: string;
  /** this replica: sessions of other replicas are only read here */
  readonly instance: string;

  constructor(
    private readonly repo: CiabSessionsRepository,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.workDir = path.resolve(config.ciab.localWorkDir);
    this.instance = `${hostname()}:${this.workDir}`.slice(0, 300);
  }

  get(id: string): LiveSession | undefined {
    return this.live.get(id);
  }

  add(s: LiveSession): void {
    this.live.set(s.id, s);
  }

  remove(id: string): void {
    this.live.delete(id);
  }

  all(): LiveSession[] {
    return [...this.live.values()];
  }

  get size(): number {
    return this.live.size;
  }

  sessionDir(id: string): string {
    return path.join(this.workDir, id);
  }

  runDir(id: string): string {
    return path.join(this.workDir, '.run', id);
  }

  /** Running processes on the API host is an install-level privilege (CIAB_HOST_ACCESS). */
  assertHostAccess(p: Principal): void {
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

  async find(orgId: string, id: string): Promise<CiabSessionEntity> {
    const s = await this.repo.find(orgId, id);
    if (!s) {
      throw new NotFoundException('Session');
    }
    return s;
  }

  /** 409 `session_on_other_instance` when the row is live on another replica (its process is not here). */
  assertNotElsewhere(row: CiabSessionEntity): void {
    if (LIVE_STATUSES.includes(row.status) && row.instance !== this.instance) {
      throw new ConflictException(
        'The session runs on another API replica',
        { instance: row.instance },
        'session_on_other_instance',
      );
    }
  }

  /** The live session of this process behind a row the caller may act on. */
  async running(p: Principal, id: string): Promise<LiveSession & { handle: JailHandle }> {
    this.assertHostAccess(p);
    const row = await this.find(p.orgId, id);
    const s = this.live.get(id);
    if (s?.handle && !s.ending && s.orgId === p.orgId) {
      return s as LiveSession & { handle: JailHandle };
    }
    this.assertNotElsewhere(row);
    throw new ConflictException(`The session is ${row.status}`, { status: row.status }, 'session_not_running');
  }

  async record(p: Principal | null, orgId: string, action: string, id: string, details?: object): Promise<void> {
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

  /** Input, output, exec and preview traffic keep a session from being reaped; idle → running. */
  activity(s: LiveSession): void {
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
