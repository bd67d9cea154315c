import { CreateKeyCommand, KMSClient, type CreateKeyCommandInput } from "@aws-sdk/client-kms";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before } from "node:test";
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

/** The set-up steps registered so far: settles when the last one did, with its error if it failed. */
let setupChain: Promise<{ readonly error: unknown } | undefined> = Promise.resolve(undefined);

/**
 * Registers a set-up step for the test file, as a node:test `before` hook; the steps run one after
 * another in the order they were registered. Plain top-level `before` hooks do not: on Node 20 each
 * one starts as soon as it is registered, so a second one would not wait for the server the first
 * one starts. A step does not run once an earlier one failed; its hook fails with that error.
 */
export function setup(step: () => unknown): void {
  const run = setupChain.then(async (earlier) => {
    if (earlier !== undefined) throw earlier.error;
    await step();
  });
  setupChain = run.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  before(() => run);
}

/**
 * A value for the whole test file, made by a `setup` step and disposed of by an `after` hook.
 * Returns its getter, which throws until the step has made it (`what` names the helper).
 */
export function useFixture<T>(what: string, make: () => Promise<T>, dispose: (value: T) => Promise<void>): () => T {
  let value: { readonly v: T } | undefined;
  setup(async () => {
    value = { v: await make() };
  });
  after(async () => {
    if (value !== undefined) await dispose(value.v);
  });
  return () => {
    if (value === undefined) throw new Error(`${what}: not set up yet (use it in setup steps and tests)`);
    return value.v;
  };
}

export interface TrentFixture extends Harness {
  /** The dev account's client (`client()`), made when the server started. */
  readonly kms: KMSClient;
}

/**
 * One Trent for the whole test file: started by a `setup` step (so the file's own `setup` steps
 * registered after this call find it running), stopped by an `after` hook. The fixture is usable
 * from inside set-up steps, hooks and tests; before the server started, reading it throws.
 */
export function useTrent(...args: Parameters<typeof startTrent>): TrentFixture {
  const get = useFixture(
    "useTrent",
    async () => {
      const h = await startTrent(...args);
      return { h, kms: h.client() };
    },
    ({ h }) => h.stop(),
  );
  return {
    get trent() {
      return get().h.trent;
    },
    get endpoint() {
      return get().h.endpoint;
    },
    get dataDir() {
      return get().h.dataDir;
    },
    get kms() {
      return get().kms;
    },
    client: (opts) => get().h.client(opts),
    reset: () => get().h.reset(),
    stop: () => get().h.stop(),
  };
}

/** A key's id and ARN as CreateKey returned them ("" for one it left out). */
export interface KeyRef {
  readonly keyId: string;
  readonly arn: string;
}

/** CreateKey; the new key's id and ARN. */
export async function createKeyRef(kms: KMSClient, input: CreateKeyCommandInput = {}): Promise<KeyRef> {
  const md = (await kms.send(new CreateKeyCommand(input))).KeyMetadata;
  return { keyId: md?.KeyId ?? "", arn: md?.Arn ?? "" };
}

/** CreateKey; the new key's id ("" if the answer has none). */
export async function createKeyId(kms: KMSClient, input: CreateKeyCommandInput = {}): Promise<string> {
  return (await kms.send(new CreateKeyCommand(input))).KeyMetadata?.KeyId ?? "";
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
