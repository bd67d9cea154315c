import type Database from "better-sqlite3";
import { ROLE_SESSION_INSERT, roleSessionColumns, roleSessionFromRow, type RoleSessionColumns, type RoleSessionRow } from "./role-session-rows.js";
import type { RoleSessionRecord } from "./store.js";

/**
 * The role_sessions table of the SQLite store (migration 6). SqliteStore delegates to it; each
 * write runs in one transaction that ends with `beforeCommit` (the store's fault injection).
 */
export class SqliteRoleSessions {
  readonly #db: Database.Database;
  readonly #beforeCommit: () => void;
  readonly #s;

  constructor(db: Database.Database, beforeCommit: () => void) {
    this.#db = db;
    this.#beforeCommit = beforeCommit;
    this.#s = {
      put: db.prepare<RoleSessionColumns>(
        `${ROLE_SESSION_INSERT} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(access_key_id) DO UPDATE SET account_id = excluded.account_id, role_arn = excluded.role_arn,
           role_id = excluded.role_id, session_name = excluded.session_name, session_arn = excluded.session_arn,
           issued_at = excluded.issued_at, expires_at = excluded.expires_at, root_version = excluded.root_version,
           wrapped_secret = excluded.wrapped_secret, token_sha256 = excluded.token_sha256`,
      ),
      get: db.prepare<[string], RoleSessionRow<number>>("SELECT * FROM role_sessions WHERE access_key_id = ?"),
      deleteOf: db.prepare<[string]>("DELETE FROM role_sessions WHERE role_arn = ?"),
      deleteExpired: db.prepare<[number, number]>(
        `DELETE FROM role_sessions WHERE access_key_id IN
           (SELECT access_key_id FROM role_sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
      ),
      deleteNotUnder: db.prepare<[string]>("DELETE FROM role_sessions WHERE root_version <> ?"),
    };
  }

  put(r: RoleSessionRecord): void {
    this.#db.transaction(() => {
      this.#s.put.run(...roleSessionColumns(r));
      this.#beforeCommit();
    })();
  }

  get(accessKeyId: string): RoleSessionRecord | undefined {
    const r = this.#s.get.get(accessKeyId);
    return r && roleSessionFromRow(r);
  }

  deleteOf(roleArn: string): number {
    return this.#delete(() => this.#s.deleteOf.run(roleArn).changes);
  }

  deleteExpired(now: number, limit: number): number {
    return this.#delete(() => this.#s.deleteExpired.run(now, Math.max(0, Math.floor(limit))).changes);
  }

  deleteNotUnder(rootVersion: string): number {
    return this.#delete(() => this.#s.deleteNotUnder.run(rootVersion).changes);
  }

  #delete(run: () => number): number {
    return this.#db.transaction(() => {
      const n = run();
      this.#beforeCommit();
      return n;
    })();
  }
}
