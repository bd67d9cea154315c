import type Database from "better-sqlite3";
import type { CustomKeyStoreRecord } from "../domain/custom-key-store.js";
import type { WrappedKey } from "../keystore/keystore.js";
import {
  customKeyStoreColumns,
  customKeyStoreConflict,
  customKeyStoreFromRow,
  type CustomKeyStoreRow,
} from "./custom-key-store-rows.js";
import { DuplicateEntry, RevisionConflict, pageOf, type Page } from "./store.js";

type Columns = ReturnType<typeof customKeyStoreColumns>;

function isConstraint(e: unknown): boolean {
  return e instanceof Error && "code" in e && String((e as { code: unknown }).code).startsWith("SQLITE_CONSTRAINT");
}

/**
 * The custom_key_stores table of the SQLite store (migration 4). SqliteStore delegates to it; each
 * write runs in one transaction that ends with `beforeCommit` (the store's fault injection).
 */
export class SqliteCustomKeyStores {
  readonly #db: Database.Database;
  readonly #beforeCommit: () => void;
  readonly #s;

  constructor(db: Database.Database, beforeCommit: () => void) {
    this.#db = db;
    this.#beforeCommit = beforeCommit;
    this.#s = {
      insert: db.prepare<Columns>(
        `INSERT INTO custom_key_stores (custom_key_store_id, account_id, region, name, cluster_id, root_version, wrapped_password, revision, doc)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      get: db.prepare<[string], CustomKeyStoreRow>("SELECT * FROM custom_key_stores WHERE custom_key_store_id = ?"),
      list: db.prepare<[string, string, string, number], CustomKeyStoreRow>(
        `SELECT * FROM custom_key_stores WHERE account_id = ? AND region = ? AND custom_key_store_id > ?
         ORDER BY custom_key_store_id LIMIT ?`,
      ),
      listAll: db.prepare<[string, number], CustomKeyStoreRow>(
        "SELECT * FROM custom_key_stores WHERE custom_key_store_id > ? ORDER BY custom_key_store_id LIMIT ?",
      ),
      cas: db.prepare<[string, string, string, string, string, Buffer, number, string, string, number]>(
        `UPDATE custom_key_stores SET account_id = ?, region = ?, name = ?, cluster_id = ?, root_version = ?,
           wrapped_password = ?, revision = ?, doc = ?
         WHERE custom_key_store_id = ? AND revision = ?`,
      ),
      delete: db.prepare<[string]>("DELETE FROM custom_key_stores WHERE custom_key_store_id = ?"),
      hasKeys: db.prepare<[string], { x: number }>(
        "SELECT EXISTS (SELECT 1 FROM keys WHERE json_extract(doc, '$.customKeyStoreId') = ?) AS x",
      ),
      notUnder: db.prepare<[string, number, string, number, number], CustomKeyStoreRow>(
        `SELECT * FROM (SELECT * FROM custom_key_stores WHERE root_version < ? ORDER BY root_version, custom_key_store_id LIMIT ?)
         UNION ALL
         SELECT * FROM (SELECT * FROM custom_key_stores WHERE root_version > ? ORDER BY root_version, custom_key_store_id LIMIT ?)
         ORDER BY root_version, custom_key_store_id LIMIT ?`,
      ),
      replaceWrapped: db.prepare<[string, Buffer, string, string, Buffer]>(
        `UPDATE custom_key_stores SET root_version = ?, wrapped_password = ?
         WHERE custom_key_store_id = ? AND root_version = ? AND wrapped_password = ?`,
      ),
      countUnder: db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM custom_key_stores WHERE root_version = ?"),
    };
  }

  create(c: CustomKeyStoreRecord): void {
    try {
      this.#db.transaction(() => {
        this.#s.insert.run(...customKeyStoreColumns(c, 1));
        this.#beforeCommit();
      })();
    } catch (e) {
      if (isConstraint(e)) throw new DuplicateEntry(customKeyStoreConflict(e, c));
      throw e;
    }
  }

  get(id: string): CustomKeyStoreRecord | undefined {
    const r = this.#s.get.get(id);
    return r && customKeyStoreFromRow(r);
  }

  list(partition: { readonly accountId: string; readonly region: string } | undefined, after: string | undefined, limit: number): Page<CustomKeyStoreRecord> {
    const rows =
      partition === undefined
        ? this.#s.listAll.all(after ?? "", limit + 1)
        : this.#s.list.all(partition.accountId, partition.region, after ?? "", limit + 1);
    return pageOf(rows.map(customKeyStoreFromRow), limit, (c) => c.customKeyStoreId);
  }

  update(c: CustomKeyStoreRecord, expectedRevision: number): CustomKeyStoreRecord {
    const revision = expectedRevision + 1;
    const [id, ...rest] = customKeyStoreColumns(c, revision);
    try {
      this.#db.transaction(() => {
        if (this.#s.cas.run(...rest, id, expectedRevision).changes !== 1) throw new RevisionConflict();
        this.#beforeCommit();
      })();
    } catch (e) {
      if (isConstraint(e)) throw new DuplicateEntry(customKeyStoreConflict(e, c));
      throw e;
    }
    return { ...c, password: { rootVersion: c.password.rootVersion, blob: Buffer.from(c.password.blob) }, revision };
  }

  delete(id: string): boolean {
    return this.#db.transaction(() => {
      const deleted = this.#s.delete.run(id).changes === 1;
      this.#beforeCommit();
      return deleted;
    })();
  }

  hasKeys(id: string): boolean {
    return this.#s.hasKeys.get(id)?.x === 1;
  }

  /** Passwords not wrapped under `rootVersion`, ordered by (root version, id), at most `limit`. */
  notUnder(rootVersion: string, limit: number): { customKeyStoreId: string; wrapped: WrappedKey }[] {
    return this.#s.notUnder.all(rootVersion, limit, rootVersion, limit, limit).map((r) => ({
      customKeyStoreId: r.custom_key_store_id,
      wrapped: { rootVersion: r.root_version, blob: r.wrapped_password },
    }));
  }

  /** Inside the caller's transaction: compare-and-swap of one password. */
  replaceWrapped(id: string, was: WrappedKey, next: WrappedKey): boolean {
    return this.#s.replaceWrapped.run(next.rootVersion, next.blob, id, was.rootVersion, was.blob).changes === 1;
  }

  countUnder(rootVersion: string): number {
    return this.#s.countUnder.get(rootVersion)?.n ?? 0;
  }
}
