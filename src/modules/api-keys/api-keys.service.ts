import { roleRank, type Principal, type Role } from '@libs/auth/principal';
import { sha256Hex } from '@libs/crypto';
import { Transactional, TransactionHost } from '@libs/database/transaction';
import { ConflictException, ForbiddenException, NotFoundException, ValidationException } from '@libs/errors';
import { IdempotencyKeyReusedException } from '@libs/idempotency/idempotency.errors';
import type { Page } from '@libs/pagination';
import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { apiKeyScopeRefusal } from './api-key-scopes';
import { ApiKeyEntity, isKeyRevoked, type ApiKeyScope } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import {
  ApiKeyCreatedDto,
  ApiKeyDto,
  CreateApiKeyDto,
  ListApiKeysQuery,
  RotateApiKeyDto,
  toApiKeyDto,
} from './dto/api-key.dto';

export const API_KEY_PREFIX = 'ak_live_';
export const API_KEY_IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

/** A new secret: `ak_live_` + 43 base64url characters (256 bits). */
export function generateApiKey(): { key: string; hash: string; fingerprint: string } {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: sha256Hex(key), fingerprint: key.slice(0, API_KEY_PREFIX.length + 8) };
}

/**
 * API keys: created per org by admins, with a role no higher than the creator's; platform power
 * only through the `platform` scope (see api-key-scopes.ts). There is no
 * cache of keys: every request looks the hash up, so revocation is immediate on all replicas.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly txHost: TransactionHost,
  ) {}

  list(p: Principal, query: ListApiKeysQuery): Promise<Page<ApiKeyDto>> {
    return this.keys.list(p.orgId, query, toApiKeyDto);
  }

  async get(p: Principal, id: string): Promise<ApiKeyDto> {
    return toApiKeyDto(await this.find(p, id));
  }

  /**
   * With an Idempotency-Key, a retry within 24 h returns the original key's metadata (201, no
   * secret: it is never stored) instead of creating a second key; another body is 422.
   */
  async create(
    p: Principal,
    dto: CreateApiKeyDto,
    idempotencyKey?: string,
  ): Promise<{ key: ApiKeyCreatedDto | ApiKeyDto; replayed: boolean }> {
    const role: Role = dto.role ?? 'member';
    const scopes: ApiKeyScope[] = [...(dto.scopes ?? [])].sort();
    let idempotencyHash: string | null = null;
    if (idempotencyKey) {
      if (idempotencyKey.length > 255) {
        throw new ValidationException('Idempotency-Key is too long (max 255)');
      }
      idempotencyHash = sha256Hex(`${p.apiKeyId ?? p.userId}\0${idempotencyKey}`);
      const previous = await this.keys.findByIdempotency(p.orgId, idempotencyHash);
      if (previous && Date.now() - previous.createdAt.getTime() < API_KEY_IDEMPOTENCY_TTL_MS) {
        const same =
          previous.name === dto.name.trim() &&
          previous.role === role &&
          (previous.expiresAt?.getTime() ?? null) === (dto.expires_at ? new Date(dto.expires_at).getTime() : null) &&
          JSON.stringify(previous.allowedIps) === JSON.stringify(dto.allowed_ips ?? []) &&
          JSON.stringify(previous.scopes) === JSON.stringify(scopes) &&
          previous.notes === (dto.notes ?? null);
        if (!same) {
          throw new IdempotencyKeyReusedException();
        }
        return { key: toApiKeyDto(previous), replayed: true };
      }
      if (previous) {
        await this.keys.update(p.orgId, previous.id, { idempotencyHash: null });
      }
    }
    if (roleRank(role) > roleRank(p.role)) {
      throw new ForbiddenException(`You cannot create a key with role ${role} (your role is ${p.role})`, {
        role,
        your_role: p.role,
      });
    }
    const refusal = apiKeyScopeRefusal(p, role, scopes);
    if (refusal) {
      throw refusal;
    }
    let expiresAt: Date | null = null;
    if (dto.expires_at) {
      expiresAt = new Date(dto.expires_at);
      if (expiresAt.getTime() <= Date.now()) {
        throw new ValidationException('expires_at must be in the future', {
          fields: [{ field: 'expires_at', errors: ['expires_at must be in the future'] }],
        });
      }
    }
    const name = dto.name.trim();
    if (await this.keys.liveNameExists(p.orgId, name)) {
      throw new ConflictException(`An API key named "${name}" already exists`, { name }, 'already_exists');
    }
    return {
      key: await this.insert(p, {
        name,
        role,
        expiresAt,
        allowedIps: dto.allowed_ips ?? [],
        notes: dto.notes ?? null,
        scopes,
        idempotencyHash,
      }),
      replayed: false,
    };
  }

  async revoke(p: Principal, id: string): Promise<void> {
    const key = await this.find(p, id);
    if (isKeyRevoked(key)) {
      return;
    }
    await this.keys.update(p.orgId, id, { revokedAt: new Date() });
  }

  /** New key with the same settings (name suffixed `-rotated`); the old one is revoked now or after the grace period. */
  async rotate(p: Principal, id: string, dto: RotateApiKeyDto): Promise<ApiKeyCreatedDto> {
    const old = await this.find(p, id);
    if (isKeyRevoked(old) || old.rotatedTo) {
      throw new ConflictException('This key is revoked or was already rotated', undefined, 'conflict');
    }
    if (roleRank(old.role) > roleRank(p.role)) {
      throw new ForbiddenException(`You cannot rotate a key with role ${old.role}`, {
        role: old.role,
        your_role: p.role,
      });
    }
    const refusal = apiKeyScopeRefusal(p, old.role, old.scopes);
    if (refusal) {
      throw refusal;
    }
    const grace = dto.revoke_old_after_secs ?? 0;
    const base = old.name.replace(/-rotated(-\d+)?$/, '');
    let name = `${base}-rotated`;
    for (let i = 2; await this.keys.liveNameExists(p.orgId, name); i++) {
      name = `${base}-rotated-${i}`;
    }
    const created = await this.insert(
      p,
      {
        name,
        role: old.role,
        expiresAt: old.expiresAt,
        allowedIps: old.allowedIps,
        notes: old.notes,
        scopes: old.scopes,
      },
      async (fresh) => {
        await this.keys.update(p.orgId, old.id, {
          revokedAt: new Date(Date.now() + grace * 1000),
          rotatedTo: fresh.id,
        });
      },
    );
    return created;
  }

  private async find(p: Principal, id: string): Promise<ApiKeyEntity> {
    const key = await this.keys.findInOrg(p.orgId, id);
    if (!key) {
      throw new NotFoundException('API key');
    }
    return key;
  }

  /** Creates the key and runs `alsoInTx` (the rotation's revocation of the old key) in one transaction. */
  @Transactional()
  private async insert(
    p: Principal,
    data: Pick<ApiKeyEntity, 'name' | 'role' | 'expiresAt' | 'allowedIps' | 'notes' | 'scopes'> & {
      idempotencyHash?: string | null;
    },
    alsoInTx?: (k: ApiKeyEntity) => Promise<void>,
  ): Promise<ApiKeyCreatedDto> {
    const secret = generateApiKey();
    const key = await this.keys.create({
      ...data,
      orgId: p.orgId,
      keyHash: secret.hash,
      keyFingerprint: secret.fingerprint,
      createdBy: p.userId,
    });
    if (alsoInTx) {
      await alsoInTx(key);
    }
    return { ...toApiKeyDto(key), key: secret.key };
  }
}
