import { AuditService } from '@libs/audit';
import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { assertConfigShape, schemaProblems, toHttpError } from '@libs/connectors/config-validation';
import {
  ConnectorConfigError,
  ToolExecutionError,
  type ConnectorDefinition,
  type ConnectorToolSpec,
} from '@libs/connectors/connector';
import { ConnectorRegistry } from '@libs/connectors/connector-registry';
import { findEgressError } from '@libs/egress/egress.errors';
import {
  AppException,
  ConflictException,
  ForbiddenException,
  NotFoundException,
  UnprocessableException,
  ValidationException,
} from '@libs/errors';
import { OrgEvents } from '@libs/events';
import { GraphWriter } from '@libs/graph/graph-writer';
import type { Page } from '@libs/pagination';
import { Injectable, Logger } from '@nestjs/common';
import { parseExpression } from 'cron-parser';
import { DirectToolGate } from './direct-tool-gate';
import type { CreateSourceDto, ListSourcesQuery, UpdateSourceDto, ValidateSourceDto } from './dto/source-request.dto';
import type {
  ConnectorTypeDto,
  SourceDto,
  SourceToolDto,
  ToolResultDto,
  ValidateResultDto,
} from './dto/source-response.dto';
import { hasMaskedValues, mergeStoredConfig } from './source-config';
import { SourceRuntime } from './source-runtime.service';
import { toolQualifiers } from './source-tool-catalog';
import type { SourceEntity } from './source.entity';
import { toSourceDto } from './sources.mappers';
import { SourcesRepository } from './sources.repository';
import type { SyncJobEntity } from './sync-job.entity';

const VALIDATE_TIMEOUT_MS = 20_000;

export function toolDto(t: ConnectorToolSpec) {
  return {
    name: t.name,
    description: t.description,
    effect: t.effect,
    requires_approval: t.requiresApproval ?? t.effect === 'destructive',
    input_schema: t.inputSchema as Record<string, unknown>,
  };
}

function assertSchedule(schedule: string | null | undefined) {
  if (schedule === undefined || schedule === null || schedule === '') {
    return;
  }
  const fields = schedule.trim().split(/\s+/);
  let ok = fields.length === 5;
  if (ok) {
    try {
      parseExpression(schedule, { utc: true });
    } catch {
      ok = false;
    }
  }
  if (!ok) {
    throw new ValidationException('schedule must be a 5-field cron expression', {
      fields: [{ field: 'schedule', errors: ['must be a 5-field cron expression (UTC)'] }],
    });
  }
}

/** Runs a connector's validate with a deadline; errors mapped onto 400/422. */
export async function runValidation(
  def: ConnectorDefinition<any>,
  ctxFactory: (signal: AbortSignal) => Parameters<ConnectorDefinition<any>['validate']>[0],
): Promise<Record<string, unknown>> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), VALIDATE_TIMEOUT_MS);
  try {
    const r = await Promise.race([
      def.validate(ctxFactory(ac.signal)),
      new Promise<never>((_, rej) =>
        ac.signal.addEventListener('abort', () =>
          rej(new ConnectorConfigError('unreachable', `validation timed out after ${VALIDATE_TIMEOUT_MS} ms`)),
        ),
      ),
    ]);
    return r?.info ?? {};
  } catch (err) {
    const mapped = toHttpError(err);
    if (mapped instanceof AppException) {
      throw mapped;
    }
    throw new UnprocessableException('source_validation_failed', `Validation failed: ${(err as Error).message}`, {
      kind: 'unreachable',
    });
  } finally {
    clearTimeout(timer);
  }
}

@Injectable()
export class SourcesService {
  private readonly logger = new Logger(SourcesService.name);

  constructor(
    private readonly repo: SourcesRepository,
    private readonly registry: ConnectorRegistry,
    private readonly runtime: SourceRuntime,
    private readonly audit: AuditService,
    private readonly writer: GraphWriter,
    private readonly config: AppConfig,
    private readonly toolGate: DirectToolGate,
    private readonly events: OrgEvents,
  ) {}

  types(): ConnectorTypeDto[] {
    return this.registry.list().map((d) => ({
      type: d.type,
      display_name: d.displayName,
      description: d.description,
      default_realm: d.defaultRealm,
      config_schema: d.configSchema as Record<string, unknown>,
      secret_fields: [...d.secretFields],
      supports_ingest: typeof d.ingest === 'function',
      supports_tools: true,
      supports_incremental: Boolean((d as { supportsIncremental?: boolean }).supportsIncremental),
      auth_modes: (d as { authModes?: string[] }).authModes ?? (d.secretFields.length ? ['credentials'] : ['none']),
    }));
  }

  private async lastJobs(sources: SourceEntity[]): Promise<Map<string, SyncJobEntity>> {
    const jobs = await this.repo.jobsByIds(sources.map((s) => s.lastJobId).filter((x): x is string => !!x));
    return new Map(jobs.map((j) => [j.id, j]));
  }

  private dto(s: SourceEntity, last: SyncJobEntity | null, toolCount: number | null = null): SourceDto {
    const def = this.runtime.definition(s);
    let secretKeys: string[];
    try {
      secretKeys = Object.keys(this.runtime.secrets(s));
    } catch {
      secretKeys = [];
    }
    return toSourceDto(s, def, secretKeys, last, toolCount);
  }

  async requireSource(orgId: string, id: string): Promise<SourceEntity> {
    const s = await this.repo.findSource(orgId, id);
    if (!s) {
      throw new NotFoundException('Source');
    }
    return s;
  }

  async list(p: Principal, q: ListSourcesQuery): Promise<Page<SourceDto>> {
    const page = await this.repo.listSources(p.orgId, q, (s) => s);
    const last = await this.lastJobs(page.items);
    return { ...page, items: page.items.map((s) => this.dto(s, s.lastJobId ? (last.get(s.lastJobId) ?? null) : null)) };
  }

  async get(p: Principal, id: string): Promise<SourceDto> {
    const s = await this.requireSource(p.orgId, id);
    const last = s.lastJobId ? await this.repo.findJob(p.orgId, s.lastJobId) : null;
    let toolCount: number | null = null;
    const def = this.runtime.definition(s);
    if (def) {
      try {
        let timer: NodeJS.Timeout | undefined;
        toolCount = (
          await Promise.race([
            def.tools(this.runtime.contextFor(s)),
            new Promise<never>((_, rej) => (timer = setTimeout(() => rej(new Error('timeout')), 3000))),
          ]).finally(() => clearTimeout(timer))
        ).length;
      } catch {
        toolCount = null;
      }
    }
    return this.dto(s, last, toolCount);
  }

  /** Configs that act on the API host itself are an install-level privilege (CONNECTOR_HOST_ACCESS). */
  private assertHostAccess(p: Principal, def: ConnectorDefinition<any>, config: Record<string, unknown>): void {
    const access = def.hostAccess?.(config);
    if (!access) {
      return;
    }
    const policy = this.config.connectorHostAccess;
    if (policy === 'org_admin' || (policy === 'platform_admin' && p.platformAdmin)) {
      return;
    }
    throw new ForbiddenException(
      `This ${def.type} configuration ${access}; ${policy === 'off' ? 'this server does not allow that' : 'only platform admins may set it up'}`,
      { source_type: def.type, host_access: access, policy },
      'host_access_forbidden',
    );
  }

  private async validateFull(
    def: ConnectorDefinition<any>,
    base: { orgId: string; sourceId: string; sourceName: string; realm: string },
    config: Record<string, unknown>,
  ) {
    assertConfigShape(def, config);
    return runValidation(def, (signal) => this.runtime.context(base, config, signal));
  }

  async create(p: Principal, dto: CreateSourceDto, meta: { requestId?: string; ip?: string }): Promise<SourceDto> {
    const def = this.registry.getOrReject(dto.source_type);
    assertSchedule(dto.schedule);
    const masked = hasMaskedValues(dto.config);
    if (masked.length) {
      throw new ValidationException('config contains masked values', {
        fields: masked.map((k) => ({ field: `config.${k}`, errors: ['"***" is a placeholder; send the real value'] })),
      });
    }
    this.assertHostAccess(p, def, dto.config);
    const realm = dto.realm ?? def.defaultRealm;
    if (await this.repo.findSourceByName(p.orgId, dto.name.trim())) {
      throw new ConflictException(`A source named "${dto.name}" already exists`, { field: 'name' }, 'already_exists');
    }
    const info = await this.validateFull(
      def,
      { orgId: p.orgId, sourceId: '', sourceName: dto.name, realm },
      dto.config,
    );
    const entity: Partial<SourceEntity> = {
      orgId: p.orgId,
      name: dto.name.trim(),
      sourceType: def.type,
      realm,
      enabled: dto.enabled ?? true,
      schedule: dto.schedule || null,
      syncMode: dto.sync_mode ?? 'full',
      status: dto.enabled === false ? 'disabled' : 'ready',
      statusDetail: { validated_at: new Date().toISOString(), info },
      createdBy: p.userId,
    };
    this.runtime.applyConfig(entity as SourceEntity, def, dto.config);
    const saved = await this.repo.insertSource(entity);
    await this.audit.record({
      orgId: p.orgId,
      category: 'connectors',
      action: 'sources.create',
      result: 'success',
      actor: p,
      target: { type: 'source', id: saved.id, name: saved.name, source_type: saved.sourceType },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    return this.dto(saved, null);
  }

  async update(
    p: Principal,
    id: string,
    dto: UpdateSourceDto,
    meta: { requestId?: string; ip?: string },
  ): Promise<SourceDto> {
    const s = await this.requireSource(p.orgId, id);
    const def = this.runtime.requireDefinition(s);
    assertSchedule(dto.schedule);
    const changed: string[] = [];
    let secretsCleared: string[] = [];
    if (dto.name !== undefined && dto.name.trim() !== s.name) {
      const other = await this.repo.findSourceByName(p.orgId, dto.name.trim());
      if (other && other.id !== s.id) {
        throw new ConflictException(`A source named "${dto.name}" already exists`, { field: 'name' }, 'already_exists');
      }
      s.name = dto.name.trim();
      changed.push('name');
    }
    if (dto.realm !== undefined && dto.realm !== s.realm) {
      s.realm = dto.realm;
      changed.push('realm');
    }
    if (dto.schedule !== undefined) {
      s.schedule = dto.schedule || null;
      changed.push('schedule');
    }
    if (dto.sync_mode !== undefined) {
      s.syncMode = dto.sync_mode;
      changed.push('sync_mode');
    }
    if (dto.config !== undefined) {
      // secrets never follow the source to a new url/host (cleared, or 400 for a "***" placeholder)
      const merged = mergeStoredConfig(def, this.runtime.fullConfig(s), dto.config);
      const full = merged.config;
      secretsCleared = merged.secretsCleared;
      this.assertHostAccess(p, def, full);
      const info = await this.validateFull(
        def,
        { orgId: s.orgId, sourceId: s.id, sourceName: s.name, realm: s.realm },
        full,
      );
      this.runtime.applyConfig(s, def, full);
      s.statusDetail = { validated_at: new Date().toISOString(), info };
      if (s.status === 'invalid') {
        s.status = 'ready';
      }
      changed.push('config');
    }
    if (dto.enabled !== undefined && dto.enabled !== s.enabled) {
      s.enabled = dto.enabled;
      changed.push('enabled');
      if (!dto.enabled) {
        s.status = 'disabled';
      } else if (s.status === 'disabled') {
        s.status = 'ready';
      }
    }
    const saved = await this.repo.saveSource(s);
    if (changed.includes('config') || changed.includes('enabled')) {
      await this.registry.release(s.sourceType, s.id).catch(() => undefined);
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'connectors',
      action: 'sources.update',
      result: 'success',
      actor: p,
      target: { type: 'source', id: s.id, name: s.name },
      details: secretsCleared.length ? { changed, secrets_cleared: secretsCleared } : { changed },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    const last = saved.lastJobId ? await this.repo.findJob(p.orgId, saved.lastJobId) : null;
    return this.dto(saved, last);
  }

  async remove(p: Principal, id: string, meta: { requestId?: string; ip?: string }): Promise<void> {
    const s = await this.requireSource(p.orgId, id);
    await this.repo.deleteSource(p.orgId, id);
    await this.registry.release(s.sourceType, id).catch(() => undefined);
    let archived = 0;
    try {
      archived = await this.writer.archiveSource(p.orgId, id);
    } catch (err) {
      this.logger.warn(`archiving graph data of deleted source ${id} failed: ${(err as Error).message}`);
    }
    await this.audit.record({
      orgId: p.orgId,
      category: 'connectors',
      action: 'sources.delete',
      result: 'success',
      actor: p,
      target: { type: 'source', id, name: s.name, source_type: s.sourceType },
      details: { nodes_archived: archived },
      requestId: meta.requestId,
      ip: meta.ip,
    });
    if (archived) {
      await this.events.publish(p.orgId, 'graph.changed', {
        source_id: id,
        realm: s.realm,
        reason: 'source_deleted',
        nodes_archived: archived,
      });
    }
  }

  async validateUnsaved(p: Principal, dto: ValidateSourceDto): Promise<ValidateResultDto> {
    const def = this.registry.getOrReject(dto.source_type);
    this.assertHostAccess(p, def, dto.config);
    const info = await this.validateFull(
      def,
      { orgId: p.orgId, sourceId: '', sourceName: 'validation', realm: def.defaultRealm },
      dto.config,
    );
    return { ok: true, source_type: def.type, info };
  }

  async validateStored(p: Principal, id: string): Promise<ValidateResultDto> {
    const s = await this.requireSource(p.orgId, id);
    const def = this.runtime.requireDefinition(s);
    try {
      const info = await this.validateFull(
        def,
        { orgId: s.orgId, sourceId: s.id, sourceName: s.name, realm: s.realm },
        this.runtime.fullConfig(s),
      );
      await this.repo.setSourceStatus(p.orgId, id, {
        status: s.status === 'invalid' ? (s.enabled ? 'ready' : 'disabled') : s.status,
        statusDetail: { validated_at: new Date().toISOString(), info },
      });
      return { ok: true, source_type: def.type, info };
    } catch (err) {
      if (err instanceof AppException) {
        await this.repo.setSourceStatus(p.orgId, id, {
          status: 'invalid',
          statusDetail: {
            validated_at: new Date().toISOString(),
            error: { code: err.code, message: err.message, details: err.details ?? {} },
          },
        });
      }
      throw err;
    }
  }

  async tools(p: Principal, id: string): Promise<SourceToolDto[]> {
    const s = await this.requireSource(p.orgId, id);
    const def = this.runtime.definition(s);
    if (!def) {
      return [];
    }
    let specs: ConnectorToolSpec[];
    try {
      specs = await def.tools(this.runtime.contextFor(s));
    } catch (err) {
      throw toHttpError(
        err instanceof ConnectorConfigError || findEgressError(err)
          ? err
          : new ConnectorConfigError('unreachable', (err as Error).message),
      );
    }
    const qualifier = toolQualifiers(await this.repo.listEnabledSources(p.orgId)).get(s.id) ?? s.name;
    return specs.map((t) => ({
      ...toolDto(t),
      qualified_name: `${qualifier}.${t.name}`,
      source_id: s.id,
      connector: s.sourceType,
    }));
  }

  /** Direct execution of a tool that needs no approval (tools needing approval go through chat). */
  async executeTool(
    p: Principal,
    id: string,
    tool: string,
    args: Record<string, unknown>,
    meta: { requestId?: string; ip?: string },
  ): Promise<ToolResultDto> {
    const s = await this.requireSource(p.orgId, id);
    const def = this.runtime.definition(s);
    if (!def || !s.enabled) {
      throw new NotFoundException('Tool');
    }
    const specs = await def.tools(this.runtime.contextFor(s));
    const spec = specs.find((t) => t.name === tool);
    if (!spec) {
      throw new NotFoundException('Tool');
    }
    await this.toolGate.assertMayRun(p, s, spec, meta);
    const problems = schemaProblems(spec.inputSchema, args);
    if (problems.length) {
      throw new ValidationException(
        'Invalid tool arguments',
        { fields: problems.map((f) => ({ ...f, field: f.field.replace(/^config/, 'args') })) },
        'invalid_arguments',
      );
    }
    try {
      const result = await def.executeTool(this.runtime.contextFor(s, AbortSignal.timeout(30_000)), tool, args);
      await this.audit.record({
        orgId: p.orgId,
        category: 'tool',
        action: 'sources.tool.execute',
        result: 'success',
        actor: p,
        target: { type: 'tool', source_id: s.id, tool: `${s.name}.${tool}` },
        requestId: meta.requestId,
        ip: meta.ip,
      });
      return { tool: `${s.name}.${tool}`, result };
    } catch (err) {
      await this.audit.record({
        orgId: p.orgId,
        category: 'tool',
        action: 'sources.tool.execute',
        result: 'failure',
        actor: p,
        target: { type: 'tool', source_id: s.id, tool: `${s.name}.${tool}` },
        details: { error: (err as Error).message },
        requestId: meta.requestId,
        ip: meta.ip,
      });
      const refused = findEgressError(err);
      if (refused) {
        throw refused;
      }
      if (err instanceof ToolExecutionError && err.code === 'invalid_arguments') {
        // the connector refused the arguments themselves (e.g. SQL that is not a plain SELECT)
        throw new ValidationException(err.message, { tool_error: err.code, ...err.details }, 'invalid_arguments');
      }
      if (err instanceof ToolExecutionError) {
        throw new UnprocessableException('tool_execution_failed', err.message, {
          tool_error: err.code,
          ...err.details,
        });
      }
      throw err;
    }
  }
}
