import { join } from "node:path";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import type { Keystore } from "../keystore/keystore.js";
import { SealedKeystore } from "../keystore/sealed-keystore.js";
import { PostgresStore } from "../store/postgres-store.js";
import { SqliteStore } from "../store/sqlite-store.js";
import { readLines } from "./read-lines.js";
import type { Store } from "../store/store.js";
import { defaultDataDir } from "../service/config.js";

export interface OpenedDataDir {
  readonly store: Store;
  readonly keystore: Keystore;
  close(): Promise<void>;
}

/**
 * Opens a data directory directly (SQLite in WAL mode is safe to share with a running server;
 * TRENT_DATABASE_URL selects PostgreSQL). A sealed root is unsealed for the command's duration
 * with shares read from stdin, one per line.
 */
export async function openDataDir(dataDir: string | undefined): Promise<OpenedDataDir> {
  const dir = dataDir ?? process.env["TRENT_DATA_DIR"] ?? defaultDataDir();
  let keystore: Keystore;
  if (SealedKeystore.isInitialized(dir)) {
    const sealed = await SealedKeystore.open(dir);
    const needed = sealed.unsealProgress().threshold;
    for (const share of await readLines(`the root is sealed: ${needed} shares, one per line:\n`, needed)) {
      await sealed.submitShare(share);
    }
    if (sealed.status().sealed) throw new Error("the shares did not unseal the root");
    keystore = sealed;
  } else keystore = SoftwareKeystore.open(dir);
  const url = process.env["TRENT_DATABASE_URL"];
  const store: Store = url !== undefined ? await PostgresStore.open(url) : new SqliteStore(join(dir, "trent.db"));
  return {
    store,
    keystore,
    async close() {
      await store.close();
      await keystore.close();
    },
  };
}

/** Opens only the store of a data directory (SQLite, or TRENT_DATABASE_URL): no keystore, no shares asked. */
export async function openStoreOnly(dataDir: string | undefined): Promise<Store> {
  const dir = dataDir ?? process.env["TRENT_DATA_DIR"] ?? defaultDataDir();
  const url = process.env["TRENT_DATABASE_URL"];
  return url !== undefined ? PostgresStore.open(url) : new SqliteStore(join(dir, "trent.db"));
}

export type OutputFormat = "json" | "text";

/** Prints a result as JSON (for scripts) or as `key: value` lines. */
export function printResult(format: OutputFormat, value: Record<string, unknown> | readonly Record<string, unknown>[]): void {
  if (format === "json") {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    return;
  }
  const rows = Array.isArray(value) ? value : [value];
  for (const row of rows) {
    process.stdout.write(
      `${Object.entries(row)
        .map(([k, v]) => `${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join("\n")}\n`,
    );
    if (rows.length > 1) process.stdout.write("\n");
  }
}
