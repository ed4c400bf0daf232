import type { Principal } from '@libs/auth/principal';
import { ServiceTokenService } from '@libs/auth/service-token.service';
import { AppConfig } from '@libs/config';
import { prefixedId } from '@libs/database/ids';
import { AppException, NotFoundException, ValidationException } from '@libs/errors';
import type { Page, PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { ArtifactsContract } from '../artifacts/artifacts.contract';
import { CiabLiveSessions, type LiveSession } from './ciab-live-sessions';
import { CiabSessionsRepository } from './ciab-sessions.repository';
import type {
  ExecDto,
  ExecResultDto,
  FileContentDto,
  FileListDto,
  SandboxDto,
  SessionPortDto,
  SessionPortsDto,
  SnapshotDto,
} from './dto/ciab-session.dto';
import { LocalJailRuntime } from './jail/local-jail.runtime';
import {
  FILES_EXIT,
  FILES_SCRIPT,
  isText,
  normalizeWorkspacePath,
  parseListing,
  WorkspacePathError,
} from './workspace-paths';

/** Per-stream output cap of one exec. */
const EXEC_MAX_OUTPUT = 1024 * 1024;
/** Bytes of a file the content route returns. */
const FILE_MAX_BYTES = 1024 * 1024;
/** Entries the list route returns. */
const LIST_MAX_ENTRIES = 1000;

/**
 * Work inside a running coding session (docs/ciab.md): commands, the workspace's files, the ports
 * its processes listen on (with preview links), and snapshots of the workspace as artifacts.
 */
@Injectable()
export class CiabWorkspaceService {
  constructor(
    private readonly sessions: CiabLiveSessions,
    private readonly repo: CiabSessionsRepository,
    private readonly jails: LocalJailRuntime,
    private readonly config: AppConfig,
    private readonly tokens: ServiceTokenService,
    private readonly artifacts: ArtifactsContract,
  ) {}

  async exec(p: Principal, id: string, dto: ExecDto): Promise<ExecResultDto> {
    const s = await this.sessions.running(p, id);
    this.sessions.activity(s);
    const r = await this.jails.exec(s.handle, [this.config.ciab.localShell, '-c', dto.command], {
      timeoutMs: (dto.timeout_secs ?? 60) * 1000,
      maxOutputBytes: EXEC_MAX_OUTPUT,
      maxMemoryMb: this.config.ciab.localMaxMemoryMb,
      stdin: dto.stdin,
    });
    this.sessions.activity(s);
    await this.sessions.record(p, s.orgId, 'exec', id, {
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
    const s = await this.sessions.running(p, id);
    this.sessions.activity(s);
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
    this.sessions.assertHostAccess(p);
    const row = await this.sessions.find(p.orgId, id);
    const s = this.sessions.get(id);
    if (!s) {
      this.sessions.assertNotElsewhere(row);
    }
    return { session_id: id, status: s?.status ?? row.status, ports: await this.portsOf(p.orgId, id, s) };
  }

  /** `GET /sandboxes`: the org's live sessions with their ports (those of other replicas without ports). */
  async sandboxes(p: Principal, query: PageQuery): Promise<Page<SandboxDto>> {
    this.sessions.assertHostAccess(p);
    const page = await this.repo.page(p.orgId, query, true);
    const items = await Promise.all(
      page.items.map(async (row) => ({
        session_id: row.id,
        runtime: row.runtime,
        status: this.sessions.get(row.id)?.status ?? row.status,
        owner: row.createdBy,
        created_at: row.createdAt.toISOString(),
        ports: await this.portsOf(p.orgId, row.id, this.sessions.get(row.id)),
      })),
    );
    return { ...page, items };
  }

  // ---------------------------------------------------------------- snapshots

  async snapshot(p: Principal, id: string, label?: string): Promise<SnapshotDto> {
    const s = await this.sessions.running(p, id);
    this.sessions.activity(s);
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
    await this.sessions.record(p, s.orgId, 'snapshot', id, { snapshot_id: snapshotId, artifact_id: artifact.id });
    return { snapshot_id: snapshotId, artifact_id: artifact.id, size_bytes: artifact.sizeBytes, label: label ?? null };
  }
}

/** `<PUBLIC_BASE_URL>/sandbox/preview/<sid>/<port>/?token=…` (misc-routes.md 6.1). */
export function previewUrl(base: string, sessionId: string, port: number, token: string): string {
  return `${base}/sandbox/preview/${sessionId}/${port}/?token=${encodeURIComponent(token)}`;
}
