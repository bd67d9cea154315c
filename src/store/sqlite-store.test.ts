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
