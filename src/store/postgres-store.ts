import { DatabaseError, Pool, type PoolClient, type QueryResultRow } from "pg";
import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { GrantRecord } from "../domain/grant-record.js";
import { nextDueAt, type AliasRecord, type KeyMaterialRecord, type KeyRecord } from "../domain/key-record.js";
import type { KeyUsageRecord } from "../domain/key-usage.js";
import type { WrappedKey } from "../keystore/keystore.js";
import {
  customKeyStoreColumns,
  customKeyStoreConflict,
  customKeyStoreFromRow,
  type CustomKeyStoreRow,
} from "./custom-key-store-rows.js";
import { InjectedWriteFailure } from "./memory-store.js";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
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
import { ROLE_SESSION_INSERT, roleSessionColumns, roleSessionFromRow, type RoleSessionRow } from "./role-session-rows.js";
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

export interface PostgresStoreOptions {
  /** Most connections this node holds open (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before a call fails (default 10 s). */
  readonly connectionTimeoutMillis?: number;
  /** Idle connections are closed after this long (default 30 s). */
  readonly idleTimeoutMillis?: number;
  /** Shown in pg_stat_activity (default "trent"). */
  readonly applicationName?: string;
}

/**
 * Advisory lock held (for the length of one transaction) while the schema is checked and migrated,
 * so that nodes starting at once migrate one after another. Advisory locks are per database.
 */
export const POSTGRES_MIGRATION_LOCK = "7310595594411029000";

// BIGINT columns arrive as strings: pg does not narrow int8 to number. record-rows.ts converts them.
type Bigint = string;

function isUniqueViolation(e: unknown): boolean {
  return e instanceof Error && "code" in e && (e as { code: unknown }).code === "23505";
}

/**
 * The connection broke (server restart, terminated backend, network) rather than the statement
 * failing: pg raises plain Errors for a dead socket, and SQLSTATE classes 08 and 57P for a
 * connection the server ended.
 */
function isConnectionLoss(e: unknown): boolean {
  if (e instanceof DatabaseError) return e.code !== undefined && (e.code.startsWith("08") || e.code.startsWith("57P"));
  return e instanceof Error && /connection|terminated|ECONNRESET|EPIPE|ECONNREFUSED/i.test(e.message) && !/timeout/i.test(e.message);
}

/**
 * Brings the database to the newest schema. Runs in one transaction under an advisory lock: a
 * second node starting at the same time waits, then finds the schema current. DDL is
 * transactional in PostgreSQL, so a failed migration leaves the previous version intact.
 */
async function migrate(c: PoolClient): Promise<void> {
  await c.query("BEGIN");
  try {
    await c.query("SELECT pg_advisory_xact_lock($1::bigint)", [POSTGRES_MIGRATION_LOCK]);
    await c.query(
      "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
    );
    const r = await c.query<{ v: number | null }>("SELECT max(version) AS v FROM schema_version");
    const current = r.rows[0]?.v ?? 0;
    if (current > POSTGRES_MIGRATIONS.length) {
      throw new Error(
        `database schema version ${current} is newer than this Trent (${POSTGRES_MIGRATIONS.length})`,
      );
    }
    for (let v = current; v < POSTGRES_MIGRATIONS.length; v++) {
      await c.query(POSTGRES_MIGRATIONS[v] ?? "");
      await c.query("INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)", [v + 1, Date.now()]);
    }
    await c.query("COMMIT");
  } catch (e) {
    await c.query("ROLLBACK").catch(() => undefined);
    throw e;
  }
}

/**
 * The store for several Trent nodes sharing one PostgreSQL database. Every method is one
 * transaction (reads are single statements); nothing is cached, so every read sees what any node
 * last committed. Key updates are a compare-and-swap on `revision` (`UPDATE ... WHERE revision =`):
 * of two nodes updating the same key from the same revision, the second waits for the first's row
 * lock, then matches no row and raises RevisionConflict.
 *
 * `failWrites(n)` makes the next n write transactions throw after their statements ran but before
 * COMMIT, so that the ROLLBACK is what keeps the state unchanged.
 */
export class PostgresStore implements Store {
  readonly kind = "postgres";
  readonly #pool: Pool;
  #failures = 0;
  #closed = false;

  private constructor(pool: Pool) {
    this.#pool = pool;
  }

  /** Connects, migrates the schema (waiting for any other node migrating it), and returns the store. */
  static async open(connectionString: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
    const pool = new Pool({
      connectionString,
      max: opts.maxConnections ?? 10,
      connectionTimeoutMillis: opts.connectionTimeoutMillis ?? 10_000,
      idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
      application_name: opts.applicationName ?? "trent",
      keepAlive: true,
      // A node that hangs inside a transaction must not hold key rows locked for ever.
      idle_in_transaction_session_timeout: 60_000,
      // A write is acknowledged only once it is durable: a server whose default is
      // synchronous_commit=off gets it turned on for Trent's sessions (stricter settings are kept).
      onConnect: async (client) => {
        await client.query(
          "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'",
        );
      },
    });
    // An idle connection that breaks (server restart, terminated backend) is dropped by the pool;
    // without a listener the error would end the process.
    pool.on("error", () => undefined);
    try {
      const c = await pool.connect();
      try {
        await migrate(c);
      } finally {
        c.release();
      }
    } catch (e) {
      await pool.end();
      throw e;
    }
    return new PostgresStore(pool);
  }

  /** Test hook: the next n write transactions fail just before commit. */
  failWrites(n: number): void {
    this.#failures = n;
  }

  #beforeCommit(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw new InjectedWriteFailure();
    }
  }

  /**
   * One read statement. A read that lost its connection (say a pooled connection the server
   * closed while idle) is retried once on a new one: reading twice is harmless.
   */
  async #read<R extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(text, [...values])).rows;
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      return (await this.#pool.query<R>(text, [...values])).rows;
    }
  }

  /** A pooled connection with a transaction begun; a connection found dead at BEGIN is replaced once. */
  async #begin(): Promise<PoolClient> {
    for (let attempt = 1; ; attempt++) {
      const c = await this.#pool.connect();
      try {
        await c.query("BEGIN");
        return c;
      } catch (e) {
        c.release(e instanceof Error ? e : new Error(String(e)));
        if (attempt >= 2 || !isConnectionLoss(e)) throw e;
      }
    }
  }

  /** Runs `body` in one transaction on one connection: COMMIT when it returns, ROLLBACK when it throws. */
  async #write<T>(body: (q: (text: string, values?: readonly unknown[]) => Promise<number>) => Promise<T>): Promise<T> {
    const c = await this.#begin();
    let broken: Error | undefined;
    try {
      const out = await body(async (text, values = []) => (await c.query(text, [...values])).rowCount ?? 0);
      this.#beforeCommit();
      await c.query("COMMIT");
      return out;
    } catch (e) {
      // A connection that cannot even roll back is discarded rather than reused.
      await c.query("ROLLBACK").catch((re: unknown) => {
        broken = re instanceof Error ? re : new Error(String(re));
      });
      throw e;
    } finally {
      c.release(broken);
    }
  }

  async #insertMaterial(q: (text: string, values?: readonly unknown[]) => Promise<number>, m: KeyMaterialRecord): Promise<void> {
    await q(
      `INSERT INTO key_materials (key_id, material_id, created_at, origin, root_version, wrapped, public_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [m.keyId, m.materialId, m.createdAt, m.origin, m.wrapped.rootVersion, m.wrapped.blob, m.publicKey ?? null],
    );
  }

  // ---- keys

  async createKey(key: KeyRecord, materials: readonly KeyMaterialRecord[]): Promise<void> {
    try {
      await this.#write(async (q) => {
        await q("INSERT INTO keys (key_id, account_id, region, revision, due_at, doc) VALUES ($1, $2, $3, 1, $4, $5)", [
          key.keyId,
          key.accountId,
          key.region,
          nextDueAt(key) ?? null,
          keyDoc(key),
        ]);
        for (const m of materials) await this.#insertMaterial(q, m);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(`key ${key.keyId}`);
      throw e;
    }
  }

  async getKey(keyId: string): Promise<KeyRecord | undefined> {
    const [r] = await this.#read<KeyRow>("SELECT doc, revision FROM keys WHERE key_id = $1", [keyId]);
    return r && keyFromRow(r);
  }

  async updateKey(change: KeyChange): Promise<KeyRecord> {
    const k = change.key;
    const next: KeyRecord = structuredClone({ ...k, revision: change.expectedRevision + 1 });
    await this.#write(async (q) => {
      // The CAS takes the key's row lock first, so material changes below are serialised per key.
      const n = await q("UPDATE keys SET revision = $1, due_at = $2, doc = $3 WHERE key_id = $4 AND revision = $5", [
        next.revision,
        nextDueAt(next) ?? null,
        keyDoc(next),
        k.keyId,
        change.expectedRevision,
      ]);
      if (n !== 1) throw new RevisionConflict();
      for (const id of change.removeMaterialIds ?? []) {
        await q("DELETE FROM key_materials WHERE key_id = $1 AND material_id = $2", [k.keyId, id]);
      }
      for (const m of change.addMaterials ?? []) await this.#insertMaterial(q, m);
    });
    return structuredClone(next);
  }

  async deleteKey(keyId: string): Promise<void> {
    await this.#write(async (q) => {
      // The key row first: this waits for an update of the key in flight, and the statements
      // after it (each with a fresh snapshot) then see the materials that update added.
      await q("DELETE FROM keys WHERE key_id = $1", [keyId]);
      await q("DELETE FROM key_materials WHERE key_id = $1", [keyId]);
      await q("DELETE FROM aliases WHERE key_id = $1", [keyId]);
      await q("DELETE FROM grants WHERE key_id = $1", [keyId]);
      await q("DELETE FROM key_usage WHERE key_id = $1", [keyId]);
      await q("DELETE FROM key_last_usage WHERE key_id = $1", [keyId]);
    });
  }

  async listKeys(accountId: string, region: string, after: string | undefined, limit: number): Promise<Page<KeyRecord>> {
    const rows = await this.#read<KeyRow>(
      "SELECT doc, revision FROM keys WHERE account_id = $1 AND region = $2 AND key_id > $3 ORDER BY key_id LIMIT $4",
      [accountId, region, after ?? "", limit + 1],
    );
    return pageOf(rows.map(keyFromRow), limit, (k) => k.keyId);
  }

  async dueKeys(now: number, limit: number): Promise<readonly KeyRecord[]> {
    const rows = await this.#read<KeyRow>(
      "SELECT doc, revision FROM keys WHERE due_at IS NOT NULL AND due_at <= $1 ORDER BY due_at, key_id LIMIT $2",
      [now, limit],
    );
    return rows.map(keyFromRow);
  }

  async countKeys(): Promise<number> {
    const [r] = await this.#read<{ n: string }>("SELECT count(*) AS n FROM keys");
    return Number(r?.n ?? 0);
  }

  async countKeysByState(): Promise<Record<string, number>> {
    const rows = await this.#read<{ state: string | null; n: string }>(
      "SELECT doc::json->>'keyState' AS state, count(*) AS n FROM keys GROUP BY 1",
    );
    const out: Record<string, number> = {};
    for (const r of rows) if (r.state !== null) out[r.state] = Number(r.n);
    return out;
  }

  // ---- key usage

  async startKeyUsageTracking(now: number): Promise<number> {
    await this.#write((q) => q("INSERT INTO key_usage_tracking (id, started_at) VALUES (1, $1) ON CONFLICT (id) DO NOTHING", [now]));
    return (await this.keyUsageTrackingStart()) ?? now;
  }

  async keyUsageTrackingStart(): Promise<number | undefined> {
    const [r] = await this.#read<{ started_at: string }>("SELECT started_at FROM key_usage_tracking WHERE id = 1");
    return r === undefined ? undefined : Number(r.started_at);
  }

  async addKeyUsage(deltas: readonly KeyUsageRecord[]): Promise<void> {
    await this.#write(async (q) => {
      for (const d of deltas) {
        for (const v of d.versions) {
          await q(
            `INSERT INTO key_usage (key_id, material_id, encryptions, decryptions, last_encrypt_at, last_decrypt_at)
             SELECT $1::text, $2::text, $3::bigint, $4::bigint, $5::bigint, $6::bigint
             WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = $1::text)
             ON CONFLICT (key_id, material_id) DO UPDATE SET
               encryptions = key_usage.encryptions + excluded.encryptions,
               decryptions = key_usage.decryptions + excluded.decryptions,
               last_encrypt_at = GREATEST(key_usage.last_encrypt_at, excluded.last_encrypt_at),
               last_decrypt_at = GREATEST(key_usage.last_decrypt_at, excluded.last_decrypt_at)`,
            [d.keyId, v.materialId, v.encryptions, v.decryptions, v.lastEncryptAt ?? null, v.lastDecryptAt ?? null],
          );
        }
        const l = d.last;
        if (l === undefined) continue;
        await q(
          `INSERT INTO key_last_usage (key_id, used_at, operation, request_id, event_id)
           SELECT $1::text, $2::bigint, $3::text, $4::text, $5::text
           WHERE EXISTS (SELECT 1 FROM keys WHERE key_id = $1::text)
           ON CONFLICT (key_id) DO UPDATE SET used_at = excluded.used_at, operation = excluded.operation,
             request_id = excluded.request_id, event_id = excluded.event_id
           WHERE excluded.used_at >= key_last_usage.used_at`,
          [d.keyId, l.at, l.operation, l.requestId, l.eventId],
        );
      }
    });
  }

  async getKeyUsage(keyId: string): Promise<KeyUsageRecord | undefined> {
    const [last] = await this.#read<LastUsageRow<Bigint>>(
      "SELECT used_at, operation, request_id, event_id FROM key_last_usage WHERE key_id = $1",
      [keyId],
    );
    const rows = await this.#read<UsageRow<Bigint>>(
      "SELECT material_id, encryptions, decryptions, last_encrypt_at, last_decrypt_at FROM key_usage WHERE key_id = $1 ORDER BY material_id",
      [keyId],
    );
    return keyUsageFromRows(keyId, last, rows);
  }

  // ---- key material

  async getKeyMaterial(keyId: string, materialId: string): Promise<KeyMaterialRecord | undefined> {
    const [r] = await this.#read<MaterialRow<Bigint>>("SELECT * FROM key_materials WHERE key_id = $1 AND material_id = $2", [
      keyId,
      materialId,
    ]);
    return r && materialFromRow(r);
  }

  async listKeyMaterials(keyId: string): Promise<readonly KeyMaterialRecord[]> {
    const rows = await this.#read<MaterialRow<Bigint>>(
      "SELECT * FROM key_materials WHERE key_id = $1 ORDER BY created_at, material_id",
      [keyId],
    );
    return rows.map(materialFromRow);
  }

  // ---- aliases

  async createAlias(a: AliasRecord): Promise<void> {
    try {
      await this.#write(async (q) => {
        await q(
          "INSERT INTO aliases (account_id, region, alias_name, key_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)",
          [a.accountId, a.region, a.aliasName, a.targetKeyId, a.createdAt, a.updatedAt],
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(`alias ${a.aliasName}`);
      throw e;
    }
  }

  async getAlias(accountId: string, region: string, aliasName: string): Promise<AliasRecord | undefined> {
    const [r] = await this.#read<AliasRow<Bigint>>(
      "SELECT * FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3",
      [accountId, region, aliasName],
    );
    return r && aliasFromRow(r);
  }

  async updateAlias(a: AliasRecord): Promise<boolean> {
    return this.#write(
      async (q) =>
        (await q("UPDATE aliases SET key_id = $1, updated_at = $2 WHERE account_id = $3 AND region = $4 AND alias_name = $5", [
          a.targetKeyId,
          a.updatedAt,
          a.accountId,
          a.region,
          a.aliasName,
        ])) === 1,
    );
  }

  async deleteAlias(accountId: string, region: string, aliasName: string): Promise<boolean> {
    return this.#write(
      async (q) =>
        (await q("DELETE FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name = $3", [
          accountId,
          region,
          aliasName,
        ])) === 1,
    );
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
        ? await this.#read<AliasRow<Bigint>>(
            "SELECT * FROM aliases WHERE account_id = $1 AND region = $2 AND alias_name > $3 ORDER BY alias_name LIMIT $4",
            [accountId, region, after ?? "", limit + 1],
          )
        : await this.#read<AliasRow<Bigint>>(
            `SELECT * FROM aliases WHERE account_id = $1 AND region = $2 AND key_id = $3 AND alias_name > $4
             ORDER BY alias_name LIMIT $5`,
            [accountId, region, keyId, after ?? "", limit + 1],
          );
    return pageOf(rows.map(aliasFromRow), limit, (a) => a.aliasName);
  }

  // ---- grants

  async createGrant(g: GrantRecord): Promise<void> {
    try {
      await this.#write(async (q) => {
        await q(
          "INSERT INTO grants (grant_id, key_id, grantee_principal, retiring_principal, doc) VALUES ($1, $2, $3, $4, $5)",
          [g.grantId, g.keyId, g.granteePrincipal, g.retiringPrincipal ?? null, JSON.stringify(g)],
        );
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(`grant ${g.grantId}`);
      throw e;
    }
  }

  async getGrant(keyId: string, grantId: string): Promise<GrantRecord | undefined> {
    const [r] = await this.#read<DocRow>("SELECT doc FROM grants WHERE grant_id = $1 AND key_id = $2", [
      grantId,
      keyId,
    ]);
    return r && grantFromRow(r);
  }

  async listGrants(keyId: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    const rows = await this.#read<DocRow>(
      "SELECT doc FROM grants WHERE key_id = $1 AND grant_id > $2 ORDER BY grant_id LIMIT $3",
      [keyId, after ?? "", limit + 1],
    );
    return pageOf(rows.map(grantFromRow), limit, (g) => g.grantId);
  }

  async listGrantsForGrantee(keyId: string, granteePrincipal: string): Promise<readonly GrantRecord[]> {
    const rows = await this.#read<DocRow>(
      "SELECT doc FROM grants WHERE key_id = $1 AND grantee_principal = $2 ORDER BY grant_id",
      [keyId, granteePrincipal],
    );
    return rows.map(grantFromRow);
  }

  async listRetirableGrants(retiringPrincipal: string, after: string | undefined, limit: number): Promise<Page<GrantRecord>> {
    const from = after === undefined ? { keyId: "", grantId: "" } : parseRetirablePosition(after);
    const rows = await this.#read<DocRow>(
      `SELECT doc FROM grants WHERE retiring_principal = $1 AND (key_id, grant_id) > ($2, $3)
       ORDER BY key_id, grant_id LIMIT $4`,
      [retiringPrincipal, from.keyId, from.grantId, limit + 1],
    );
    return pageOf(rows.map(grantFromRow), limit, retirablePosition);
  }

  async deleteGrant(keyId: string, grantId: string): Promise<boolean> {
    return this.#write(
      async (q) => (await q("DELETE FROM grants WHERE grant_id = $1 AND key_id = $2", [grantId, keyId])) === 1,
    );
  }

  async countGrants(keyId: string): Promise<number> {
    const [r] = await this.#read<{ n: string }>("SELECT count(*) AS n FROM grants WHERE key_id = $1", [keyId]);
    return Number(r?.n ?? 0);
  }

  // ---- root re-wrap

  async listWrappedNotUnder(rootVersion: string, limit: number): Promise<readonly WrappedRef[]> {
    const n = Math.max(0, limit);
    // Two index ranges (below and above the version) so that a batch reads only what it returns.
    const mats = await this.#read<WrappedMaterialRow>(
      `SELECT * FROM (
         (SELECT key_id, material_id, root_version, wrapped FROM key_materials
          WHERE root_version < $1 ORDER BY root_version, key_id, material_id LIMIT $2)
         UNION ALL
         (SELECT key_id, material_id, root_version, wrapped FROM key_materials
          WHERE root_version > $1 ORDER BY root_version, key_id, material_id LIMIT $2)
       ) AS w ORDER BY root_version, key_id, material_id LIMIT $2`,
      [rootVersion, n],
    );
    const out: WrappedRef[] = mats.map(wrappedMaterialRef);
    const rest = n - out.length;
    if (rest > 0) {
      const aks = await this.#read<WrappedAccessKeyRow>(
        `SELECT * FROM (
           (SELECT access_key_id, root_version, wrapped_secret FROM access_keys
            WHERE root_version < $1 ORDER BY root_version, access_key_id LIMIT $2)
           UNION ALL
           (SELECT access_key_id, root_version, wrapped_secret FROM access_keys
            WHERE root_version > $1 ORDER BY root_version, access_key_id LIMIT $2)
         ) AS w ORDER BY root_version, access_key_id LIMIT $2`,
        [rootVersion, rest],
      );
      for (const r of aks) out.push(wrappedAccessKeyRef(r));
    }
    const left = n - out.length;
    if (left > 0) {
      const stores = await this.#read<{ custom_key_store_id: string; root_version: string; wrapped_password: Buffer }>(
        `SELECT * FROM (
           (SELECT custom_key_store_id, root_version, wrapped_password FROM custom_key_stores
            WHERE root_version < $1 ORDER BY root_version, custom_key_store_id LIMIT $2)
           UNION ALL
           (SELECT custom_key_store_id, root_version, wrapped_password FROM custom_key_stores
            WHERE root_version > $1 ORDER BY root_version, custom_key_store_id LIMIT $2)
         ) AS w ORDER BY root_version, custom_key_store_id LIMIT $2`,
        [rootVersion, left],
      );
      for (const r of stores) {
        out.push({
          kind: "custom-key-store",
          customKeyStoreId: r.custom_key_store_id,
          wrapped: { rootVersion: r.root_version, blob: r.wrapped_password },
        });
      }
    }
    return out;
  }

  async replaceWrapped(ref: WrappedRef, next: WrappedKey): Promise<boolean> {
    const was = ref.wrapped;
    return this.#write(async (q) =>
      ref.kind === "material"
        ? (await q(
            `UPDATE key_materials SET root_version = $1, wrapped = $2
             WHERE key_id = $3 AND material_id = $4 AND root_version = $5 AND wrapped = $6`,
            [next.rootVersion, next.blob, ref.keyId, ref.materialId, was.rootVersion, was.blob],
          )) === 1
        : ref.kind === "custom-key-store"
          ? (await q(
              `UPDATE custom_key_stores SET root_version = $1, wrapped_password = $2
               WHERE custom_key_store_id = $3 AND root_version = $4 AND wrapped_password = $5`,
              [next.rootVersion, next.blob, ref.customKeyStoreId, was.rootVersion, was.blob],
            )) === 1
        : (await q(
            `UPDATE access_keys SET root_version = $1, wrapped_secret = $2
             WHERE access_key_id = $3 AND root_version = $4 AND wrapped_secret = $5`,
            [next.rootVersion, next.blob, ref.accessKeyId, was.rootVersion, was.blob],
          )) === 1,
    );
  }

  async countWrappedUnder(rootVersion: string): Promise<number> {
    const [r] = await this.#read<{ n: string }>(
      `SELECT (SELECT count(*) FROM key_materials WHERE root_version = $1)
            + (SELECT count(*) FROM access_keys WHERE root_version = $1)
            + (SELECT count(*) FROM custom_key_stores WHERE root_version = $1) AS n`,
      [rootVersion],
    );
    return Number(r?.n ?? 0);
  }

  // ---- identities

  async putAccount(account: AccountRecord): Promise<void> {
    await this.#write(async (q) => {
      await q(
        `INSERT INTO accounts (account_id, created_at) VALUES ($1, $2)
         ON CONFLICT (account_id) DO UPDATE SET created_at = excluded.created_at`,
        [account.accountId, account.createdAt],
      );
    });
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    const [r] = await this.#read<AccountRow<Bigint>>("SELECT * FROM accounts WHERE account_id = $1", [accountId]);
    return r && accountFromRow(r);
  }

  async listAccounts(): Promise<readonly AccountRecord[]> {
    return (await this.#read<AccountRow<Bigint>>("SELECT * FROM accounts ORDER BY account_id")).map(accountFromRow);
  }

  async deleteAccount(accountId: string): Promise<boolean> {
    return this.#write(async (q) => {
      const deleted = (await q("DELETE FROM accounts WHERE account_id = $1", [accountId])) === 1;
      // Two statements rather than one with OR, which PostgreSQL plans as a scan of every access key.
      await q("DELETE FROM access_keys WHERE principal_arn IN (SELECT arn FROM principals WHERE account_id = $1)", [accountId]);
      await q("DELETE FROM access_keys WHERE account_id = $1", [accountId]);
      await q("DELETE FROM principals WHERE account_id = $1", [accountId]);
      return deleted;
    });
  }

  async accountHasKeys(accountId: string): Promise<boolean> {
    const [r] = await this.#read<{ x: boolean }>("SELECT EXISTS (SELECT 1 FROM keys WHERE account_id = $1) AS x", [
      accountId,
    ]);
    return r?.x === true;
  }

  async putPrincipal(p: PrincipalRecord): Promise<void> {
    await this.#write(async (q) => {
      await q(
        `INSERT INTO principals (arn, account_id, doc) VALUES ($1, $2, $3)
         ON CONFLICT (arn) DO UPDATE SET account_id = excluded.account_id, doc = excluded.doc`,
        [p.arn, p.accountId, JSON.stringify(p)],
      );
    });
  }

  async getPrincipal(arn: string): Promise<PrincipalRecord | undefined> {
    const [r] = await this.#read<DocRow>("SELECT doc FROM principals WHERE arn = $1", [arn]);
    return r && principalFromRow(r);
  }

  async listPrincipals(accountId: string): Promise<readonly PrincipalRecord[]> {
    const rows = await this.#read<DocRow>("SELECT doc FROM principals WHERE account_id = $1 ORDER BY arn", [
      accountId,
    ]);
    return rows.map(principalFromRow);
  }

  async deletePrincipal(arn: string): Promise<boolean> {
    return this.#write(async (q) => {
      const deleted = (await q("DELETE FROM principals WHERE arn = $1", [arn])) === 1;
      await q("DELETE FROM access_keys WHERE principal_arn = $1", [arn]);
      return deleted;
    });
  }

  async putAccessKey(k: AccessKeyRecord): Promise<void> {
    await this.#write(async (q) => {
      await q(
        `INSERT INTO access_keys (access_key_id, principal_arn, account_id, root_version, wrapped_secret, created_at, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (access_key_id) DO UPDATE SET principal_arn = excluded.principal_arn, account_id = excluded.account_id,
           root_version = excluded.root_version, wrapped_secret = excluded.wrapped_secret, created_at = excluded.created_at,
           status = excluded.status`,
        [k.accessKeyId, k.principalArn, k.accountId, k.secret.rootVersion, k.secret.blob, k.createdAt, k.status],
      );
    });
  }

  async getAccessKey(accessKeyId: string): Promise<AccessKeyRecord | undefined> {
    const [r] = await this.#read<AccessKeyRow<Bigint>>("SELECT * FROM access_keys WHERE access_key_id = $1", [accessKeyId]);
    return r && accessKeyFromRow(r);
  }

  async listAccessKeys(principalArn: string): Promise<readonly AccessKeyRecord[]> {
    const rows = await this.#read<AccessKeyRow<Bigint>>(
      "SELECT * FROM access_keys WHERE principal_arn = $1 ORDER BY access_key_id",
      [principalArn],
    );
    return rows.map(accessKeyFromRow);
  }

  async deleteAccessKey(accessKeyId: string): Promise<boolean> {
    return this.#write(async (q) => (await q("DELETE FROM access_keys WHERE access_key_id = $1", [accessKeyId])) === 1);
  }

  // ---- role sessions

  async putRoleSession(r: RoleSessionRecord): Promise<void> {
    await this.#write(async (q) => {
      await q(
        `${ROLE_SESSION_INSERT} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (access_key_id) DO UPDATE SET account_id = excluded.account_id, role_arn = excluded.role_arn,
           role_id = excluded.role_id, session_name = excluded.session_name, session_arn = excluded.session_arn,
           issued_at = excluded.issued_at, expires_at = excluded.expires_at, root_version = excluded.root_version,
           wrapped_secret = excluded.wrapped_secret, token_sha256 = excluded.token_sha256`,
        roleSessionColumns(r),
      );
    });
  }

  async getRoleSession(accessKeyId: string): Promise<RoleSessionRecord | undefined> {
    const [r] = await this.#read<RoleSessionRow<Bigint>>("SELECT * FROM role_sessions WHERE access_key_id = $1", [accessKeyId]);
    return r && roleSessionFromRow(r);
  }

  async deleteRoleSessionsOf(roleArn: string): Promise<number> {
    return this.#write((q) => q("DELETE FROM role_sessions WHERE role_arn = $1", [roleArn]));
  }

  async deleteExpiredRoleSessions(now: number, limit: number): Promise<number> {
    return this.#write((q) =>
      q(
        `DELETE FROM role_sessions WHERE access_key_id IN
           (SELECT access_key_id FROM role_sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`,
        [now, Math.max(0, Math.floor(limit))],
      ),
    );
  }

  async deleteRoleSessionsNotUnder(rootVersion: string): Promise<number> {
    return this.#write((q) => q("DELETE FROM role_sessions WHERE root_version <> $1", [rootVersion]));
  }

  // ---- custom key stores

  async createCustomKeyStore(cks: CustomKeyStoreRecord): Promise<void> {
    try {
      await this.#write((q) =>
        q(
          `INSERT INTO custom_key_stores (custom_key_store_id, account_id, region, name, cluster_id, root_version, wrapped_password, revision, doc)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          customKeyStoreColumns(cks, 1),
        ),
      );
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(customKeyStoreConflict(e, cks));
      throw e;
    }
  }

  async getCustomKeyStore(customKeyStoreId: string): Promise<CustomKeyStoreRecord | undefined> {
    const [r] = await this.#read<CustomKeyStoreRow>("SELECT * FROM custom_key_stores WHERE custom_key_store_id = $1", [customKeyStoreId]);
    return r && customKeyStoreFromRow(r);
  }

  async listCustomKeyStores(
    partition: { readonly accountId: string; readonly region: string } | undefined,
    after: string | undefined,
    limit: number,
  ): Promise<Page<CustomKeyStoreRecord>> {
    const rows =
      partition === undefined
        ? await this.#read<CustomKeyStoreRow>(
            "SELECT * FROM custom_key_stores WHERE custom_key_store_id > $1 ORDER BY custom_key_store_id LIMIT $2",
            [after ?? "", limit + 1],
          )
        : await this.#read<CustomKeyStoreRow>(
            `SELECT * FROM custom_key_stores WHERE account_id = $1 AND region = $2 AND custom_key_store_id > $3
             ORDER BY custom_key_store_id LIMIT $4`,
            [partition.accountId, partition.region, after ?? "", limit + 1],
          );
    return pageOf(rows.map(customKeyStoreFromRow), limit, (c) => c.customKeyStoreId);
  }

  async updateCustomKeyStore(cks: CustomKeyStoreRecord, expectedRevision: number): Promise<CustomKeyStoreRecord> {
    const revision = expectedRevision + 1;
    const [id, ...rest] = customKeyStoreColumns(cks, revision);
    try {
      await this.#write(async (q) => {
        const n = await q(
          `UPDATE custom_key_stores SET account_id = $1, region = $2, name = $3, cluster_id = $4, root_version = $5,
             wrapped_password = $6, revision = $7, doc = $8
           WHERE custom_key_store_id = $9 AND revision = $10`,
          [...rest, id, expectedRevision],
        );
        if (n !== 1) throw new RevisionConflict();
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DuplicateEntry(customKeyStoreConflict(e, cks));
      throw e;
    }
    return { ...cks, password: { rootVersion: cks.password.rootVersion, blob: Buffer.from(cks.password.blob) }, revision };
  }

  async deleteCustomKeyStore(customKeyStoreId: string): Promise<boolean> {
    return this.#write(async (q) => (await q("DELETE FROM custom_key_stores WHERE custom_key_store_id = $1", [customKeyStoreId])) === 1);
  }

  async customKeyStoreHasKeys(customKeyStoreId: string): Promise<boolean> {
    // Keys are documents; the check is rare (DeleteCustomKeyStore), so a scan is fine.
    const [r] = await this.#read<{ x: boolean }>(
      "SELECT EXISTS (SELECT 1 FROM keys WHERE (doc::json ->> 'customKeyStoreId') = $1) AS x",
      [customKeyStoreId],
    );
    return r?.x === true;
  }

  async resetKeys(): Promise<void> {
    await this.#write(async (q) => {
      // Keys first, for the same reason as in deleteKey.
      await q("DELETE FROM keys");
      await q("DELETE FROM key_materials");
      await q("DELETE FROM aliases");
      await q("DELETE FROM grants");
      await q("DELETE FROM key_usage");
      await q("DELETE FROM key_last_usage");
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
