import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { GrantRecord } from "../domain/grant-record.js";
import { nextDueAt, type AliasRecord, type KeyMaterialRecord, type KeyRecord } from "../domain/key-record.js";
import type { KeyUsageRecord } from "../domain/key-usage.js";
import type { WrappedKey } from "../keystore/keystore.js";
import { InjectedWriteFailure } from "./memory-store.js";
import { SqliteCustomKeyStores } from "./sqlite-custom-key-stores.js";
import { SQLITE_MIGRATIONS } from "./sqlite-migrations.js";
import { SqliteRoleSessions } from "./sqlite-role-sessions.js";
import {
  accessKeyFromRow,
  accountFromRow,
  aliasFromRow,
  grantFromRow,
  keyDoc,
  keyFromRow,
  keyUsageFromRows,
  materialFromRow,
  principalFromRow,
  wrappedAccessKeyRef,
  wrappedMaterialRef,
  type AccessKeyRow,
  type AccountRow,
  type AliasRow,
  type DocRow,
  type KeyRow,
  type LastUsageRow,
  type MaterialRow,
  type UsageRow,
  type WrappedAccessKeyRow,
  type WrappedMaterialRow,
} from "./record-rows.js";
import {
  DuplicateEntry,
  RevisionConflict,
  pageOf,
  parseRetirablePosition,
  retirablePosition,
  type AccessKeyRecord,
  type RoleSessionRecord,
  type AccountRecord,
  type KeyChange,
  type Page,
  type PrincipalRecord,
  type Store,
  type WrappedRef,
} from "./store.js";

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && "code" in e && (e as { code: unknown }).code === "SQLITE_CONSTRAINT_PRIMARYKEY";
}

function isBusy(e: unknown): boolean {
  return e instanceof Error && "code" in e && String((e as { code: unknown }).code).startsWith("SQLITE_BUSY");
}

/**
 * Retries `f` for a few seconds while SQLite reports SQLITE_BUSY. Opening a WAL database while
 * another process opens or closes it can fail with SQLITE_BUSY without consulting the busy
 * handler (sqlite.org/wal.html); `f` must be safe to run again.
 */
function retryBusy<T>(f: () => T): T {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return f();
    } catch (e) {
      if (!isBusy(e) || Date.now() > deadline) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * The embedded default store: one SQLite file, WAL, synchronous=FULL, so that a resolved write
 * survives a crash. Each method runs in one transaction. `failWrites(n)` makes the next n write
 * transactions throw after their statements ran but before commit, so that the rollback is what
 * keeps the state unchanged.
 */
export class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly #db: Database.Database;
  readonly #s;
  readonly #cks: SqliteCustomKeyStores;
  readonly #sessions: SqliteRoleSessions;
  #failures = 0;
  #dataVersion: Database.Statement<[], number> | undefined;

  constructor(path: string) {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const db = new Database(path);
    this.#db = db;
    try {
      retryBusy(() => {
        db.pragma("busy_timeout = 5000");
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = FULL");
        db.pragma("foreign_keys = ON");
        this.#migrate();
      });
    } catch (e) {
      db.close();
      throw e;
    }
    this.#s = {
      insertKey: db.prepare<[string, string, string, number, number | null, string]>(
        "INSERT INTO keys (key_id, account_id, region, revision, due_at, doc) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      getKey: db.prepare<[string], KeyRow>("SELECT doc, revision FROM keys WHERE key_id = ?"),
      casKey: db.prepare<[number, number | null, string, string, number]>(
        "UPDATE keys SET revision = ?, due_at = ?, doc = ? WHERE key_id = ? AND revision = ?",
      ),
      deleteKey: db.prepare<[string]>("DELETE FROM keys WHERE key_id = ?"),
      listKeys: db.prepare<[string, string, string, number], KeyRow>(
        "SELECT doc, revision FROM keys WHERE account_id = ? AND region = ? AND key_id > ? ORDER BY key_id LIMIT ?",
      ),
      dueKeys: db.prepare<[number, number], KeyRow>(
        "SELECT doc, revision FROM keys WHERE due_at IS NOT NULL AND due_at <= ? ORDER BY due_at LIMIT ?",
      ),
      countKeys: db.prepare<[], { n: number }>("SELECT count(*) AS n FROM keys"),
      // Reads only the keys_by_state index (migration 3).
      countKeysByState: db.prepare<[], { state: string | null; n: number }>(
        "SELECT json_extract(doc, '$.keyState') AS state, count(*) AS n FROM keys GROUP BY json_extract(doc, '$.keyState')",
      ),
      startUsageTracking: db.prepare<[number]>(
        "INSERT INTO key_usage_tracking (id, started_at) VALUES (1, ?) ON CONFLICT(id) DO NOTHING",
      ),
      usageTrackingStart: db.prepare<[], { started_at: number }>("SELECT started_at FROM key_usage_tracking WHERE id = 1"),
      // Usage is written only for keys that exist (checked once per key in addKeyUsage, in the same transaction).
      keyExists: db.prepare<[string], number>("SELECT 1 FROM keys INDEXED BY keys_by_id WHERE key_id = ?").pluck(),
      addVersionUsage: db.prepare<[string, string, number, number, number | null, number | null]>(
        `INSERT INTO key_usage (key_id, material_id, encryptions, decryptions, last_encrypt_at, last_decrypt_at)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(key_id, material_id) DO UPDATE SET
           encryptions = encryptions + excluded.encryptions,
           decryptions = decryptions + excluded.decryptions,
           last_encrypt_at = max(coalesce(last_encrypt_at, excluded.last_encrypt_at), coalesce(excluded.last_encrypt_at, last_encrypt_at)),
           last_decrypt_at = max(coalesce(last_decrypt_at, excluded.last_decrypt_at), coalesce(excluded.last_decrypt_at, last_decrypt_at))`,
      ),
      setLastUsage: db.prepare<[string, number, string, string, string]>(
        `INSERT INTO key_last_usage (key_id, used_at, operation, request_id, event_id)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(key_id) DO UPDATE SET used_at = excluded.used_at, operation = excluded.operation,
           request_id = excluded.request_id, event_id = excluded.event_id
         WHERE excluded.used_at >= key_last_usage.used_at`,
      ),
      getVersionUsage: db.prepare<[string], UsageRow<number>>(
        "SELECT material_id, encryptions, decryptions, last_encrypt_at, last_decrypt_at FROM key_usage WHERE key_id = ? ORDER BY material_id",
      ),
      getLastUsage: db.prepare<[string], LastUsageRow<number>>(
        "SELECT used_at, operation, request_id, event_id FROM key_last_usage WHERE key_id = ?",
      ),
      deleteUsageOfKey: db.prepare<[string]>("DELETE FROM key_usage WHERE key_id = ?"),
      deleteLastUsageOfKey: db.prepare<[string]>("DELETE FROM key_last_usage WHERE key_id = ?"),
      insertMaterial: db.prepare<[string, string, number, string, string, Buffer, Buffer | null]>(
        "INSERT INTO key_materials (key_id, material_id, created_at, origin, root_version, wrapped, public_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      getMaterial: db.prepare<[string, string], MaterialRow<number>>(
        "SELECT * FROM key_materials WHERE key_id = ? AND material_id = ?",
      ),
      listMaterials: db.prepare<[string], MaterialRow<number>>(
        "SELECT * FROM key_materials WHERE key_id = ? ORDER BY created_at, material_id",
      ),
      deleteMaterial: db.prepare<[string, string]>("DELETE FROM key_materials WHERE key_id = ? AND material_id = ?"),
      deleteMaterials: db.prepare<[string]>("DELETE FROM key_materials WHERE key_id = ?"),
      insertAlias: db.prepare<[string, string, string, string, number, number]>(
        "INSERT INTO aliases (account_id, region, alias_name, key_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      getAlias: db.prepare<[string, string, string], AliasRow<number>>(
        "SELECT * FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?",
      ),
      updateAlias: db.prepare<[string, number, string, string, string]>(
        "UPDATE aliases SET key_id = ?, updated_at = ? WHERE account_id = ? AND region = ? AND alias_name = ?",
      ),
      deleteAlias: db.prepare<[string, string, string]>(
        "DELETE FROM aliases WHERE account_id = ? AND region = ? AND alias_name = ?",
      ),
      deleteAliasesOfKey: db.prepare<[string]>("DELETE FROM aliases WHERE key_id = ?"),
      listAliases: db.prepare<[string, string, string, number], AliasRow<number>>(
        "SELECT * FROM aliases WHERE account_id = ? AND region = ? AND alias_name > ? ORDER BY alias_name LIMIT ?",
      ),
      listAliasesOfKey: db.prepare<[string, string, string, string, number], AliasRow<number>>(
        "SELECT * FROM aliases WHERE account_id = ? AND region = ? AND key_id = ? AND alias_name > ? ORDER BY alias_name LIMIT ?",
      ),
      putAccount: db.prepare<[string, number]>(
        "INSERT INTO accounts (account_id, created_at) VALUES (?, ?) ON CONFLICT(account_id) DO UPDATE SET created_at = excluded.created_at",
      ),
      getAccount: db.prepare<[string], AccountRow<number>>(
        "SELECT * FROM accounts WHERE account_id = ?",
      ),
      listAccounts: db.prepare<[], AccountRow<number>>(
        "SELECT * FROM accounts ORDER BY account_id",
      ),
      putPrincipal: db.prepare<[string, string, string]>(
        "INSERT INTO principals (arn, account_id, doc) VALUES (?, ?, ?) ON CONFLICT(arn) DO UPDATE SET account_id = excluded.account_id, doc = excluded.doc",
      ),
      getPrincipal: db.prepare<[string], DocRow>("SELECT doc FROM principals WHERE arn = ?"),
      listPrincipals: db.prepare<[string], DocRow>(
        "SELECT doc FROM principals WHERE account_id = ? ORDER BY arn",
      ),
      deletePrincipal: db.prepare<[string]>("DELETE FROM principals WHERE arn = ?"),
      deleteAccessKeysOf: db.prepare<[string]>("DELETE FROM access_keys WHERE principal_arn = ?"),
      putAccessKey: db.prepare<[string, string, string, string, Buffer, number, string]>(
        `INSERT INTO access_keys (access_key_id, principal_arn, account_id, root_version, wrapped_secret, created_at, status)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(access_key_id) DO UPDATE SET principal_arn = excluded.principal_arn, account_id = excluded.account_id,
           root_version = excluded.root_version, wrapped_secret = excluded.wrapped_secret, created_at = excluded.created_at,
           status = excluded.status`,
      ),
      getAccessKey: db.prepare<[string], AccessKeyRow<number>>("SELECT * FROM access_keys WHERE access_key_id = ?"),
      listAccessKeys: db.prepare<[string], AccessKeyRow<number>>(
        "SELECT * FROM access_keys WHERE principal_arn = ? ORDER BY access_key_id",
      ),
      deleteAccessKey: db.prepare<[string]>("DELETE FROM access_keys WHERE access_key_id = ?"),
      deleteAccount: db.prepare<[string]>("DELETE FROM accounts WHERE account_id = ?"),
      deletePrincipalsOfAccount: db.prepare<[string]>("DELETE FROM principals WHERE account_id = ?"),
      deleteAccessKeysOfAccount: db.prepare<[string, string]>(
        "DELETE FROM access_keys WHERE account_id = ? OR principal_arn IN (SELECT arn FROM principals WHERE account_id = ?)",
      ),
      accountHasKeys: db.prepare<[string], { x: number }>("SELECT EXISTS (SELECT 1 FROM keys WHERE account_id = ?) AS x"),
      insertGrant: db.prepare<[string, string, string, string | null, string]>(
        "INSERT INTO grants (grant_id, key_id, grantee_principal, retiring_principal, doc) VALUES (?, ?, ?, ?, ?)",
      ),
      getGrant: db.prepare<[string, string], DocRow>("SELECT doc FROM grants WHERE grant_id = ? AND key_id = ?"),
      listGrants: db.prepare<[string, string, number], DocRow>(
        "SELECT doc FROM grants WHERE key_id = ? AND grant_id > ? ORDER BY grant_id LIMIT ?",
      ),
      listGrantsForGrantee: db.prepare<[string, string], DocRow>(
        "SELECT doc FROM grants WHERE key_id = ? AND grantee_principal = ? ORDER BY grant_id",
      ),
      listRetirableGrants: db.prepare<[string, string, string, number], DocRow>(
        `SELECT doc FROM grants WHERE retiring_principal = ? AND (key_id, grant_id) > (?, ?)
         ORDER BY key_id, grant_id LIMIT ?`,
      ),
      deleteGrant: db.prepare<[string, string]>("DELETE FROM grants WHERE grant_id = ? AND key_id = ?"),
      deleteGrantsOfKey: db.prepare<[string]>("DELETE FROM grants WHERE key_id = ?"),
      countGrants: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM grants WHERE key_id = ?"),
      // Two index ranges (below and above the version) so that a batch reads only what it returns.
      materialsNotUnder: db.prepare<[string, number, string, number, number], WrappedMaterialRow>(
        `SELECT * FROM (SELECT key_id, material_id, root_version, wrapped FROM key_materials
                        WHERE root_version < ? ORDER BY root_version, key_id, material_id LIMIT ?)
         UNION ALL
         SELECT * FROM (SELECT key_id, material_id, root_version, wrapped FROM key_materials
                        WHERE root_version > ? ORDER BY root_version, key_id, material_id LIMIT ?)
         ORDER BY root_version, key_id, material_id LIMIT ?`,
      ),
      accessKeysNotUnder: db.prepare<[string, number, string, number, number], WrappedAccessKeyRow>(
        `SELECT * FROM (SELECT access_key_id, root_version, wrapped_secret FROM access_keys
                        WHERE root_version < ? ORDER BY root_version, access_key_id LIMIT ?)
         UNION ALL
         SELECT * FROM (SELECT access_key_id, root_version, wrapped_secret FROM access_keys
                        WHERE root_version > ? ORDER BY root_version, access_key_id LIMIT ?)
         ORDER BY root_version, access_key_id LIMIT ?`,
      ),
      replaceMaterialWrapped: db.prepare<[string, Buffer, string, string, string, Buffer]>(
        `UPDATE key_materials SET root_version = ?, wrapped = ?
         WHERE key_id = ? AND material_id = ? AND root_version = ? AND wrapped = ?`,
      ),
      replaceAccessKeyWrapped: db.prepare<[string, Buffer, string, string, Buffer]>(
        `UPDATE access_keys SET root_version = ?, wrapped_secret = ?
         WHERE access_key_id = ? AND root_version = ? AND wrapped_secret = ?`,
      ),
      countWrappedUnder: db.prepare<[string, string], { n: number }>(
        `SELECT (SELECT count(*) FROM key_materials WHERE root_version = ?)
              + (SELECT count(*) FROM access_keys WHERE root_version = ?) AS n`,
      ),
    };
    this.#cks = new SqliteCustomKeyStores(db, () => this.#beforeCommit());
    this.#sessions = new SqliteRoleSessions(db, () => this.#beforeCommit());
  }

  /** Test hook: the next n write transactions fail just before commit. */
  failWrites(n: number): void {
    this.#failures = n;
  }

  /**
   * SQLite's data_version: changes whenever another connection (another process, or another
   * SqliteStore on the same file) commits, never for this connection's own commits. CachedStore
   * uses it to drop its entries when someone else changed the database.
   */
  externalChangeCounter(): number {
    this.#dataVersion ??= this.#db.prepare<[], number>("PRAGMA data_version").pluck();
    return this.#dataVersion.get() ?? 0;
  }

  /** Reads one connection setting (tests, diagnostics). */
  readPragma(name: "journal_mode" | "synchronous" | "user_version" | "foreign_keys"): unknown {
    return this.#db.pragma(name, { simple: true });
  }

  /** Called last in every write transaction: an injected failure rolls back what already ran. */
  #beforeCommit(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw new InjectedWriteFailure();
    }
  }

  /**
   * Reads the version and migrates under one IMMEDIATE (write-locked) transaction, so that two
   * processes opening a new database at once cannot both run the same migration.
   */
  #migrate(): void {
    this.#db
      .transaction(() => {
        const current = this.#db.pragma("user_version", { simple: true }) as number;
        if (current > SQLITE_MIGRATIONS.length) {
          throw new Error(`database schema version ${current} is newer than this Trent (${SQLITE_MIGRATIONS.length})`);
        }
        for (let v = current; v < SQLITE_MIGRATIONS.length; v++) {
          this.#db.exec(SQLITE_MIGRATIONS[v] ?? "");
          this.#db.pragma(`user_version = ${v + 1}`);
        }
      })
      .immediate();
  }

  #insertMaterial(m: KeyMaterialRecord): void {
    this.#s.insertMaterial.run(
      m.keyId,
      m.materialId,
      m.createdAt,
      m.origin,
      m.wrapped.rootVersion,
      m.wrapped.blob,
      m.publicKey ?? null,
    );
  }

  async createKey(key: KeyRecord, materials: readonly KeyMaterialRecord[]): Promise<void> {
    try {
      this.#db.transaction(() => {
        this.#s.insertKey.run(key.keyId, key.accountId, key.region, 1, nextDueAt(key) ?? null, keyDoc(key));
        for (const m of materials) this.#insertMaterial(m);
        this.#beforeCommit();
      })();
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(`key ${key.keyId}`);
      throw e;
    }
  }

  async getKey(keyId: string): Promise<KeyRecord | undefined> {
    const r = this.#s.getKey.get(keyId);
    return r && keyFromRow(r);
  }

  async updateKey(change: KeyChange): Promise<KeyRecord> {
    const k = change.key;
    const next = { ...k, revision: change.expectedRevision + 1 };
    this.#db.transaction(() => {
      const res = this.#s.casKey.run(next.revision, nextDueAt(next) ?? null, keyDoc(next), k.keyId, change.expectedRevision);
      if (res.changes !== 1) throw new RevisionConflict();
      for (const id of change.removeMaterialIds ?? []) this.#s.deleteMaterial.run(k.keyId, id);
      for (const m of change.addMaterials ?? []) this.#insertMaterial(m);
      this.#beforeCommit();
    })();
    return structuredClone(next);
  }

  async deleteKey(keyId: string): Promise<void> {
    this.#db.transaction(() => {
      this.#s.deleteAliasesOfKey.run(keyId);
      this.#s.deleteGrantsOfKey.run(keyId);
      this.#s.deleteMaterials.run(keyId);
      this.#s.deleteUsageOfKey.run(keyId);
      this.#s.deleteLastUsageOfKey.run(keyId);
      this.#s.deleteKey.run(keyId);
      this.#beforeCommit();
    })();
  }

  async listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>> {
    const rows = this.#s.listKeys.all(accountId, region, after ?? "", limit + 1);
    return pageOf(rows.map(keyFromRow), limit, (k) => k.keyId);
  }

  async dueKeys(now: number, limit: number): Promise<readonly KeyRecord[]> {
    return this.#s.dueKeys.all(now, limit).map(keyFromRow);
  }

  async countKeys(): Promise<number> {
    return this.#s.countKeys.get()?.n ?? 0;
  }

  async countKeysByState(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of this.#s.countKeysByState.all()) if (r.state !== null) out[r.state] = r.n;
    return out;
  }

  async startKeyUsageTracking(now: number): Promise<number> {
    return this.#db.transaction(() => {
      this.#s.startUsageTracking.run(now);
      const at = this.#s.usageTrackingStart.get()?.started_at ?? now;
      this.#beforeCommit();
      return at;
    })();
  }

  async keyUsageTrackingStart(): Promise<number | undefined> {
    return this.#s.usageTrackingStart.get()?.started_at;
  }

  async addKeyUsage(deltas: readonly KeyUsageRecord[]): Promise<void> {
    this.#db.transaction(() => {
      for (const d of deltas) {
        if (this.#s.keyExists.get(d.keyId) === undefined) continue; // deleted before the flush
        for (const v of d.versions) {
          this.#s.addVersionUsage.run(d.keyId, v.materialId, v.encryptions, v.decryptions, v.lastEncryptAt ?? null, v.lastDecryptAt ?? null);
        }
        const l = d.last;
        if (l !== undefined) this.#s.setLastUsage.run(d.keyId, l.at, l.operation, l.requestId, l.eventId);
      }
      this.#beforeCommit();
    })();
  }

  async getKeyUsage(keyId: string): Promise<KeyUsageRecord | undefined> {
    const last = this.#s.getLastUsage.get(keyId);
    const rows = this.#s.getVersionUsage.all(keyId);
    return keyUsageFromRows(keyId, last, rows);
  }

  async getKeyMaterial(keyId: string, materialId: string): Promise<KeyMaterialRecord | undefined> {
    const r = this.#s.getMaterial.get(keyId, materialId);
    return r && materialFromRow(r);
  }

  async listKeyMaterials(keyId: string): Promise<readonly KeyMaterialRecord[]> {
    return this.#s.listMaterials.all(keyId).map(materialFromRow);
  }

  async createAlias(a: AliasRecord): Promise<void> {
    try {
      this.#db.transaction(() => {
        this.#s.insertAlias.run(a.accountId, a.region, a.aliasName, a.targetKeyId, a.createdAt, a.updatedAt);
        this.#beforeCommit();
      })();
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(`alias ${a.aliasName}`);
      throw e;
    }
  }

  async getAlias(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    const r = this.#s.getAlias.get(accountId, region, aliasName);
    return r && aliasFromRow(r);
  }

  async updateAlias(a: AliasRecord): Promise<boolean> {
    return this.#db.transaction(() => {
      const updated = this.#s.updateAlias.run(a.targetKeyId, a.updatedAt, a.accountId, a.region, a.aliasName).changes === 1;
      this.#beforeCommit();
      return updated;
    })();
  }

  async deleteAlias(accountId: string, region: string, aliasName: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const deleted = this.#s.deleteAlias.run(accountId, region, aliasName).changes === 1;
      this.#beforeCommit();
      return deleted;
    })();
  }

  async listAliases(
    accountId: string,
    region: string,
    keyId: string | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<AliasRecord>> {
    const rows =
      keyId === undefined
        ? this.#s.listAliases.all(accountId, region, after ?? "", limit + 1)
        : this.#s.listAliasesOfKey.all(accountId, region, keyId, after ?? "", limit + 1);
    return pageOf(rows.map(aliasFromRow), limit, (a) => a.aliasName);
  }

  async createGrant(g: GrantRecord): Promise<void> {
    try {
      this.#db.transaction(() => {
        this.#s.insertGrant.run(g.grantId, g.keyId, g.granteePrincipal, g.retiringPrincipal ?? null, JSON.stringify(g));
        this.#beforeCommit();
      })();
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(`grant ${g.grantId}`);
      throw e;
    }
  }

  async getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    const r = this.#s.getGrant.get(grantId, keyId);
    return r && grantFromRow(r);
  }

  async listGrants(keyId: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    const rows = this.#s.listGrants.all(keyId, after ?? "", limit + 1);
    return pageOf(rows.map(grantFromRow), limit, (g) => g.grantId);
  }

  async listGrantsForGrantee(keyId: string, granteePrincipal: string): Promise<readonly GrantRecord[]> {
    return this.#s.listGrantsForGrantee.all(keyId, granteePrincipal).map(grantFromRow);
  }

  async listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    const from = after === undefined ? { keyId: "", grantId: "" } : parseRetirablePosition(after);
    const rows = this.#s.listRetirableGrants.all(retiringPrincipal, from.keyId, from.grantId, limit + 1);
    return pageOf(rows.map(grantFromRow), limit, retirablePosition);
  }

  async deleteGrant(keyId: string, grantId: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const deleted = this.#s.deleteGrant.run(grantId, keyId).changes === 1;
      this.#beforeCommit();
      return deleted;
    })();
  }

  async countGrants(keyId: string): Promise<number> {
    return this.#s.countGrants.get(keyId)?.n ?? 0;
  }

  async listWrappedNotUnder(rootVersion: string, limit: number): Promise<readonly WrappedRef[]> {
    const n = Math.max(0, limit);
    const out: WrappedRef[] = this.#s.materialsNotUnder.all(rootVersion, n, rootVersion, n, n).map(wrappedMaterialRef);
    const rest = n - out.length;
    if (rest > 0) {
      for (const r of this.#s.accessKeysNotUnder.all(rootVersion, rest, rootVersion, rest, rest)) out.push(wrappedAccessKeyRef(r));
    }
    const left = n - out.length;
    if (left > 0) for (const r of this.#cks.notUnder(rootVersion, left)) out.push({ kind: "custom-key-store", ...r });
    return out;
  }

  async replaceWrapped(ref: WrappedRef, next: WrappedKey): Promise<boolean> {
    return this.#db.transaction(() => {
      const was = ref.wrapped;
      const replaced =
        ref.kind === "material"
          ? this.#s.replaceMaterialWrapped.run(next.rootVersion, next.blob, ref.keyId, ref.materialId, was.rootVersion, was.blob).changes === 1
          : ref.kind === "access-key"
            ? this.#s.replaceAccessKeyWrapped.run(next.rootVersion, next.blob, ref.accessKeyId, was.rootVersion, was.blob).changes === 1
            : this.#cks.replaceWrapped(ref.customKeyStoreId, was, next);
      this.#beforeCommit();
      return replaced;
    })();
  }

  async countWrappedUnder(rootVersion: string): Promise<number> {
    return (this.#s.countWrappedUnder.get(rootVersion, rootVersion)?.n ?? 0) + this.#cks.countUnder(rootVersion);
  }

  async putAccount(account: AccountRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#s.putAccount.run(account.accountId, account.createdAt);
      this.#beforeCommit();
    })();
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const r = this.#s.getAccount.get(accountId);
    return r && accountFromRow(r);
  }

  async listAccounts(): Promise<readonly AccountRecord[]> {
    return this.#s.listAccounts.all().map(accountFromRow);
  }

  async deleteAccount(accountId: string): Promise<boolean> {
    return this.#db.transaction(() => {
      this.#s.deleteAccessKeysOfAccount.run(accountId, accountId);
      this.#s.deletePrincipalsOfAccount.run(accountId);
      const deleted = this.#s.deleteAccount.run(accountId).changes === 1;
      this.#beforeCommit();
      return deleted;
    })();
  }

  async accountHasKeys(accountId: string): Promise<boolean> {
    return this.#s.accountHasKeys.get(accountId)?.x === 1;
  }

  async putPrincipal(p: PrincipalRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#s.putPrincipal.run(p.arn, p.accountId, JSON.stringify(p));
      this.#beforeCommit();
    })();
  }

  async getPrincipal(arn: string): Promise<PrincipalRecord | undefined> {
    const r = this.#s.getPrincipal.get(arn);
    return r && principalFromRow(r);
  }

  async listPrincipals(accountId: string): Promise<readonly PrincipalRecord[]> {
    return this.#s.listPrincipals.all(accountId).map(principalFromRow);
  }

  async deletePrincipal(arn: string): Promise<boolean> {
    return this.#db.transaction(() => {
      this.#s.deleteAccessKeysOf.run(arn);
      const deleted = this.#s.deletePrincipal.run(arn).changes === 1;
      this.#beforeCommit();
      return deleted;
    })();
  }

  async putAccessKey(k: AccessKeyRecord): Promise<void> {
    this.#db.transaction(() => {
      this.#s.putAccessKey.run(
        k.accessKeyId,
        k.principalArn,
        k.accountId,
        k.secret.rootVersion,
        k.secret.blob,
        k.createdAt,
        k.status,
      );
      this.#beforeCommit();
    })();
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const r = this.#s.getAccessKey.get(accessKeyId);
    return r && accessKeyFromRow(r);
  }

  async listAccessKeys(principalArn: string): Promise<readonly AccessKeyRecord[]> {
    return this.#s.listAccessKeys.all(principalArn).map(accessKeyFromRow);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.#db.transaction(() => {
      const deleted = this.#s.deleteAccessKey.run(accessKeyId).changes === 1;
      this.#beforeCommit();
      return deleted;
    })();
  }

  // ---- role sessions (sqlite-role-sessions.ts)

  async putRoleSession(session: RoleSessionRecord): Promise<void> {
    this.#sessions.put(session);
  }

  async getRoleSession(accessKeyId: string): Promise<RoleSessionRecord | undefined> {
    return this.#sessions.get(accessKeyId);
  }

  async deleteRoleSessionsOf(roleArn: string): Promise<number> {
    return this.#sessions.deleteOf(roleArn);
  }

  async deleteExpiredRoleSessions(now: number, limit: number): Promise<number> {
    return this.#sessions.deleteExpired(now, limit);
  }

  async deleteRoleSessionsNotUnder(rootVersion: string): Promise<number> {
    return this.#sessions.deleteNotUnder(rootVersion);
  }

  // ---- custom key stores (sqlite-custom-key-stores.ts)

  async createCustomKeyStore(cks: CustomKeyStoreRecord): Promise<void> {
    this.#cks.create(cks);
  }

  async getCustomKeyStore(customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    return this.#cks.get(customKeyStoreId);
  }

  async listCustomKeyStores(
    partition: { readonly accountId: string; readonly region: string } | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<CustomKeyStoreRecord>> {
    return this.#cks.list(partition, after, limit);
  }

  async updateCustomKeyStore(cks: CustomKeyStoreRecord, expectedRevision: number): Promise<CustomKeyStoreRecord> {
    return this.#cks.update(cks, expectedRevision);
  }

  async deleteCustomKeyStore(customKeyStoreId: string): Promise<boolean> {
    return this.#cks.delete(customKeyStoreId);
  }

  async customKeyStoreHasKeys(customKeyStoreId: string): Promise<boolean> {
    return this.#cks.hasKeys(customKeyStoreId);
  }

  async resetKeys(): Promise<void> {
    this.#db.transaction(() => {
      this.#db.exec(
        "DELETE FROM aliases; DELETE FROM grants; DELETE FROM key_materials; DELETE FROM key_usage; DELETE FROM key_last_usage; DELETE FROM keys;",
      );
      this.#beforeCommit();
    })();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
