import { MigrationInterface, QueryRunner } from 'typeorm';

/** `td-sync users disable`: a disabled user's keys are all refused at once, without revoking them one by one. */
export class UserDisabledAt1765000000000 implements MigrationInterface {
  name = 'UserDisabledAt1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users ADD COLUMN disabled_at TEXT`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE users DROP COLUMN disabled_at`);
  }
}
