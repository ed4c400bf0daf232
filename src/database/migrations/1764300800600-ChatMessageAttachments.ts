import { MigrationInterface, QueryRunner } from 'typeorm';

/** `chat_messages.attachments`: the artifact ids attached to a user message (jsonb array, null when none). */
export class ChatMessageAttachments1764300800600 implements MigrationInterface {
  name = 'ChatMessageAttachments1764300800600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages ADD COLUMN attachments jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_messages DROP COLUMN attachments`);
  }
}
