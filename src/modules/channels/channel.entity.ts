import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const CHANNEL_TYPES = ['slack', 'webhook', 'email', 'whatsapp'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];
/** what a binding can route: a channel kind, or `incoming` (the `/chat/incoming/:endpoint_id` webhooks) */
export const BINDING_CHANNELS = [...CHANNEL_TYPES, 'incoming'] as const;
export type BindingChannel = (typeof BINDING_CHANNELS)[number];

/** One configured channel of an org (at most one per type); secrets sealed, never returned. */
@Entity('channels')
export class ChannelEntity {
  /** `chn_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ type: 'varchar', length: 20 })
  type: ChannelType;

  /** non-secret fields (api_base_url, callback_url, …) */
  @Column({ type: 'jsonb', default: () => `'{}'` })
  config: Record<string, string>;

  /** secret fields as sealed JSON (SecretBox) */
  @Column({ name: 'secrets_sealed', type: 'bytea', nullable: true, select: false })
  secretsSealed: Buffer | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'last_connected_at', type: 'timestamptz', precision: 3, nullable: true })
  lastConnectedAt: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 1000, nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}

/** `match_rule` keys; all optional, combined with AND (spec channels.md §7). */
export interface MatchRule {
  slack_channel?: string;
  slack_user?: string;
  conversation_type?: string;
  team?: string;
  chat?: string;
  from?: string;
  mentioned?: boolean;
  /** RE2 syntax, on the message text */
  text_regex?: string;
  /** WhatsApp: group id or participant phone (the chat); `*` wildcards */
  group?: string;
  /** WhatsApp: the connected number the message was sent to */
  to?: string;
  /** `incoming`: the inbound chat endpoint id (absent = every endpoint of the org) */
  endpoint?: string;
}

/** Routes messages of a channel to an agent; evaluated by `position`, first match wins. */
@Entity('channel_bindings')
export class ChannelBindingEntity {
  /** `bnd_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  /** channel type the binding routes (or `incoming`) */
  @Column({ type: 'varchar', length: 20 })
  channel: BindingChannel;

  @Column({ type: 'integer' })
  position: number;

  @Column({ name: 'match_rule', type: 'jsonb', default: () => `'{}'` })
  matchRule: MatchRule;

  /** agent name or id */
  @Column({ type: 'varchar', length: 100 })
  agent: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
