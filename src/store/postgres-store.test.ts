import { strict as assert } from "node:assert";
import { after, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Client } from "pg";
import { postgresSkipReason, startPostgres, type PostgresServer } from "../../test/support/postgres.js";
import { keyRecordFixture } from "../domain/key-record-fixture.js";
import type { KeyMaterialRecord, KeyRecord } from "../domain/key-record.js";
import { POSTGRES_DATA_TABLES, POSTGRES_MIGRATIONS } from "./postgres-migrations.js";
import { POSTGRES_MIGRATION_LOCK, PostgresStore } from "./postgres-store.js";
import { runStoreContract } from "./store-contract.js";
import { RevisionConflict } from "./store.js";

const skip = postgresSkipReason();

if (skip !== undefined) {
  describe("postgres store", { skip }, () => {
    it("runs against a throwaway PostgreSQL server", () => undefined);
  });
} else {
  // One server for this file, with two databases: one that the store tests share (emptied of
  // data before each test: DELETE is far faster than a new database or TRUNCATE on a busy
  // machine) and one whose schema the migration tests drop and recreate.
  const server: PostgresServer = await startPostgres();
  const admin = new Client({ connectionString: server.connectionString });
  await admin.connect();
  const DATA_DB = "trent_data";
  const SCHEMA_DB = "trent_schema";
  await admin.query(`CREATE DATABASE ${DATA_DB}`);
  await admin.query(`CREATE DATABASE ${SCHEMA_DB}`);
  await (await PostgresStore.open(server.urlFor(DATA_DB))).close();
  const dataAdmin = new Client({ connectionString: server.urlFor(DATA_DB) });
  await dataAdmin.connect();
  const schemaAdmin = new Client({ connectionString: server.urlFor(SCHEMA_DB) });
  await schemaAdmin.connect();

  after(async () => {
    await dataAdmin.end();
    await schemaAdmin.end();
    await admin.end();
    await server.stop();
  });

  /** Empties every data table of the shared database (the schema stays migrated). */
  const emptyData = async (): Promise<void> => {
    await dataAdmin.query(POSTGRES_DATA_TABLES.map((t) => `DELETE FROM ${t};`).join(" "));
  };
  /** Leaves the schema database with nothing in it, as a new database is. */
  const emptySchema = async (): Promise<void> => {
    await schemaAdmin.query("DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
  };

  /** A raw connection to one database, for looking under the store. */
  const raw = async (db: string): Promise<Client> => {
    const c = new Client({ connectionString: server.urlFor(db) });
    await c.connect();
    return c;
  };

  runStoreContract("postgres", async () => {
    await emptyData();
    let store = await PostgresStore.open(server.urlFor(DATA_DB));
    return {
      store,
      injectFailures: (n) => store.failWrites(n),
      reopen: async () => {
        await store.close();
        store = await PostgresStore.open(server.urlFor(DATA_DB));
        return store;
      },
      cleanup: async () => {
        await store.close();
      },
    };
  });

  // ---------------------------------------------------------------------------------------------

  const ACCOUNT = "111111111111";
  const REGION = "us-east-1";
  const K1 = "00000000-0000-4000-8000-000000000001";

  const makeKey = (over: Partial<KeyRecord> = {}): KeyRecord =>
    keyRecordFixture({
      keyId: K1,
      accountId: ACCOUNT,
      region: REGION,
      createdAt: 1_700_000_000_000,
      description: "shared key",
      policy: '{"Version":"2012-10-17","Statement":[]}',
      currentMaterialId: "a".repeat(64),
      ...over,
    });
  const makeMaterial = (n: number): KeyMaterialRecord => ({
    keyId: K1,
    materialId: String(n).repeat(64).slice(0, 64),
    createdAt: 1_700_000_000_000 + n,
    origin: n === 1 ? "CREATE" : "ROTATION_ON_DEMAND",
    wrapped: { rootVersion: "root-v1", blob: Buffer.from([0, n, 255]) },
  });

  /** Two nodes (two stores, two pools) on one emptied database. */
  const twoNodes = async (): Promise<{ a: PostgresStore; b: PostgresStore; done: () => Promise<void> }> => {
    await emptyData();
    const a = await PostgresStore.open(server.urlFor(DATA_DB), { applicationName: "trent-node-a" });
    const b = await PostgresStore.open(server.urlFor(DATA_DB), { applicationName: "trent-node-b" });
    return {
      a,
      b,
      done: async () => {
        await a.close();
        await b.close();
      },
    };
  };

  describe("postgres store across nodes", () => {
    it("of two nodes updating a key from the same revision, the later one gets RevisionConflict and its change is not applied", async () => {
      const { a, b, done } = await twoNodes();
      try {
        await a.createKey(makeKey(), [makeMaterial(1)]);
        const seenByA = await a.getKey(K1);
        const seenByB = await b.getKey(K1);
        assert.equal(seenByA?.revision, 1);
        assert.equal(seenByB?.revision, 1);
        const won = await b.updateKey({ key: makeKey({ keyState: "Disabled" }), expectedRevision: 1 });
        assert.equal(won.revision, 2);
        await assert.rejects(
          a.updateKey({
            key: makeKey({ description: "stale" }),
            expectedRevision: 1,
            addMaterials: [makeMaterial(2)],
            removeMaterialIds: [makeMaterial(1).materialId],
          }),
          RevisionConflict,
        );
        for (const node of [a, b]) {
          assert.deepEqual(await node.getKey(K1), { ...makeKey({ keyState: "Disabled" }), revision: 2 });
          assert.deepEqual(await node.listKeyMaterials(K1), [makeMaterial(1)]);
        }
        const retried = await a.updateKey({ key: makeKey({ keyState: "Disabled", description: "retried" }), expectedRevision: 2 });
        assert.equal(retried.revision, 3, "the loser re-reads and retries from the new revision");
      } finally {
        await done();
      }
    });

    it("two nodes racing on one key while its row is locked: every round exactly one wins and the other gets RevisionConflict", async () => {
      const { a, b, done } = await twoNodes();
      const locker = await raw(DATA_DB);
      try {
        await a.createKey(makeKey(), []);
        for (let round = 0; round < 10; round++) {
          const rev = round + 1;
          // Hold the row so that both updates are in flight (and waiting) at the same time.
          await locker.query("BEGIN");
          await locker.query("SELECT 1 FROM keys WHERE key_id = $1 FOR UPDATE", [K1]);
          const racing = Promise.allSettled([
            a.updateKey({ key: makeKey({ description: `a${round}` }), expectedRevision: rev }),
            b.updateKey({ key: makeKey({ description: `b${round}` }), expectedRevision: rev }),
          ]);
          await waitForLockWaiters(locker, 2);
          await locker.query("COMMIT");
          const results = await racing;
          const won = results.filter((r) => r.status === "fulfilled");
          const lost = results.filter((r) => r.status === "rejected");
          assert.equal(won.length, 1, `round ${round}: one winner`);
          assert.equal(lost.length, 1, `round ${round}: one loser`);
          assert.ok(lost[0]?.status === "rejected" && lost[0].reason instanceof RevisionConflict);
          const stored = await b.getKey(K1);
          assert.equal(stored?.revision, rev + 1);
          assert.deepEqual(stored, won[0]?.status === "fulfilled" ? won[0].value : undefined);
        }
      } finally {
        await locker.end();
        await done();
      }
    });

    it("a state change on one node (disable, policy, alias, delete) is what the other node reads next: nothing is cached", async () => {
      const { a, b, done } = await twoNodes();
      try {
        await a.createKey(makeKey(), [makeMaterial(1)]);
        assert.equal((await b.getKey(K1))?.keyState, "Enabled");
        await a.updateKey({ key: makeKey({ keyState: "Disabled" }), expectedRevision: 1 });
        assert.equal((await b.getKey(K1))?.keyState, "Disabled");
        await b.updateKey({ key: makeKey({ keyState: "Disabled", policy: '{"Statement":[{"Effect":"Deny"}]}' }), expectedRevision: 2 });
        assert.equal((await a.getKey(K1))?.policy, '{"Statement":[{"Effect":"Deny"}]}');
        await a.createAlias({ accountId: ACCOUNT, region: REGION, aliasName: "alias/x", targetKeyId: K1, createdAt: 1, updatedAt: 1 });
        assert.equal((await b.getAlias(ACCOUNT, REGION, "alias/x"))?.targetKeyId, K1);
        await b.deleteKey(K1);
        assert.equal(await a.getKey(K1), undefined);
        assert.equal(await a.getAlias(ACCOUNT, REGION, "alias/x"), undefined);
        assert.deepEqual(await a.listKeyMaterials(K1), []);
      } finally {
        await done();
      }
    });

    it("a write that fails by injection on one node leaves nothing of it for the other node to see", async () => {
      const { a, b, done } = await twoNodes();
      try {
        a.failWrites(1);
        await assert.rejects(a.createKey(makeKey(), [makeMaterial(1), makeMaterial(2)]), /injected/);
        assert.equal(await b.getKey(K1), undefined);
        assert.deepEqual(await b.listKeyMaterials(K1), []);
        assert.equal(await b.countKeys(), 0);
        await a.createKey(makeKey(), [makeMaterial(1)]);
        assert.equal((await b.getKey(K1))?.revision, 1);
      } finally {
        await done();
      }
    });

    it("a node whose pooled connections the server terminated keeps running, and its next reads and writes succeed", async () => {
      const { a, b, done } = await twoNodes();
      try {
        await a.createKey(makeKey(), []);
        assert.equal((await a.getKey(K1))?.revision, 1, "node a has a pooled connection now");
        const killed = await admin.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'trent-node-a'",
          [DATA_DB],
        );
        assert.ok((killed.rowCount ?? 0) >= 1);
        await sleep(50);
        assert.equal((await a.getKey(K1))?.revision, 1);
        assert.equal((await a.updateKey({ key: makeKey({ description: "after" }), expectedRevision: 1 })).revision, 2);
        assert.equal((await b.getKey(K1))?.description, "after");
      } finally {
        await done();
      }
    });
  });

  describe("postgres store schema migrations", () => {
    const url = server.urlFor(SCHEMA_DB);
    const versions = async (): Promise<number[]> =>
      (await schemaAdmin.query<{ version: number }>("SELECT version FROM schema_version ORDER BY version")).rows.map((r) => r.version);
    const expected = POSTGRES_MIGRATIONS.map((_, i) => i + 1);

    it("opening an empty database migrates it to the newest version, and reopening migrates nothing again", async () => {
      await emptySchema();
      await (await PostgresStore.open(url)).close();
      assert.deepEqual(await versions(), expected);
      const applied = async (): Promise<string[]> =>
        (await schemaAdmin.query<{ applied_at: string }>("SELECT applied_at FROM schema_version ORDER BY version")).rows.map(
          (r) => r.applied_at,
        );
      const first = await applied();
      const tables = await schemaAdmin.query<{ tablename: string }>(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename",
      );
      assert.deepEqual(tables.rows.map((r) => r.tablename), [...POSTGRES_DATA_TABLES, "schema_version"].sort());
      await (await PostgresStore.open(url)).close();
      assert.deepEqual(await applied(), first);
      assert.deepEqual(await versions(), expected);
    });

    it("a version-1 database holding data is migrated to the newest version; its data is kept and the grant and re-wrap methods work on it", async () => {
      await emptySchema();
      await schemaAdmin.query("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
      await schemaAdmin.query(POSTGRES_MIGRATIONS[0] ?? "");
      await schemaAdmin.query("INSERT INTO schema_version (version, applied_at) VALUES (1, 0)");
      const key = makeKey();
      const { revision: _r, ...doc } = key;
      await schemaAdmin.query("INSERT INTO keys (key_id, account_id, region, revision, due_at, doc) VALUES ($1, $2, $3, 4, NULL, $4)", [
        K1,
        ACCOUNT,
        REGION,
        JSON.stringify(doc),
      ]);
      const m = makeMaterial(1);
      await schemaAdmin.query(
        `INSERT INTO key_materials (key_id, material_id, created_at, origin, root_version, wrapped, public_key)
         VALUES ($1, $2, $3, $4, $5, $6, NULL)`,
        [m.keyId, m.materialId, m.createdAt, m.origin, m.wrapped.rootVersion, m.wrapped.blob],
      );
      await schemaAdmin.query(
        `INSERT INTO access_keys (access_key_id, principal_arn, account_id, root_version, wrapped_secret, created_at, status)
         VALUES ('AKIA1', $1, $2, 'root-v1', $3, 1, 'Active')`,
        [`arn:aws:iam::${ACCOUNT}:user/alice`, ACCOUNT, Buffer.from([9, 9])],
      );
      const store = await PostgresStore.open(url);
      try {
        assert.deepEqual(await versions(), expected);
        assert.deepEqual(await store.getKey(K1), { ...key, revision: 4 });
        assert.deepEqual(await store.listKeyMaterials(K1), [m]);
        assert.equal(await store.accountHasKeys(ACCOUNT), true);
        assert.equal(await store.countWrappedUnder("root-v1"), 2);
        const refs = await store.listWrappedNotUnder("root-v2", 10);
        assert.deepEqual(refs, [
          { kind: "material", keyId: K1, materialId: m.materialId, wrapped: m.wrapped },
          { kind: "access-key", accessKeyId: "AKIA1", wrapped: { rootVersion: "root-v1", blob: Buffer.from([9, 9]) } },
        ]);
        for (const r of refs) assert.equal(await store.replaceWrapped(r, { rootVersion: "root-v2", blob: Buffer.from([7]) }), true);
        assert.equal(await store.countWrappedUnder("root-v2"), 2);
        const grant = {
          grantId: "cd".repeat(32),
          keyId: K1,
          keyAccountId: ACCOUNT,
          region: REGION,
          granteePrincipal: `arn:aws:iam::${ACCOUNT}:user/alice`,
          operations: ["Decrypt"],
          issuingAccount: `arn:aws:iam::${ACCOUNT}:root`,
          createdAt: 5,
        };
        await store.createGrant(grant);
        assert.deepEqual(await store.listGrantsForGrantee(K1, grant.granteePrincipal), [grant]);
      } finally {
        await store.close();
      }
      const collations = await schemaAdmin.query<{ table_name: string; collation_name: string | null }>(
        `SELECT table_name, collation_name FROM information_schema.columns
         WHERE table_schema = current_schema() AND column_name = 'root_version' ORDER BY table_name`,
      );
      assert.deepEqual(collations.rows, [
        { table_name: "access_keys", collation_name: "C" },
        { table_name: "custom_key_stores", collation_name: "C" },
        { table_name: "key_materials", collation_name: "C" },
        { table_name: "role_sessions", collation_name: "C" },
      ]);
      const indexes = (
        await schemaAdmin.query<{ indexname: string }>("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")
      ).rows.map((r) => r.indexname);
      for (const i of ["grants_by_key", "grants_by_grantee", "grants_by_retiring", "key_materials_by_root", "access_keys_by_root", "access_keys_by_account"]) {
        assert.ok(indexes.includes(i), `index ${i}`);
      }
    });

    it("several nodes opening the same empty database at once all succeed, and each migration is applied exactly once", async () => {
      for (let round = 0; round < 3; round++) {
        await emptySchema();
        const opened = await Promise.allSettled(
          Array.from({ length: 6 }, (_, i) => PostgresStore.open(url, { applicationName: `trent-race-${i}` })),
        );
        const stores = opened.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
        try {
          for (const r of opened) assert.equal(r.status, "fulfilled", r.status === "rejected" ? String(r.reason) : "");
          assert.deepEqual(await versions(), expected);
          await stores[0]?.createKey(makeKey(), []);
          for (const s of stores) assert.equal((await s.getKey(K1))?.revision, 1);
        } finally {
          for (const s of stores) await s.close();
        }
      }
    });

    it("a node opening the database waits while another holds the migration lock, and proceeds once it is released", async () => {
      await emptySchema();
      const holder = await raw(SCHEMA_DB);
      try {
        await holder.query("BEGIN");
        await holder.query("SELECT pg_advisory_xact_lock($1::bigint)", [POSTGRES_MIGRATION_LOCK]);
        let settled = false;
        const opening = PostgresStore.open(url).finally(() => {
          settled = true;
        });
        await waitForLockWaiters(schemaAdmin, 1);
        await sleep(100);
        assert.equal(settled, false, "open() is blocked on the advisory lock");
        const t = await schemaAdmin.query("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'keys'");
        assert.equal(t.rowCount, 0, "nothing was created while the lock was held elsewhere");
        await holder.query("COMMIT");
        await (await opening).close();
        assert.deepEqual(await versions(), expected);
      } finally {
        await holder.end();
      }
    });

    it("opening a database whose schema version is newer than this Trent is refused with a clear error and leaves it untouched", async () => {
      await emptySchema();
      await (await PostgresStore.open(url)).close();
      const newer = POSTGRES_MIGRATIONS.length + 1;
      await schemaAdmin.query("CREATE TABLE from_the_future (x INTEGER)");
      await schemaAdmin.query("INSERT INTO schema_version (version, applied_at) VALUES ($1, 0)", [newer]);
      await assert.rejects(
        PostgresStore.open(url),
        (e: unknown) => e instanceof Error && /schema version/.test(e.message) && e.message.includes(String(newer)),
      );
      assert.deepEqual(await versions(), [...expected, newer]);
      const t = await schemaAdmin.query("SELECT 1 FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'from_the_future'");
      assert.equal(t.rowCount, 1);
    });
  });
}

/**
 * Waits until `n` sessions of the database are waiting for a lock. (Only the first updater waits
 * for the locker itself; the second queues behind the first for the row's tuple lock.)
 */
async function waitForLockWaiters(locker: Client, n: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const r = await locker.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND cardinality(pg_blocking_pids(pid)) > 0`,
    );
    if (Number(r.rows[0]?.n ?? 0) >= n) return;
    await sleep(10);
  }
  throw new Error(`fewer than ${n} sessions came to wait for a lock`);
}
