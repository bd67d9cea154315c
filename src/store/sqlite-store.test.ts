import Database from "better-sqlite3";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { SQLITE_MIGRATIONS } from "./sqlite-migrations.js";
import { SqliteStore } from "./sqlite-store.js";
import { runStoreContract } from "./store-contract.js";

runStoreContract("sqlite", async () => {
  const dir = await mkdtemp(join(tmpdir(), "trent-sqlite-contract-"));
  const path = join(dir, "trent.db");
  let store = new SqliteStore(path);
  return {
    store,
    injectFailures: (n) => store.failWrites(n),
    reopen: async () => {
      await store.close();
      store = new SqliteStore(path);
      return store;
    },
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe("sqlite store schema and durability settings", () => {
  let dir = "";
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "trent-sqlite-schema-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("a new database is migrated to user_version = the number of migrations, and reopening it migrates nothing again", async () => {
    const path = join(dir, "fresh.db");
    const store = new SqliteStore(path);
    assert.equal(store.readPragma("user_version"), SQLITE_MIGRATIONS.length);
    await store.close();
    const again = new SqliteStore(path);
    assert.equal(again.readPragma("user_version"), SQLITE_MIGRATIONS.length);
    await again.close();
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma("user_version", { simple: true }), SQLITE_MIGRATIONS.length);
    } finally {
      raw.close();
    }
  });

  it("a version-1 database holding data is migrated to the newest version; its data is kept and the grant and re-wrap methods work on it", async () => {
    const path = join(dir, "v1.db");
    const K = "00000000-0000-4000-8000-000000000001";
    const M = "ab".repeat(32);
    const G = "cd".repeat(32);
    const ALICE = "arn:aws:iam::111111111111:user/alice";
    const key = {
      keyId: K,
      accountId: "111111111111",
      region: "us-east-1",
      createdAt: 1_700_000_000_000,
      description: "from version 1",
      keyUsage: "ENCRYPT_DECRYPT",
      keySpec: "SYMMETRIC_DEFAULT",
      origin: "AWS_KMS",
      keyState: "Enabled",
      policy: "{}",
      tags: [],
      rotation: { enabled: false, periodDays: 365, onDemandCount: 0 },
      currentMaterialId: M,
    };
    const v1 = new Database(path);
    v1.exec(SQLITE_MIGRATIONS[0] ?? "");
    v1.pragma("user_version = 1");
    v1.prepare("INSERT INTO keys (key_id, account_id, region, revision, due_at, doc) VALUES (?, ?, ?, 3, NULL, ?)").run(
      K,
      key.accountId,
      key.region,
      JSON.stringify(key),
    );
    v1.prepare(
      "INSERT INTO key_materials (key_id, material_id, created_at, origin, root_version, wrapped, public_key) VALUES (?, ?, 1, 'CREATE', 'root-v1', ?, NULL)",
    ).run(K, M, Buffer.from([0, 1, 2]));
    v1.prepare("INSERT INTO accounts (account_id, created_at) VALUES ('111111111111', 1)").run();
    v1.prepare("INSERT INTO principals (arn, account_id, doc) VALUES (?, '111111111111', ?)").run(
      ALICE,
      JSON.stringify({ arn: ALICE, accountId: "111111111111", type: "IAMUser", name: "alice", principalId: "AIDA1", createdAt: 1, policies: {} }),
    );
    v1.prepare(
      "INSERT INTO access_keys (access_key_id, principal_arn, account_id, root_version, wrapped_secret, created_at, status) VALUES ('AKIA1', ?, '111111111111', 'root-v1', ?, 1, 'Active')",
    ).run(ALICE, Buffer.from([9, 9]));
    v1.close();

    const store = new SqliteStore(path);
    try {
      assert.equal(store.readPragma("user_version"), SQLITE_MIGRATIONS.length);
      assert.deepEqual(await store.getKey(K), { ...key, revision: 3 });
      assert.equal(await store.accountHasKeys("111111111111"), true);
      assert.equal(await store.countWrappedUnder("root-v1"), 2);
      const refs = await store.listWrappedNotUnder("root-v2", 10);
      assert.deepEqual(refs, [
        { kind: "material", keyId: K, materialId: M, wrapped: { rootVersion: "root-v1", blob: Buffer.from([0, 1, 2]) } },
        { kind: "access-key", accessKeyId: "AKIA1", wrapped: { rootVersion: "root-v1", blob: Buffer.from([9, 9]) } },
      ]);
      for (const r of refs) assert.equal(await store.replaceWrapped(r, { rootVersion: "root-v2", blob: Buffer.from([7]) }), true);
      assert.equal(await store.countWrappedUnder("root-v2"), 2);
      const grant = {
        grantId: G,
        keyId: K,
        keyAccountId: "111111111111",
        region: "us-east-1",
        granteePrincipal: ALICE,
        retiringPrincipal: ALICE,
        operations: ["Decrypt"],
        issuingAccount: "arn:aws:iam::111111111111:root",
        createdAt: 5,
      };
      await store.createGrant(grant);
      assert.deepEqual(await store.listGrantsForGrantee(K, ALICE), [grant]);
      assert.deepEqual(await store.listRetirableGrants(ALICE, undefined, 10), { items: [grant] });
      assert.equal(await store.deleteAccount("111111111111"), true);
      assert.equal(await store.getAccessKey("AKIA1"), undefined);
    } finally {
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      const indexes = raw
        .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .all()
        .map((r) => r.name);
      for (const i of ["grants_by_key", "grants_by_grantee", "grants_by_retiring", "key_materials_by_root", "access_keys_by_root", "access_keys_by_account"]) {
        assert.ok(indexes.includes(i), `index ${i}`);
      }
    } finally {
      raw.close();
    }
  });

  it("opening a database whose user_version is newer than this Trent is refused with a clear error and leaves it untouched", async () => {
    const path = join(dir, "newer.db");
    const newer = SQLITE_MIGRATIONS.length + 1;
    const raw = new Database(path);
    raw.exec("CREATE TABLE from_the_future (x INTEGER)");
    raw.pragma(`user_version = ${newer}`);
    raw.close();
    assert.throws(
      () => new SqliteStore(path),
      (e: unknown) => e instanceof Error && /schema version/.test(e.message) && e.message.includes(String(newer)),
    );
    const check = new Database(path, { readonly: true });
    try {
      assert.equal(check.pragma("user_version", { simple: true }), newer);
      assert.deepEqual(
        check.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all(),
        [{ name: "from_the_future" }],
      );
    } finally {
      check.close();
    }
  });

  it("the store runs with journal_mode = wal and synchronous = FULL (2)", async () => {
    const path = join(dir, "pragmas.db");
    const store = new SqliteStore(path);
    try {
      assert.equal(store.readPragma("journal_mode"), "wal");
      assert.equal(store.readPragma("synchronous"), 2);
    } finally {
      await store.close();
    }
    const raw = new Database(path, { readonly: true });
    try {
      assert.equal(raw.pragma("journal_mode", { simple: true }), "wal", "WAL is recorded in the file itself");
    } finally {
      raw.close();
    }
  });

  it("several processes opening the same new database at once all succeed and migrate it once", async () => {
    const moduleUrl = new URL("./sqlite-store.js", import.meta.url).href;
    const code = `import { SqliteStore } from ${JSON.stringify(moduleUrl)};
      const s = new SqliteStore(process.argv[1]); await s.close();`;
    const run = promisify(execFile);
    for (let round = 0; round < 3; round++) {
      const path = join(dir, `race-${round}.db`);
      const opened = await Promise.allSettled(
        Array.from({ length: 4 }, () => run(process.execPath, ["--input-type=module", "-e", code, path])),
      );
      for (const r of opened) assert.equal(r.status, "fulfilled", r.status === "rejected" ? String(r.reason) : "");
      const store = new SqliteStore(path);
      assert.equal(store.readPragma("user_version"), SQLITE_MIGRATIONS.length);
      await store.close();
    }
  });
});
