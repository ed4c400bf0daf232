import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The replica holding a `/voice` session's socket (its replica-presence instance id, docs/voice.md
 * "Recovery"): when that replica's liveness key lapses, the voice session sweeper of a live replica
 * of the same deployment ends the session `ended`/`interrupted`. Sessions opened before this column
 * existed keep NULL (never swept).
 */
export class VoiceSessionOwner1764301001050 implements MigrationInterface {
  name = 'VoiceSessionOwner1764301001050';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE voice_sessions ADD COLUMN IF NOT EXISTS owner_instance varchar(255)`);
    await q.query(
      `CREATE INDEX IF NOT EXISTS voice_sessions_active_owner_idx ON voice_sessions (owner_instance) WHERE status = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS voice_sessions_active_owner_idx`);
    await q.query(`ALTER TABLE voice_sessions DROP COLUMN IF EXISTS owner_instance`);
  }
}
