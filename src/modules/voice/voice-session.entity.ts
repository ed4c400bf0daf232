import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export type VoiceSessionStatus = 'pending' | 'active' | 'ended';
/** `interrupted`: the replica holding the socket died; ended by the sweeper of a live replica. */
export type VoiceEndReason = 'max_duration' | 'client' | 'idle' | 'error' | 'expired' | 'interrupted';

/** A voice session: its settings, its conversation (created by the first turn), and its lifecycle. */
@Entity('voice_sessions')
export class VoiceSessionEntity {
  /** `vs_…` */
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'org_id', type: 'uuid' })
  orgId: string;

  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  /** agent name or id the turns run with */
  @Column({ type: 'varchar', length: 200 })
  agent: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  realm: string | null;

  @Column({ name: 'voice_id', type: 'varchar', length: 200, nullable: true })
  voiceId: string | null;

  @Column({ name: 'sample_rate', type: 'int' })
  sampleRate: number;

  @Column({ type: 'boolean', default: true })
  vad: boolean;

  @Column({ name: 'max_duration_secs', type: 'int' })
  maxDurationSecs: number;

  /** pending (token not used yet) → active (socket open) → ended */
  @Column({ type: 'varchar', length: 20, default: 'pending' })
  status: VoiceSessionStatus;

  @Column({ name: 'end_reason', type: 'varchar', length: 20, nullable: true })
  endReason: VoiceEndReason | null;

  /**
   * The replica holding the socket (its `ReplicaPresence` instance id), set on activation; the
   * voice session sweeper ends an `active` session whose owner is gone (docs/voice.md "Recovery").
   */
  @Column({ name: 'owner_instance', type: 'varchar', length: 255, nullable: true })
  ownerInstance: string | null;

  /** the chat conversation of the session's turns; null until the first one */
  @Column({ name: 'conversation_id', type: 'varchar', length: 40, nullable: true })
  conversationId: string | null;

  @Column({ type: 'int', default: 0 })
  turns: number;

  /** seconds of audio received */
  @Column({ name: 'audio_secs', type: 'double precision', default: 0 })
  audioSecs: number;

  @Column({ name: 'token_expires_at', type: 'timestamptz', precision: 3 })
  tokenExpiresAt: Date;

  @Column({ name: 'started_at', type: 'timestamptz', precision: 3, nullable: true })
  startedAt: Date | null;

  @Column({ name: 'ended_at', type: 'timestamptz', precision: 3, nullable: true })
  endedAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', precision: 3 })
  updatedAt: Date;
}
