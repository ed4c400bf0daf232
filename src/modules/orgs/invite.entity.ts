import type { Role } from '@libs/auth/principal';
import { BaseEntity } from '@libs/database/base.entity';
import { Column, Entity } from 'typeorm';

export type InviteStatus = 'pending' | 'accepted' | 'revoked' | 'expired';

@Entity('invites')
export class InviteEntity extends BaseEntity {
  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 255 })
  email: string;

  @Column({ type: 'varchar', length: 20 })
  role: Role;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt: Date;

  @Column({ name: 'accepted_at', type: 'timestamptz', precision: 3, nullable: true })
  acceptedAt: Date | null;

  @Column({ name: 'accepted_by', type: 'uuid', nullable: true })
  acceptedBy: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', precision: 3, nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;
}

export function inviteStatus(i: InviteEntity, now = new Date()): InviteStatus {
  if (i.acceptedAt) {
    return 'accepted';
  }
  if (i.revokedAt) {
    return 'revoked';
  }
  if (i.expiresAt.getTime() <= now.getTime()) {
    return 'expired';
  }
  return 'pending';
}
