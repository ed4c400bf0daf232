import { MigrationInterface, QueryRunner } from 'typeorm';

/** `chat_messages.kind`: what a message is beyond its role; `compaction_summary` for history compaction. */
export class ChatMessageKind1764300800500 implements MigrationInterface {
  name = 'ChatMessageKind1764300800500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages ADD COLUMN kind varchar(30)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages DROP COLUMN kind`);
  }
}
