import type { Principal } from '@libs/auth/principal';
import { AppConfig } from '@libs/config';
import { SecretBox } from '@libs/crypto';
import { prefixedId } from '@libs/database/ids';
import { AppException, ConflictException, NotFoundException } from '@libs/errors';
import type { Page, PageQuery } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { createHash, randomInt } from 'node:crypto';
import type {
  ContextPipelineEntity,
  ContextPipelineRunEntity,
  ContextPipelineTokenEntity,
  PipelineKind,
  TargetTable,
} from './context-pipeline.entity';
import { ContextPipelinesRepository } from './context-pipelines.repository';
import type {
  ContextPipelineDto,
  ContextPipelineRunDto,
  ContextTokenCreatedDto,
  ContextTokenDto,
  CreateContextPipelineDto,
  CreateContextTokenDto,
  UpdateContextPipelineDto,
} from './dto/context-pipeline.dto';

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `ctx_` + 32 uniformly random alphanumerics. */
export function newContextToken(): string {
  let s = 'ctx_';
  for (let i = 0; i < 32; i++) {
    s += ALPHANUM[randomInt(ALPHANUM.length)];
  }
  return s;
}

/** Pipelines and their tokens: create/list/update/delete, tokens shown once, run windows. */
@Injectable()
export class ContextPipelinesService {
  constructor(
    private readonly repo: ContextPipelinesRepository,
    private readonly box: SecretBox,
    private readonly config: AppConfig,
  ) {}

  private ingestUrl(id: string): string {
    return `${this.config.publicBaseUrl}/api/v1/context/pipelines/${id}/ingest`;
  }

  private toDto = (e: ContextPipelineEntity): ContextPipelineDto => ({
    id: e.id,
    name: e.name,
    kind: e.kind,
    target_table: e.targetTable,
    realm: e.realm,
    require_signature: e.requireSignature,
    enabled: e.enabled,
    ingest_url: this.ingestUrl(e.id),
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  });

  private static tokenDto(t: ContextPipelineTokenEntity): ContextTokenDto {
    return {
      id: t.id,
      name: t.name,
      prefix: t.prefix,
      has_signing_secret: t.hasSigningSecret,
      created_at: t.createdAt.toISOString(),
      last_used_at: t.lastUsedAt?.toISOString() ?? null,
      revoked_at: t.revokedAt?.toISOString() ?? null,
    };
  }

  private static runDto(r: ContextPipelineRunEntity): ContextPipelineRunDto {
    return {
      id: r.id,
      window_start: r.windowStart.toISOString(),
      accepted: r.accepted,
      rejected: r.rejected,
      bytes: r.bytes,
      requests: r.requests,
    };
  }

  private async pipeline(p: Principal, id: string): Promise<ContextPipelineEntity> {
    const e = await this.repo.findPipeline(p.orgId, id);
    if (!e) {
      throw new NotFoundException('Context pipeline');
    }
    return e;
  }

  private async assertNameFree(p: Principal, name: string, exceptId?: string): Promise<void> {
    if (await this.repo.nameTaken(p.orgId, name, exceptId)) {
      throw new ConflictException('A context pipeline with this name exists', { name }, 'pipeline_name_taken');
    }
  }

  async create(p: Principal, dto: CreateContextPipelineDto): Promise<ContextPipelineDto> {
    if (dto.kind !== 'webhook') {
      throw new AppException(400, 'unsupported_kind', `Pipeline kind ${dto.kind} is not implemented yet; use webhook`, {
        kind: dto.kind,
      });
    }
    await this.assertNameFree(p, dto.name);
    try {
      const e = await this.repo.insertPipeline({
        id: prefixedId('cpl'),
        orgId: p.orgId,
        name: dto.name,
        kind: dto.kind as PipelineKind,
        targetTable: dto.target_table as TargetTable,
        realm: dto.realm ?? 'default',
        requireSignature: dto.require_signature ?? false,
        enabled: dto.enabled ?? true,
        createdBy: p.kind === 'user' ? p.userId : null,
      });
      return this.toDto(e);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') {
        throw new ConflictException(
          'A context pipeline with this name exists',
          { name: dto.name },
          'pipeline_name_taken',
        );
      }
      throw err;
    }
  }

  list(p: Principal, q: PageQuery): Promise<Page<ContextPipelineDto>> {
    return this.repo.listPipelines(p.orgId, q, this.toDto);
  }

  async get(p: Principal, id: string): Promise<ContextPipelineDto> {
    return this.toDto(await this.pipeline(p, id));
  }

  async update(p: Principal, id: string, dto: UpdateContextPipelineDto): Promise<ContextPipelineDto> {
    await this.pipeline(p, id);
    if (dto.name !== undefined) {
      await this.assertNameFree(p, dto.name, id);
    }
    await this.repo.updatePipeline(p.orgId, id, {
      ...(dto.name !== undefined ? { name: dto.name } : {}),
      ...(dto.realm !== undefined ? { realm: dto.realm } : {}),
      ...(dto.require_signature !== undefined ? { requireSignature: dto.require_signature } : {}),
      ...(dto.enabled !== undefined ? { enabled: dto.enabled } : {}),
    });
    return this.get(p, id);
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.pipeline(p, id);
    await this.repo.deletePipeline(p.orgId, id);
  }

  async createToken(p: Principal, id: string, dto: CreateContextTokenDto): Promise<ContextTokenCreatedDto> {
    const pipeline = await this.pipeline(p, id);
    if (pipeline.requireSignature && !dto.signing_secret) {
      throw new AppException(400, 'validation_failed', 'This pipeline requires signatures: give a signing_secret', {
        field: 'signing_secret',
      });
    }
    const token = newContextToken();
    const t = await this.repo.insertToken({
      id: prefixedId('ctk'),
      pipelineId: id,
      orgId: p.orgId,
      name: dto.name ?? null,
      tokenHash: createHash('sha256').update(token).digest('hex'),
      prefix: token.slice(0, 8),
      signingSecretSealed: dto.signing_secret ? this.box.seal(dto.signing_secret) : null,
      hasSigningSecret: !!dto.signing_secret,
      revokedAt: null,
      lastUsedAt: null,
    });
    const url = this.ingestUrl(id);
    const sig = dto.signing_secret
      ? ` \\\n  -H "X-Agentcy-Signature: sha256=$(openssl dgst -sha256 -hmac "$SECRET" -hex < events.ndjson | sed 's/^.* //')"`
      : '';
    const curl = `curl -X POST '${url}' \\\n  -H 'Authorization: Bearer ${token}' \\\n  -H 'Content-Type: application/x-ndjson'${sig} \\\n  --data-binary @events.ndjson`;
    return { ...ContextPipelinesService.tokenDto(t), token, url, curl };
  }

  async listTokens(p: Principal, id: string, q: PageQuery): Promise<Page<ContextTokenDto>> {
    await this.pipeline(p, id);
    return this.repo.listTokens(p.orgId, id, q, (t) => ContextPipelinesService.tokenDto(t));
  }

  async revokeToken(p: Principal, id: string, tokenId: string): Promise<void> {
    await this.pipeline(p, id);
    if (!(await this.repo.findToken(p.orgId, id, tokenId))) {
      throw new NotFoundException('Pipeline token');
    }
    await this.repo.revokeToken(p.orgId, id, tokenId);
  }

  async runs(p: Principal, id: string, q: PageQuery): Promise<Page<ContextPipelineRunDto>> {
    await this.pipeline(p, id);
    return this.repo.listRuns(p.orgId, id, q, (r) => ContextPipelinesService.runDto(r));
  }
}
