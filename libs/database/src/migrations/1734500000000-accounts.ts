import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Named accounts and API keys (issue 23, docs/SECURITY.md). `accounts.id` is what
 * created_by / updated_by hold from now on (ADMIN_TOKENS' operator ids share that space).
 * An API key is stored as the SHA-256 of its secret (the secret has 256 random bits, so a
 * slow hash adds nothing); `prefix` is its first characters, shown in lists to recognise it.
 */
export class Accounts1734500000000 implements MigrationInterface {
  name = 'Accounts1734500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE accounts (
        id BIGINT NOT NULL AUTO_INCREMENT,
        username VARCHAR(64) NOT NULL COMMENT 'sign-in name, unique ignoring case',
        display_name VARCHAR(64) NOT NULL,
        password_hash VARCHAR(255) NOT NULL COMMENT 'argon2id (PHC string)',
        role VARCHAR(16) NOT NULL COMMENT 'viewer | editor | approver | admin',
        disabled TINYINT(1) NOT NULL DEFAULT 0,
        last_login_at DATETIME NULL,
        created_by BIGINT NULL COMMENT 'account or operator id; NULL: the CLI',
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        PRIMARY KEY (id),
        UNIQUE KEY uk_accounts_username (username)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
    await q.query(`
      CREATE TABLE api_keys (
        id BIGINT NOT NULL AUTO_INCREMENT,
        name VARCHAR(64) NOT NULL,
        prefix VARCHAR(16) NOT NULL COMMENT 'first characters of the key, to recognise it',
        key_hash BINARY(32) NOT NULL COMMENT 'SHA-256 of the whole key',
        role VARCHAR(16) NOT NULL COMMENT 'viewer | editor | approver | admin',
        created_by BIGINT NOT NULL COMMENT 'the admin who created it; the key acts as this operator',
        expires_at DATETIME NULL,
        revoked_at DATETIME NULL,
        revoked_by BIGINT NULL,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        PRIMARY KEY (id),
        UNIQUE KEY uk_api_keys_hash (key_hash)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_520_ci`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_keys');
    await q.query('DROP TABLE accounts');
  }
}
