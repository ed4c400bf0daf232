import { MigrationInterface, QueryRunner } from 'typeorm';

/** Turn owners now carry the deployment's Redis prefix (`<prefix>|<host>:<pid>:<rand>`). */
export class ChatOwnerScope1764300500100 implements MigrationInterface {
  name = 'ChatOwnerScope1764300500100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_turns ALTER COLUMN owner_instance TYPE varchar(255)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE chat_turns ALTER COLUMN owner_instance TYPE varchar(100)`);
  }
}
