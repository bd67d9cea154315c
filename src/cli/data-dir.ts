import { join } from "node:path";
import { SoftwareKeystore } from "../keystore/software-keystore.js";
import type { Keystore } from "../keystore/keystore.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { defaultDataDir } from "../service/config.js";

export interface OpenedDataDir {
  readonly store: Store;
  readonly keystore: Keystore;
  close(): Promise<void>;
}

/** Opens a data directory directly (SQLite in WAL mode is safe to share with a running server). */
export function openDataDir(dataDir: string | undefined): OpenedDataDir {
  const dir = dataDir ?? process.env["TRENT_DATA_DIR"] ?? defaultDataDir();
  const keystore = SoftwareKeystore.open(dir);
  const store = new SqliteStore(join(dir, "trent.db"));
  return {
    store,
    keystore,
    async close() {
      await store.close();
      await keystore.close();
    },
  };
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
