import { toolArgumentProblems } from '@libs/connectors/config-validation';
import { ToolExecutionError, type ConnectorToolSpec } from '@libs/connectors/connector';
import { ToolCatalogPort, type CatalogTool, type ToolRouteHints } from '@libs/connectors/tool-catalog.port';
import { findEgressError } from '@libs/egress/egress.errors';
import { Injectable, Logger } from '@nestjs/common';
import { SourceRuntime } from './source-runtime.service';
import type { SourceEntity } from './source.entity';
import { SourcesRepository } from './sources.repository';

const LIST_TIMEOUT_MS = 5000;
const EXEC_TIMEOUT_MS = 30_000;

function withTimeout<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, rej) => (timer = setTimeout(() => rej(onTimeout()), ms)))]).finally(
    () => clearTimeout(timer),
  );
}

/**
 * Qualifier of each source's tools: the connector type when the org has one source of that type
 * (`kubernetes.delete_pod`, as the spec names tools), else the source name (`prod.delete_pod`,
 * `staging.delete_pod`). A type is not used when another source is named like it, so qualified
 * names stay unique within the org.
 */
export function toolQualifiers(sources: SourceEntity[]): Map<string, string> {
  const perType = new Map<string, number>();
  for (const s of sources) {
    perType.set(s.sourceType, (perType.get(s.sourceType) ?? 0) + 1);
  }
  const names = new Set(sources.map((s) => s.name.toLowerCase()));
  return new Map(
    sources.map((s) => {
      const byType =
        perType.get(s.sourceType) === 1 && (!names.has(s.sourceType) || s.name.toLowerCase() === s.sourceType);
      return [s.id, byType ? s.sourceType : s.name];
    }),
  );
}

/**
 * ToolCatalogPort over the org's enabled sources (names: see toolQualifiers); execution
 * decrypts the source config, validates arguments against the input schema and enforces a timeout.
 * Policy and approval checks are the caller's (chat) job.
 */
@Injectable()
export class SourceToolCatalog extends ToolCatalogPort {
  private readonly logger = new Logger(SourceToolCatalog.name);

  constructor(
    private readonly repo: SourcesRepository,
    private readonly runtime: SourceRuntime,
  ) {
    super();
  }

  private toCatalog(s: SourceEntity, qualifier: string, displayName: string, t: ConnectorToolSpec): CatalogTool {
    return {
      qualifiedName: `${qualifier}.${t.name}`,
      sourceId: s.id,
      sourceName: s.name,
      connector: s.sourceType,
      connectorDisplayName: displayName,
      realm: s.realm,
      name: t.name,
      description: t.description,
      inputSchema: t.inputSchema,
      effect: t.effect,
      requiresApproval: t.requiresApproval ?? t.effect === 'destructive',
    };
  }

  async listTools(orgId: string): Promise<CatalogTool[]> {
    const sources = await this.repo.listEnabledSources(orgId);
    const qualifier = toolQualifiers(sources);
    const lists = await Promise.all(
      sources.map(async (s) => {
        const def = this.runtime.definition(s);
        if (!def) {
          return [];
        }
        try {
          const specs = await withTimeout(
            def.tools(this.runtime.contextFor(s)),
            LIST_TIMEOUT_MS,
            () => new Error('tool listing timed out'),
          );
          return specs.map((t) => this.toCatalog(s, qualifier.get(s.id)!, def.displayName, t));
        } catch (err) {
          this.logger.warn(`listing tools of source ${s.id} failed: ${(err as Error).message}`);
          return [];
        }
      }),
    );
    return lists.flat();
  }

  async findTool(orgId: string, qualifiedName: string, hints: ToolRouteHints = {}): Promise<CatalogTool | undefined> {
    const tools = await this.listTools(orgId); // in source creation order
    const dot = qualifiedName.lastIndexOf('.');
    const prefix = dot > 0 ? qualifiedName.slice(0, dot).toLowerCase() : undefined;
    const name = dot > 0 ? qualifiedName.slice(dot + 1) : qualifiedName;
    let candidates = tools.filter((t) => t.qualifiedName === qualifiedName);
    if (!candidates.length) {
      candidates = tools.filter(
        (t) => t.name === name && (!prefix || t.connector === prefix || t.sourceName.toLowerCase() === prefix),
      );
    }
    if (hints.sourceId) {
      return candidates.find((t) => t.sourceId === hints.sourceId);
    }
    return (hints.realm && candidates.find((t) => t.realm === hints.realm)) || candidates[0];
  }

  async execute(
    orgId: string,
    tool: CatalogTool,
    args: Record<string, unknown>,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const source = await this.repo.findSource(orgId, tool.sourceId);
    if (!source || !source.enabled) {
      throw new ToolExecutionError('tool_not_found', `Tool ${tool.qualifiedName} is not available`);
    }
    const def = this.runtime.definition(source);
    if (!def) {
      throw new ToolExecutionError('tool_not_found', `Connector ${source.sourceType} is not enabled`);
    }
    const problems = toolArgumentProblems(tool.inputSchema, args ?? {});
    if (problems.length) {
      throw new ToolExecutionError(
        'invalid_arguments',
        problems.map((p) => `${p.field.replace(/^config/, 'args')}: ${p.errors.join(', ')}`).join('; '),
        { fields: problems },
      );
    }
    const timeout = AbortSignal.timeout(EXEC_TIMEOUT_MS);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      return await withTimeout(
        def.executeTool(this.runtime.contextFor(source, combined), tool.name, args ?? {}),
        EXEC_TIMEOUT_MS,
        () => new ToolExecutionError('tool_timeout', `${tool.qualifiedName} timed out after ${EXEC_TIMEOUT_MS} ms`),
      );
    } catch (err) {
      if (err instanceof ToolExecutionError) {
        throw err;
      }
      // the model sees the refusal as a tool error with the refused host and address
      const refused = findEgressError(err);
      if (refused) {
        throw new ToolExecutionError(refused.code, refused.message, refused.details ?? {});
      }
      throw new ToolExecutionError('tool_failed', (err as Error).message ?? String(err));
    }
  }
}
