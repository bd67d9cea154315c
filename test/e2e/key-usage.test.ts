/**
 * GetKeyLastUsage and per-version usage counts: recorded as calls are answered, kept across a
 * restart, readable by operators (GET /_trent/keys/ID/usage and `trent key usage`).
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateRandomCommand,
  GetKeyLastUsageCommand,
  type GetKeyLastUsageCommandOutput,
  GetPublicKeyCommand,
  KMSClient,
  ReEncryptCommand,
  RotateKeyOnDemandCommand,
  ScheduleKeyDeletionCommand,
  SignCommand,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { queryAuditLog } from "../../src/audit/index.js";
import { resolveConfig } from "../../src/service/config.js";
import { Identities } from "../../src/service/identities.js";
import type { KeyUsageReport } from "../../src/service/key-usage-report.js";
import { Trent } from "../../src/service/trent.js";
import { DEV_ACCOUNT, createKeyId, expectError, REGION, tempDir } from "../support/harness.js";

const MAIN = join(process.cwd(), "dist", "src", "cli", "main.js");
const dataDir = tempDir("trent-usage-");
let trent: Trent;
let kms: KMSClient;

async function start(): Promise<void> {
  // A flush interval longer than the file: what the tests see before a restart is the unflushed view.
  trent = await Trent.start(resolveConfig({ port: "0", dataDir }, { TRENT_USAGE_FLUSH_MS: "600000" }), { log: () => {} });
  kms = client();
}

function client(credentials = { accessKeyId: "test", secretAccessKey: "test" }): KMSClient {
  return new KMSClient({ endpoint: trent.endpoint, region: REGION, maxAttempts: 1, credentials });
}

before(start);
after(async () => {
  kms.destroy();
  await trent.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function usageReport(keyId: string): Promise<{ status: number; body: KeyUsageReport }> {
  const r = await fetch(`${trent.endpoint}/_trent/keys/${encodeURIComponent(keyId)}/usage`);
  return { status: r.status, body: (await r.json()) as KeyUsageReport };
}

describe("GetKeyLastUsage", () => {
  test("a key never used has an empty KeyLastUsage, and on a service tracking since before the key TrackingStartDate is its creation date", async () => {
    const key = await kms.send(new CreateKeyCommand({}));
    const r = await kms.send(new GetKeyLastUsageCommand({ KeyId: key.KeyMetadata?.KeyId }));
    assert.equal(r.KeyId, key.KeyMetadata?.KeyId);
    assert.deepEqual(r.KeyLastUsage, {});
    assert.equal(r.KeyCreationDate?.getTime(), key.KeyMetadata?.CreationDate?.getTime());
    assert.equal(r.TrackingStartDate?.getTime(), key.KeyMetadata?.CreationDate?.getTime());
  });

  test("after Encrypt it names Encrypt, the call's time, its request id and the eventID of its audit record", async () => {
    const keyId = await createKeyId(kms);
    const before = Date.now();
    const enc = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("hello") }));
    const r = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    const u = r.KeyLastUsage;
    assert.equal(u?.Operation, "Encrypt");
    assert.equal(u?.KmsRequestId, enc.$metadata.requestId);
    const at = u?.Timestamp?.getTime() ?? 0;
    assert.ok(at >= before - 1000 && at <= Date.now() + 1000, "the time of the call");
    // The audit record of that Encrypt carries the same event id.
    let record: { eventID: string } | undefined;
    for (let i = 0; i < 40 && record === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      for await (const e of queryAuditLog(join(dataDir, "audit"), { eventName: "Encrypt", key: keyId })) {
        if (e.event.requestID === enc.$metadata.requestId) record = e.event;
      }
    }
    assert.ok(record, "the Encrypt is on the audit log");
    assert.equal(u?.CloudTrailEventId, record.eventID);
  });

  test("Decrypt, GenerateDataKey and ReEncrypt (on both keys) are uses; DescribeKey, GetPublicKey, GenerateRandom and failed calls are not", async () => {
    const a = await createKeyId(kms);
    const b = await createKeyId(kms);
    const last = async (keyId: string) => (await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }))).KeyLastUsage;
    const ct = await kms.send(new EncryptCommand({ KeyId: a, Plaintext: Buffer.from("x") }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob }));
    assert.equal((await last(a))?.Operation, "Decrypt");
    assert.equal((await last(a))?.KmsRequestId, dec.$metadata.requestId);
    await kms.send(new DescribeKeyCommand({ KeyId: a }));
    await kms.send(new GenerateRandomCommand({ NumberOfBytes: 8 }));
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: ct.CiphertextBlob, EncryptionContext: { wrong: "context" } })), "InvalidCiphertextException");
    assert.equal((await last(a))?.KmsRequestId, dec.$metadata.requestId, "neither a read nor a failed call is a use");
    await kms.send(new GenerateDataKeyCommand({ KeyId: b, KeySpec: "AES_256" }));
    assert.equal((await last(b))?.Operation, "GenerateDataKey");
    const re = await kms.send(new ReEncryptCommand({ CiphertextBlob: ct.CiphertextBlob, DestinationKeyId: b }));
    for (const k of [a, b]) {
      assert.equal((await last(k))?.Operation, "ReEncrypt");
      assert.equal((await last(k))?.KmsRequestId, re.$metadata.requestId);
    }
    const signing = await createKeyId(kms, { KeySpec: "ECC_NIST_P256", KeyUsage: "SIGN_VERIFY" });
    await kms.send(new GetPublicKeyCommand({ KeyId: signing }));
    assert.deepEqual(await last(signing), {});
    await kms.send(new SignCommand({ KeyId: signing, Message: Buffer.from("m"), SigningAlgorithm: "ECDSA_SHA_256" }));
    assert.equal((await last(signing))?.Operation, "Sign");
  });

  test("it takes a key id or key ARN but not an alias, and answers for a disabled key and a key pending deletion", async () => {
    const keyId = await createKeyId(kms);
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("x") }));
    const arn = `arn:aws:kms:${REGION}:${DEV_ACCOUNT}:key/${keyId}`;
    assert.equal((await kms.send(new GetKeyLastUsageCommand({ KeyId: arn }))).KeyLastUsage?.Operation, "Encrypt");
    await kms.send(new CreateAliasCommand({ AliasName: "alias/usage-test", TargetKeyId: keyId }));
    await expectError(kms.send(new GetKeyLastUsageCommand({ KeyId: "alias/usage-test" })), "NotFoundException");
    await expectError(kms.send(new GetKeyLastUsageCommand({ KeyId: "00000000-0000-4000-8000-000000000000" })), "NotFoundException");
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    assert.equal((await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }))).KeyLastUsage?.Operation, "Encrypt");
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    assert.equal((await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }))).KeyLastUsage?.Operation, "Encrypt");
  });

  test("it needs kms:GetKeyLastUsage: a user allowed only kms:Encrypt is denied, one allowed kms:GetKeyLastUsage is not", async () => {
    const keyId = await createKeyId(kms);
    const ids = new Identities(trent.store, trent.keystore);
    const user = await ids.createPrincipal(DEV_ACCOUNT, "IAMUser", "usage-reader");
    const allow = (action: string) =>
      JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
    await ids.putPolicy(user.arn, "p", allow("kms:Encrypt"));
    const ak = await ids.createAccessKey(user.arn);
    const asUser = client({ accessKeyId: ak.accessKeyId, secretAccessKey: ak.secretAccessKey });
    try {
      await expectError(asUser.send(new GetKeyLastUsageCommand({ KeyId: keyId })), "AccessDeniedException");
      await ids.putPolicy(user.arn, "p", allow("kms:GetKeyLastUsage"));
      let r: GetKeyLastUsageCommandOutput | undefined;
      for (let i = 0; i < 40 && r === undefined; i++) {
        r = await asUser.send(new GetKeyLastUsageCommand({ KeyId: keyId })).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 50)); // identity policies are cached briefly
          return undefined;
        });
      }
      assert.deepEqual(r?.KeyLastUsage, {});
    } finally {
      asUser.destroy();
    }
  });
});

describe("usage per backing-key version", () => {
  let keyId = "";
  let oldBlob: Uint8Array = new Uint8Array();

  test("after a rotation, decryptions of old ciphertexts count against the old version and encryptions against the new one (GET /_trent/keys/ID/usage)", async () => {
    keyId = await createKeyId(kms);
    oldBlob = (await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("old") }))).CiphertextBlob ?? oldBlob;
    await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("old 2") }));
    await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: oldBlob }));
    const oldVersion = dec.KeyMaterialId ?? "";
    await kms.send(new DecryptCommand({ CiphertextBlob: oldBlob }));
    const fresh = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" }));
    const newVersion = fresh.KeyMaterialId ?? "";
    assert.notEqual(oldVersion, newVersion);

    const { status, body } = await usageReport(keyId);
    assert.equal(status, 200);
    assert.equal(body.keyId, keyId);
    assert.equal(body.lastUsage?.operation, "GenerateDataKey");
    const [first, second] = body.versions;
    assert.equal(body.versions.length, 2);
    assert.deepEqual(
      [first?.keyMaterialId, first?.current, first?.encryptions, first?.decryptions, first?.origin],
      [oldVersion, false, 2, 2, "CREATE"],
    );
    assert.deepEqual(
      [second?.keyMaterialId, second?.current, second?.encryptions, second?.decryptions, second?.origin],
      [newVersion, true, 1, 0, "ROTATION_ON_DEMAND"],
    );
    assert.ok(first?.lastDecryptAt !== null && first?.lastEncryptAt !== null);
    assert.equal(second?.lastDecryptAt, null);
  });

  test("the usage endpoint answers 404 for an unknown key and takes a key ARN", async () => {
    assert.equal((await usageReport("00000000-0000-4000-8000-000000000000")).status, 404);
    const byArn = await usageReport(`arn:aws:kms:${REGION}:${DEV_ACCOUNT}:key/${keyId}`);
    assert.equal(byArn.status, 200);
    assert.equal(byArn.body.versions.length, 2);
  });

  test("usage survives a restart: GetKeyLastUsage and the counts are the same from the new process", async () => {
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: oldBlob }));
    const before = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.equal(before.KeyLastUsage?.KmsRequestId, dec.$metadata.requestId);
    kms.destroy();
    await trent.stop();
    await start();
    const after = await kms.send(new GetKeyLastUsageCommand({ KeyId: keyId }));
    assert.deepEqual(after.KeyLastUsage, before.KeyLastUsage);
    assert.equal(after.TrackingStartDate?.getTime(), before.TrackingStartDate?.getTime());
    const report = (await usageReport(keyId)).body;
    assert.deepEqual(report.versions.map((v) => [v.encryptions, v.decryptions]), [
      [2, 3],
      [1, 0],
    ]);
  });

  test("`trent key usage --key-id ID --output json` reads the same counts from the data directory", async () => {
    await fetch(`${trent.endpoint}/_trent/keys/${keyId}/usage`); // flushes what is pending
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("TRENT_")) env[k] = v;
    const run = promisify(execFile);
    const out = await run(process.execPath, [MAIN, "key", "usage", "--data-dir", dataDir, "--key-id", keyId, "--output", "json"], { env });
    const report = JSON.parse(out.stdout) as KeyUsageReport;
    assert.equal(report.keyId, keyId);
    assert.deepEqual(report.versions.map((v) => [v.encryptions, v.decryptions, v.current]), [
      [2, 3, false],
      [1, 0, true],
    ]);
    const text = await run(process.execPath, [MAIN, "key", "usage", "--data-dir", dataDir, "--key-id", keyId], { env });
    assert.match(text.stdout, /encryptions 2 .*decryptions 3/);
    assert.match(text.stdout, /\[current\]/);
    await assert.rejects(
      run(process.execPath, [MAIN, "key", "usage", "--data-dir", dataDir, "--key-id", "00000000-0000-4000-8000-000000000000"], { env }),
      /no key/,
    );
  });
});
