import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  /** sha256 of (principal, method, route, key) */
  @PrimaryColumn({ name: 'scope_hash', type: 'text' })
  scopeHash: string;

  @Column({ type: 'text' })
  key: string;

  @Column({ type: 'text' })
  principal: string;

  @Column({ type: 'text' })
  route: string;

  /** HMAC (SecretBox.mac) of URL + body, never the body itself */
  @Column({ name: 'body_hash', type: 'text' })
  bodyHash: string;

  @Column({ type: 'text' })
  state: 'in_progress' | 'completed';

  @Column({ name: 'status_code', type: 'int', nullable: true })
  statusCode: number | null;

  /** stored as `{ sealed: <SecretBox, base64> }`; IdempotencyRepository seals and opens it */
  @Column({ type: 'jsonb', nullable: true })
  response: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', precision: 3 })
  expiresAt: Date;
}
