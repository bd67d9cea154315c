import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { resolveConfig } from "../../src/service/config.js";
import { Identities } from "../../src/service/identities.js";
import { Trent } from "../../src/service/trent.js";
import { REGION, tempDir } from "../support/harness.js";

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function start(dataDir: string): Promise<{ trent: Trent; kms: KMSClient }> {
  const trent = await Trent.start(resolveConfig({ port: "0", dataDir }, {}), { log: () => {} });
  const kms = new KMSClient({
    endpoint: trent.endpoint,
    region: REGION,
    maxAttempts: 1,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  return { trent, kms };
}

function rootVersionsOnDisk(dataDir: string): string[] {
  const f = JSON.parse(readFileSync(join(dataDir, "root-key.json"), "utf8")) as { versions: { id: string }[] };
  return f.versions.map((v) => v.id);
}

async function encryptSome(kms: KMSClient, n: number): Promise<{ blob: Uint8Array; text: string }[]> {
  const out: { blob: Uint8Array; text: string }[] = [];
  for (let i = 0; i < n; i++) {
    const keyId = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.KeyId;
    const text = `secret ${i}`;
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(text) }));
    out.push({ blob: enc.CiphertextBlob ?? new Uint8Array(), text });
  }
  return out;
}

async function assertAllDecrypt(kms: KMSClient, items: { blob: Uint8Array; text: string }[]): Promise<void> {
  for (const it of items) {
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: it.blob }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), it.text);
  }
}

describe("root key rotation", () => {
  test("rotate-root re-wraps every key and access key under a new root, retires the old one, and nothing stops decrypting", async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    let { trent, kms } = await start(dataDir);
    const ids = new Identities(trent.store, trent.keystore);
    const user = await ids.createPrincipal("111122223333", "IAMUser", "rotator");
    const key = await ids.createAccessKey(user.arn);
    const items = await encryptSome(kms, 5);
    const before = rootVersionsOnDisk(dataDir);
    assert.equal(before.length, 1);

    const res = await fetch(`${trent.endpoint}/_trent/operator/rotate-root`, { method: "POST", body: "{}" });
    assert.equal(res.status, 200);
    const report = (await res.json()) as { rootVersion: string; rewrapped: number; failed: number; retired: string[] };
    assert.equal(report.failed, 0);
    // 5 key materials + 2 access keys (test, the user's) + the audit signing key.
    assert.ok(report.rewrapped >= 8, `rewrapped ${report.rewrapped}`);
    assert.deepEqual(report.retired, before);
    assert.deepEqual(rootVersionsOnDisk(dataDir), [report.rootVersion]);
    assert.equal(await trent.store.countWrappedUnder(before[0] ?? ""), 0);
    await assertAllDecrypt(kms, items);

    // After a restart nothing is cached: everything must unwrap under the new root alone.
    kms.destroy();
    await trent.stop();
    ({ trent, kms } = await start(dataDir));
    await assertAllDecrypt(kms, items);
    const userKms = new KMSClient({
      endpoint: trent.endpoint,
      region: REGION,
      maxAttempts: 1,
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    });
    await userKms.send(new CreateKeyCommand({})).catch((e: Error) => {
      // The user has no IAM policy: a denial (not an authentication failure) proves the secret unwrapped.
      assert.notEqual(e.name, "UnrecognizedClientException");
      assert.notEqual(e.name, "InvalidSignatureException");
    });
    userKms.destroy();
    kms.destroy();
    await trent.stop();
  });

  test("a rotation interrupted by a crash is finished at the next start, and ciphertexts decrypt throughout", async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    let { trent, kms } = await start(dataDir);
    const items = await encryptSome(kms, 4);
    const old = rootVersionsOnDisk(dataDir);
    // The crash: a new root version is current, but nothing has been re-wrapped yet.
    await trent.keystore.rotateRoot();
    assert.equal(rootVersionsOnDisk(dataDir).length, 2);
    assert.ok((await trent.store.countWrappedUnder(old[0] ?? "")) >= 4);
    kms.destroy();
    await trent.stop();

    ({ trent, kms } = await start(dataDir));
    // Start-up runs the scheduler once, which finishes the rotation.
    const versions = rootVersionsOnDisk(dataDir);
    assert.equal(versions.length, 1);
    assert.notEqual(versions[0], old[0]);
    assert.equal(await trent.store.countWrappedUnder(old[0] ?? ""), 0);
    await assertAllDecrypt(kms, items);
    kms.destroy();
    await trent.stop();
  });
});
