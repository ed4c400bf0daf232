import { AppConfig } from '@libs/config';
import type { ConnectorContext, ConnectorDefinition } from '@libs/connectors/connector';
import { ConnectorRegistry } from '@libs/connectors/connector-registry';
import { SecretBox } from '@libs/crypto';
import { EgressGuard } from '@libs/egress';
import { UnprocessableException } from '@libs/errors';
import { EventBus } from '@libs/redis/event-bus.service';
import { Injectable, Logger } from '@nestjs/common';
import { resolve } from 'node:path';
import { applyConfigOverrides, splitConfig } from './source-config';
import type { SourceEntity } from './source.entity';

/** Builds connector contexts from stored sources (decrypting secrets and binding the org's egress guard). */
@Injectable()
export class SourceRuntime {
  private readonly logger = new Logger(SourceRuntime.name);

  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly egress: EgressGuard,
  ) {}

  get uploadDir(): string {
    return resolve(this.config.uploadDir);
  }

  definition(s: SourceEntity): ConnectorDefinition<any> | undefined {
    return this.registry.get(s.sourceType);
  }

  /** The source's connector; 422 `connector_disabled` when this server does not enable it. */
  requireDefinition(s: SourceEntity): ConnectorDefinition<any> {
    const def = this.registry.get(s.sourceType);
    if (!def) {
      throw new UnprocessableException(
        'connector_disabled',
        `Connector "${s.sourceType}" is not enabled on this server`,
      );
    }
    return def;
  }

  secrets(s: SourceEntity): Record<string, unknown> {
    return s.secrets ? this.box.openJson<Record<string, unknown>>(s.secrets) : {};
  }

  /** Full (decrypted) config of a stored source. */
  fullConfig(s: SourceEntity): Record<string, unknown> {
    return { ...(s.config ?? {}), ...this.secrets(s) };
  }

  /** Stores a full config onto the entity: plain part as JSONB, secrets sealed. */
  applyConfig(s: SourceEntity, def: ConnectorDefinition<any>, full: Record<string, unknown>): void {
    const { plain, secret } = splitConfig(def, full);
    s.config = plain;
    s.secrets = Object.keys(secret).length ? this.box.sealJson(secret) : null;
  }

  context(
    base: { orgId: string; sourceId: string; sourceName: string; realm: string },
    config: Record<string, unknown>,
    signal?: AbortSignal,
  ): ConnectorContext<any> {
    const logger = this.logger;
    return {
      ...base,
      config,
      egress: this.egress.forOrg(base.orgId),
      signal,
      uploadDir: this.uploadDir,
      batchSize: this.config.ingestBatchSize,
      logger: {
        info: (msg, data) => logger.log(`[${base.sourceName}] ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`),
        warn: (msg, data) => logger.warn(`[${base.sourceName}] ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`),
      },
    };
  }

  /** `overrides`: a pipeline step's config overrides for this job only (`applyConfigOverrides`). */
  contextFor(s: SourceEntity, signal?: AbortSignal, overrides?: Record<string, unknown> | null): ConnectorContext<any> {
    let config = this.fullConfig(s);
    if (overrides && Object.keys(overrides).length) {
      config = applyConfigOverrides(this.requireDefinition(s), config, overrides).config;
    }
    return this.context({ orgId: s.orgId, sourceId: s.id, sourceName: s.name, realm: s.realm }, config, signal);
  }
}
