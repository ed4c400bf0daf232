import { MigrationInterface, QueryRunner } from 'typeorm';

/** `/voice`: voice sessions (docs/voice.md). */
export class VoiceSessions1764301000200 implements MigrationInterface {
  name = 'VoiceSessions1764301000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE voice_sessions (
        id varchar(40) PRIMARY KEY,
        org_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        created_by uuid,
        agent varchar(200) NOT NULL,
        realm varchar(100),
        voice_id varchar(200),
        sample_rate int NOT NULL,
        vad boolean NOT NULL DEFAULT true,
        max_duration_secs int NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'pending',
        end_reason varchar(20),
        conversation_id varchar(40),
        turns int NOT NULL DEFAULT 0,
        audio_secs double precision NOT NULL DEFAULT 0,
        token_expires_at timestamptz(3) NOT NULL,
        started_at timestamptz(3),
        ended_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX voice_sessions_org_created_idx ON voice_sessions (org_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE voice_sessions`);
  }
}
