import { ValidationException } from '@libs/errors';
import { Logger } from '@nestjs/common';
import { ALL_CONNECTORS } from './all-connectors';
import type { ConnectorDefinition } from './connector';

const TYPE_RE = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * The one registry of connector types, filled at boot from ALL_CONNECTORS. `enabled` (the
 * AGENTCY_CONNECTORS list) restricts it; empty enables everything.
 */
export class ConnectorRegistry {
  private readonly logger = new Logger(ConnectorRegistry.name);
  private readonly byType = new Map<string, ConnectorDefinition<any>>();

  constructor(definitions: ConnectorDefinition<any>[] = ALL_CONNECTORS, enabled: string[] = []) {
    const allow = enabled.length ? new Set(enabled.map((t) => t.trim().toLowerCase()).filter(Boolean)) : undefined;
    for (const def of definitions) {
      if (!TYPE_RE.test(def.type)) {
        throw new Error(`connector type "${def.type}" is not a valid identifier`);
      }
      if (this.byType.has(def.type)) {
        throw new Error(`connector type "${def.type}" registered twice`);
      }
      if (allow && !allow.has(def.type)) {
        continue;
      }
      this.byType.set(def.type, def);
    }
    if (allow) {
      for (const t of allow) {
        if (!definitions.some((d) => d.type === t)) {
          this.logger.warn(`AGENTCY_CONNECTORS names unknown connector "${t}"`);
        }
      }
    }
  }

  list(): ConnectorDefinition<any>[] {
    return [...this.byType.values()].sort((a, b) => a.type.localeCompare(b.type));
  }

  has(type: string): boolean {
    return this.byType.has(type);
  }

  /** Lets the connector drop what it holds for a source (e.g. an MCP client). */
  async release(type: string, sourceId: string): Promise<void> {
    await this.byType.get(type)?.release?.(sourceId);
  }

  /** Nest calls it at shutdown: closes every connector's process-wide resources. */
  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled([...new Set(this.byType.values())].map((d) => d.close?.()));
  }

  get(type: string): ConnectorDefinition<any> | undefined {
    return this.byType.get(type);
  }

  /** The connector of `type` or a 400 naming the field (unknown or disabled types are bad input). */
  getOrReject(type: string, field = 'source_type'): ConnectorDefinition<any> {
    const def = this.byType.get(type);
    if (!def) {
      throw new ValidationException(`Unknown or disabled connector type "${type}"`, {
        fields: [{ field, errors: [`must be one of: ${[...this.byType.keys()].sort().join(', ')}`] }],
      });
    }
    return def;
  }
}
