import { KMSClient } from "@aws-sdk/client-kms";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveConfig } from "../../src/service/config.js";
import { Trent, type TrentDeps } from "../../src/service/trent.js";

export const DEV_ACCOUNT = "111122223333";
export const REGION = "us-east-1";

export interface Harness {
  readonly trent: Trent;
  readonly endpoint: string;
  readonly dataDir: string;
  /** A KMS client of the dev account (test/test) unless other credentials are given. */
  client(opts?: { region?: string; accessKeyId?: string; secretAccessKey?: string }): KMSClient;
  /** POST /_trent/reset */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(prefix = "trent-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts a real Trent (SQLite, software keystore) on 127.0.0.1 with a free port and a temp data dir. */
export async function startTrent(
  deps: TrentDeps = {},
  env: Record<string, string> = {},
  prepare?: (dataDir: string) => Promise<void>,
): Promise<Harness> {
  const dataDir = tempDir();
  await prepare?.(dataDir);
  const config = resolveConfig({ port: "0", dataDir }, { ...env });
  const trent = await Trent.start(config, { log: () => {}, ...deps });
  const endpoint = trent.endpoint;
  const clients: KMSClient[] = [];
  return {
    trent,
    endpoint,
    dataDir,
    client(opts = {}) {
      const c = new KMSClient({
        endpoint,
        region: opts.region ?? REGION,
        maxAttempts: 1,
        credentials: { accessKeyId: opts.accessKeyId ?? "test", secretAccessKey: opts.secretAccessKey ?? "test" },
      });
      clients.push(c);
      return c;
    },
    async reset() {
      const r = await fetch(`${endpoint}/_trent/reset`, { method: "POST" });
      if (r.status !== 200) throw new Error(`reset failed: ${r.status}`);
    },
    async stop() {
      for (const c of clients) c.destroy();
      await trent.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Awaits a promise that must reject with the named AWS error; returns the error. */
export async function expectError(p: Promise<unknown>, name: string): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    const err = e as Error & { $metadata?: { httpStatusCode?: number } };
    if (err.name !== name) throw new Error(`expected ${name}, got ${err.name}: ${err.message}`);
    return err;
  }
  throw new Error(`expected ${name}, but the call succeeded`);
}
