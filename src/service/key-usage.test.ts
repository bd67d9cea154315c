import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CallOutcome } from "../api/dispatcher.js";
import { BLOB_OVERHEAD, buildHeader } from "../crypto/ciphertext-blob.js";
import { keyRecordFixture } from "../domain/key-record-fixture.js";
import type { KeyRecord } from "../domain/key-record.js";
import { MemoryStore } from "../store/memory-store.js";
import { FLUSH_CHUNK, KeyUsageTracker } from "./key-usage.js";
import { auditEventId } from "./service-audit.js";

const A = "00000000-0000-4000-8000-00000000000a";
const B = "00000000-0000-4000-8000-00000000000b";
const arn = (id: string) => `arn:aws:kms:us-east-1:111122223333:key/${id}`;
const M1 = "11".repeat(32);
const M2 = "22".repeat(32);

function key(keyId: string, currentMaterialId = M2): KeyRecord {
  return keyRecordFixture({ keyId, createdAt: 1, currentMaterialId });
}

let seq = 0;
function call(operation: string, output: Record<string, unknown>, over: Partial<CallOutcome> = {}): CallOutcome {
  seq++;
  return {
    requestId: `req-${seq}`,
    operation,
    caller: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    input: {},
    output,
    startedAt: 1000 + seq,
    sourceIp: "127.0.0.1",
    userAgent: "",
    ...over,
  };
}

/** A symmetric ciphertext blob (header + tag) naming the key and material. */
function blob(keyId: string, materialId: string): Buffer {
  const header = buildHeader(keyId, materialId, Buffer.alloc(32, 1), Buffer.alloc(12, 2));
  return Buffer.concat([header, Buffer.alloc(BLOB_OVERHEAD - header.length + 8)]);
}

async function storeWith(...keys: KeyRecord[]): Promise<MemoryStore> {
  const s = new MemoryStore();
  for (const k of keys) await s.createKey(k, []);
  return s;
}

describe("KeyUsageTracker", () => {
  it("counts Encrypt against the version its ciphertext names and Decrypt against the version the output names", async () => {
    const store = await storeWith(key(A));
    const t = new KeyUsageTracker(store);
    const enc = call("Encrypt", { KeyId: arn(A), CiphertextBlob: blob(A, M1), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" });
    t.observe(enc);
    t.observe(call("Decrypt", { KeyId: arn(A), KeyMaterialId: M1, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" }));
    const dec2 = call("Decrypt", { KeyId: arn(A), KeyMaterialId: M2 });
    t.observe(dec2);
    await t.flush();
    assert.equal(t.pendingKeys, 0);
    assert.deepEqual(await store.getKeyUsage(A), {
      keyId: A,
      last: { at: dec2.startedAt, operation: "Decrypt", requestId: dec2.requestId, eventId: auditEventId(dec2.requestId) },
      versions: [
        { materialId: M1, encryptions: 1, decryptions: 1, lastEncryptAt: enc.startedAt, lastDecryptAt: enc.startedAt + 1 },
        { materialId: M2, encryptions: 0, decryptions: 1, lastDecryptAt: dec2.startedAt },
      ],
    });
  });

  it("ReEncrypt is a decryption under the source key and an encryption under the destination key, and the last use of both", async () => {
    const store = await storeWith(key(A), key(B));
    const t = new KeyUsageTracker(store);
    const re = call("ReEncrypt", { SourceKeyId: arn(A), KeyId: arn(B), SourceKeyMaterialId: M1, DestinationKeyMaterialId: M2 });
    t.observe(re);
    await t.flush();
    assert.deepEqual((await store.getKeyUsage(A))?.versions, [{ materialId: M1, encryptions: 0, decryptions: 1, lastDecryptAt: re.startedAt }]);
    assert.deepEqual((await store.getKeyUsage(B))?.versions, [{ materialId: M2, encryptions: 1, decryptions: 0, lastEncryptAt: re.startedAt }]);
    assert.equal((await store.getKeyUsage(A))?.last?.operation, "ReEncrypt");
    assert.equal((await store.getKeyUsage(B))?.last?.requestId, re.requestId);
  });

  it("GenerateDataKey counts as an encryption; Sign, Verify and GenerateMac only as the last use", async () => {
    const store = await storeWith(key(A), key(B));
    const t = new KeyUsageTracker(store);
    t.observe(call("GenerateDataKeyWithoutPlaintext", { KeyId: arn(A), KeyMaterialId: M2 }));
    t.observe(call("Sign", { KeyId: arn(B), SigningAlgorithm: "ECDSA_SHA_256" }));
    const mac = call("GenerateMac", { KeyId: arn(B) });
    t.observe(mac);
    await t.flush();
    assert.deepEqual((await store.getKeyUsage(A))?.versions.map((v) => [v.materialId, v.encryptions]), [[M2, 1]]);
    assert.deepEqual(await store.getKeyUsage(B), {
      keyId: B,
      last: { at: mac.startedAt, operation: "GenerateMac", requestId: mac.requestId, eventId: auditEventId(mac.requestId) },
      versions: [],
    });
  });

  it("failed calls, operations that are not uses, and calls without a key change nothing", async () => {
    const store = await storeWith(key(A));
    const t = new KeyUsageTracker(store);
    t.observe(call("Encrypt", { KeyId: arn(A) }, { errorCode: "DisabledException" }));
    t.observe(call("Decrypt", {}, { errorCode: "InvalidCiphertextException", output: undefined }));
    t.observe(call("DescribeKey", { KeyMetadata: { KeyId: A } }));
    t.observe(call("GetPublicKey", { KeyId: arn(A) }));
    t.observe(call("GenerateRandom", { Plaintext: Buffer.alloc(4) }));
    t.observe(call("GetKeyLastUsage", { KeyId: A }));
    t.observe(call("Encrypt", {}, { operation: undefined }));
    assert.equal(t.pendingKeys, 0);
    await t.flush();
    assert.equal(await store.getKeyUsage(A), undefined);
  });

  it("an asymmetric key's use is counted against the key's current material, looked up when flushed", async () => {
    const store = await storeWith(key(A, M1));
    const t = new KeyUsageTracker(store);
    t.observe(call("Encrypt", { KeyId: arn(A), CiphertextBlob: Buffer.alloc(256), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    t.observe(call("Decrypt", { KeyId: arn(A), EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }));
    await t.flush();
    assert.deepEqual(
      (await store.getKeyUsage(A))?.versions.map((v) => [v.materialId, v.encryptions, v.decryptions]),
      [[M1, 1, 1]],
    );
  });

  it("usageOf adds what is not flushed yet to what the store has, and the store view answers getKeyUsage through it", async () => {
    const store = await storeWith(key(A));
    const t = new KeyUsageTracker(store);
    t.observe(call("Decrypt", { KeyId: arn(A), KeyMaterialId: M1 }));
    await t.flush();
    const later = call("Encrypt", { KeyId: arn(A), CiphertextBlob: blob(A, M1), EncryptionAlgorithm: "SYMMETRIC_DEFAULT" });
    t.observe(later);
    assert.equal((await store.getKeyUsage(A))?.last?.operation, "Decrypt", "the store has only the flushed use");
    const seen = await t.usageOf(A);
    assert.equal(seen?.last?.requestId, later.requestId);
    assert.deepEqual(seen?.versions.map((v) => [v.encryptions, v.decryptions]), [[1, 1]]);
    const view = t.storeView(store);
    assert.deepEqual(await view.getKeyUsage(A), seen);
    assert.equal((await view.getKey(A))?.keyId, A, "other members pass through");
    assert.ok(view instanceof MemoryStore);
  });

  it("a flush that fails keeps its usage pending, and the next flush writes it once", async () => {
    const store = await storeWith(key(A));
    const t = new KeyUsageTracker(store);
    t.observe(call("Decrypt", { KeyId: arn(A), KeyMaterialId: M1 }));
    store.failWrites(1);
    await assert.rejects(t.flush());
    assert.equal(t.pendingKeys, 1);
    t.observe(call("Decrypt", { KeyId: arn(A), KeyMaterialId: M1 }));
    await t.flush();
    assert.equal((await store.getKeyUsage(A))?.versions[0]?.decryptions, 2);
    await t.flush();
    assert.equal((await store.getKeyUsage(A))?.versions[0]?.decryptions, 2, "nothing is written twice");
  });

  it("a flush of more keys than one store call takes writes them in chunks; a failed chunk and the rest stay pending, once", async () => {
    const n = FLUSH_CHUNK * 2 + 5;
    const ids = Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, "0")}`);
    const store = await storeWith(...ids.map((id) => key(id)));
    const t = new KeyUsageTracker(store);
    const calls: number[] = [];
    const addKeyUsage = store.addKeyUsage.bind(store);
    store.addKeyUsage = async (deltas) => {
      calls.push(deltas.length);
      if (calls.length === 2) throw new Error("injected: the second chunk fails");
      return addKeyUsage(deltas);
    };
    for (const id of ids) t.observe(call("Decrypt", { KeyId: arn(id), KeyMaterialId: M1 }));
    await assert.rejects(t.flush(), /second chunk/);
    assert.deepEqual(calls, [FLUSH_CHUNK, FLUSH_CHUNK]);
    assert.equal(t.pendingKeys, n - FLUSH_CHUNK);
    assert.equal((await t.usageOf(ids[0] as string))?.versions[0]?.decryptions, 1, "a written key is not counted twice");
    await t.flush();
    assert.deepEqual(calls.slice(2), [FLUSH_CHUNK, 5]);
    assert.equal(t.pendingKeys, 0);
    for (const id of [ids[0], ids[FLUSH_CHUNK], ids[n - 1]] as string[]) {
      assert.equal((await store.getKeyUsage(id))?.versions[0]?.decryptions, 1, id);
    }
  });

  it("usageOf while a chunk is being written counts each use once", async () => {
    const store = await storeWith(key(A));
    const t = new KeyUsageTracker(store);
    const addKeyUsage = store.addKeyUsage.bind(store);
    let committed!: () => void;
    const wasCommitted = new Promise<void>((resolve) => (committed = resolve));
    store.addKeyUsage = async (deltas) => {
      await addKeyUsage(deltas); // committed in the store ...
      committed();
      await new Promise((resolve) => setTimeout(resolve, 20)); // ... but the call has not returned yet
    };
    t.observe(call("Decrypt", { KeyId: arn(A), KeyMaterialId: M1 }));
    const flushed = t.flush();
    await wasCommitted;
    assert.equal((await t.usageOf(A))?.versions[0]?.decryptions, 1);
    await flushed;
    assert.equal((await t.usageOf(A))?.versions[0]?.decryptions, 1);
  });

  it("usage of a key deleted before the flush is dropped by the store", async () => {
    const store = await storeWith(key(A));
    const t = new KeyUsageTracker(store);
    t.observe(call("Decrypt", { KeyId: arn(A), KeyMaterialId: M1 }));
    await store.deleteKey(A);
    await t.flush();
    assert.equal(await store.getKeyUsage(A), undefined);
    assert.equal(t.pendingKeys, 0);
  });

  it("auditEventId is a UUID-shaped id determined by the request id", () => {
    const a = auditEventId("2f1e0a44-55c1-4b7e-9a51-0b9f3c1d2e3f");
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(auditEventId("2f1e0a44-55c1-4b7e-9a51-0b9f3c1d2e3f"), a);
    assert.notEqual(auditEventId("another request"), a);
  });
});
