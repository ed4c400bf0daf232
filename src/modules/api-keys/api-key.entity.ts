import type { Role } from '@libs/auth/principal';
import { BaseEntity } from '@libs/database/base.entity';
import { Column, Entity } from 'typeorm';

@Entity('api_keys')
export class ApiKeyEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 255 })
  name: string;

  /** sha256 hex of the full secret; the secret itself is never stored */
  @Column({ name: 'key_hash', type: 'char', length: 64 })
  keyHash: string;

  @Column({ name: 'key_fingerprint', type: 'varchar', length: 32 })
  keyFingerprint: string;

  @Column({ type: 'varchar', length: 20 })
  role: Role;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3, nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'allowed_ips', type: 'text', array: true, default: '{}' })
  allowedIps: string[];

  @Column({ type: 'text', nullable: true })
  notes: string | null;

  @Column({ name: 'created_by', type: 'uuid' })
  createdBy: string;

  @Column({ name: 'last_used_at', type: 'timestamptz', precision: 3, nullable: true })
  lastUsedAt: Date | null;

  /** set on revocation; a future value is a scheduled revocation (rotation grace period) */
  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'rotated_to', type: 'uuid', nullable: true })
  rotatedTo: string | null;

  /** sha256(creator + Idempotency-Key) of the creating request, for replays within 24 h */
  @Column({ name: 'idempotency_hash', type: 'char', length: 64, nullable: true, select: true })
  idempotencyHash: string | null;

  /** extra powers beyond the role; `platform` = the creator's platform-admin power (admin+ keys only) */
  @Column({ type: 'text', array: true, default: '{}' })
  scopes: ApiKeyScope[];
}

export const API_KEY_SCOPES = ['platform'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export function isKeyRevoked(k: Pick<ApiKeyEntity, 'revokedAt'>, now = new Date()): boolean {
  return !!k.revokedAt && k.revokedAt.getTime() <= now.getTime();
}

export function isKeyExpired(k: Pick<ApiKeyEntity, 'expiresAt'>, now = new Date()): boolean {
  return !!k.expiresAt && k.expiresAt.getTime() <= now.getTime();
}
