import type { IntColumn } from "./record-rows.js";
import type { RoleSessionRecord } from "./store.js";

/** A role_sessions row (SQLite returns integers as numbers, PostgreSQL BIGINT as strings). */
export interface RoleSessionRow<I extends IntColumn> {
  readonly access_key_id: string;
  readonly account_id: string;
  readonly role_arn: string;
  readonly role_id: string;
  readonly session_name: string;
  readonly session_arn: string;
  readonly issued_at: I;
  readonly expires_at: I;
  readonly root_version: string;
  readonly wrapped_secret: Buffer;
  readonly token_sha256: Buffer;
}

export const ROLE_SESSION_INSERT = `INSERT INTO role_sessions (access_key_id, account_id, role_arn, role_id, session_name, session_arn,
  issued_at, expires_at, root_version, wrapped_secret, token_sha256)`;

export type RoleSessionColumns = [string, string, string, string, string, string, number, number, string, Buffer, Buffer];

export function roleSessionColumns(r: RoleSessionRecord): RoleSessionColumns {
  return [
    r.accessKeyId,
    r.accountId,
    r.roleArn,
    r.roleId,
    r.sessionName,
    r.sessionArn,
    r.issuedAt,
    r.expiresAt,
    r.secret.rootVersion,
    r.secret.blob,
    r.tokenHash,
  ];
}

export function roleSessionFromRow(r: RoleSessionRow<IntColumn>): RoleSessionRecord {
  return {
    accessKeyId: r.access_key_id,
    accountId: r.account_id,
    roleArn: r.role_arn,
    roleId: r.role_id,
    sessionName: r.session_name,
    sessionArn: r.session_arn,
    issuedAt: Number(r.issued_at),
    expiresAt: Number(r.expires_at),
    secret: { rootVersion: r.root_version, blob: r.wrapped_secret },
    tokenHash: r.token_sha256,
  };
}
