import type { GrantRecord } from "../domain/grant-record.js";
import type { AliasRecord, KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
import type { KeyUsageRecord } from "../domain/key-usage.js";
import type { AccessKeyRecord, AccountRecord, PrincipalRecord, WrappedRef } from "./store.js";

/**
 * The row shapes both SQL backends read, and their mapping to records (custom key stores are in
 * custom-key-store-rows.ts).
 *
 * An integer column is typed by the backend, as its driver hands it over: `number` for SQLite
 * (better-sqlite3 returns INTEGER as a number), `string` for PostgreSQL (pg does not narrow BIGINT
 * to a number). The mappers below convert with Number(), which leaves SQLite's numbers as they are.
 */
export type IntColumn = number | string;

export interface KeyRow {
  doc: string;
  revision: number;
}
export interface MaterialRow<I extends IntColumn> {
  key_id: string;
  material_id: string;
  created_at: I;
  origin: KeyMaterialRecord["origin"];
  root_version: string;
  wrapped: Buffer;
  public_key: Buffer | null;
}
export interface AliasRow<I extends IntColumn> {
  account_id: string;
  region: string;
  alias_name: string;
  key_id: string;
  created_at: I;
  updated_at: I;
}
export interface AccountRow<I extends IntColumn> {
  account_id: string;
  created_at: I;
}
export interface AccessKeyRow<I extends IntColumn> {
  access_key_id: string;
  principal_arn: string;
  account_id: string;
  root_version: string;
  wrapped_secret: Buffer;
  created_at: I;
  status: AccessKeyRecord["status"];
}

/** A grant or principal: the record is the JSON document. */
export interface DocRow {
  doc: string;
}

export interface WrappedMaterialRow {
  key_id: string;
  material_id: string;
  root_version: string;
  wrapped: Buffer;
}
export interface WrappedAccessKeyRow {
  access_key_id: string;
  root_version: string;
  wrapped_secret: Buffer;
}

export interface UsageRow<I extends IntColumn> {
  material_id: string;
  encryptions: I;
  decryptions: I;
  last_encrypt_at: I | null;
  last_decrypt_at: I | null;
}
export interface LastUsageRow<I extends IntColumn> {
  used_at: I;
  operation: string;
  request_id: string;
  event_id: string;
}

export function grantFromRow(r: DocRow): GrantRecord {
  return JSON.parse(r.doc) as GrantRecord;
}

export function keyFromRow(r: KeyRow): KeyRecord {
  // Adding the field to the parsed object, not spreading it into a new one: a spread copy of a
  // record is twice its size on V8's heap (473 against 945 bytes), and CachedStore keeps 100,000.
  const k = JSON.parse(r.doc) as { -readonly [F in keyof KeyRecord]: KeyRecord[F] };
  k.revision = Number(r.revision);
  return k;
}

/** The key's `doc` column: the record without its revision (a column of its own). */
export function keyDoc(k: KeyRecord): string {
  const { revision: _revision, ...doc } = k;
  return JSON.stringify(doc);
}

export function materialFromRow(r: MaterialRow<IntColumn>): KeyMaterialRecord {
  const base: KeyMaterialRecord = {
    keyId: r.key_id,
    materialId: r.material_id,
    createdAt: Number(r.created_at),
    origin: r.origin,
    wrapped: { rootVersion: r.root_version, blob: r.wrapped },
  };
  return r.public_key === null ? base : { ...base, publicKey: r.public_key };
}

export function aliasFromRow(r: AliasRow<IntColumn>): AliasRecord {
  return {
    accountId: r.account_id,
    region: r.region,
    aliasName: r.alias_name,
    targetKeyId: r.key_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

export function accountFromRow(r: AccountRow<IntColumn>): AccountRecord {
  return { accountId: r.account_id, createdAt: Number(r.created_at) };
}

export function accessKeyFromRow(r: AccessKeyRow<IntColumn>): AccessKeyRecord {
  return {
    accessKeyId: r.access_key_id,
    principalArn: r.principal_arn,
    accountId: r.account_id,
    secret: { rootVersion: r.root_version, blob: r.wrapped_secret },
    createdAt: Number(r.created_at),
    status: r.status,
  };
}

/** A key's usage from its key_last_usage row and key_usage rows; undefined when it has neither. */
export function keyUsageFromRows(
  keyId: string,
  last: LastUsageRow<IntColumn> | undefined,
  rows: readonly UsageRow<IntColumn>[],
): KeyUsageRecord | undefined {
  if (last === undefined && rows.length === 0) return undefined;
  return {
    keyId,
    ...(last !== undefined
      ? { last: { at: Number(last.used_at), operation: last.operation, requestId: last.request_id, eventId: last.event_id } }
      : {}),
    versions: rows.map((r) => ({
      materialId: r.material_id,
      encryptions: Number(r.encryptions),
      decryptions: Number(r.decryptions),
      ...(r.last_encrypt_at !== null ? { lastEncryptAt: Number(r.last_encrypt_at) } : {}),
      ...(r.last_decrypt_at !== null ? { lastDecryptAt: Number(r.last_decrypt_at) } : {}),
    })),
  };
}

export function wrappedMaterialRef(r: WrappedMaterialRow): WrappedRef {
  return { kind: "material", keyId: r.key_id, materialId: r.material_id, wrapped: { rootVersion: r.root_version, blob: r.wrapped } };
}

export function wrappedAccessKeyRef(r: WrappedAccessKeyRow): WrappedRef {
  return { kind: "access-key", accessKeyId: r.access_key_id, wrapped: { rootVersion: r.root_version, blob: r.wrapped_secret } };
}

export function principalFromRow(r: DocRow): PrincipalRecord {
  return JSON.parse(r.doc) as PrincipalRecord;
}
