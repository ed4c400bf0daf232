import type { Role } from '@libs/auth/principal';
import { BaseEntity } from '@libs/database/base.entity';
import { Column, Entity } from 'typeorm';

@Entity('users')
export class UserEntity extends BaseEntity {
  @Column({ name: 'organization_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 255 })
  email: string;

  @Column({ type: 'varchar', length: 255, nullable: true })
  name: string | null;

  @Column({ type: 'varchar', length: 20, default: 'member' })
  role: Role;

  @Column({ type: 'text', array: true, default: '{}' })
  roles: string[];

  @Column({ type: 'text', array: true, default: '{}' })
  permissions: string[];

  @Column({ name: 'password_hash', type: 'varchar', length: 255, nullable: true })
  passwordHash: string | null;

  @Column({ name: 'auth_provider', type: 'varchar', length: 50, default: 'local' })
  authProvider: 'local' | 'oidc';

  @Column({ type: 'varchar', length: 512, nullable: true })
  issuer: string | null;

  @Column({ name: 'external_id', type: 'varchar', length: 255, nullable: true })
  externalId: string | null;

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified: boolean;

  @Column({ name: 'disabled_at', type: 'timestamptz', precision: 3, nullable: true })
  disabledAt: Date | null;

  @Column({ name: 'last_login_at', type: 'timestamptz', precision: 3, nullable: true })
  lastLoginAt: Date | null;

  /** the `tv` claim of local tokens must equal it: bumping it ends every session issued before */
  @Column({ name: 'token_version', type: 'integer', default: 0 })
  tokenVersion: number;
}
