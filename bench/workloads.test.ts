import { strict as assert } from "node:assert";
import { test } from "node:test";
import { parseOptions } from "./options.js";
import { makeWorkload, verifyBody, type WorkloadSpec } from "./workloads.js";

const KEY = "1234abcd-12ab-34cd-56ef-1234567890ab";
const ARN = `arn:aws:kms:us-east-1:111122223333:key/${KEY}`;
const b64 = (n: number): string => Buffer.alloc(n, 7).toString("base64");
const ok = (j: Record<string, unknown>): { status: number; body: string } => ({ status: 200, body: JSON.stringify(j) });

const SIGN_ECC: WorkloadSpec = { op: "Sign", plaintextBytes: 64, keySpec: "ECC_NIST_P256", algorithm: "ECDSA_SHA_256" };
const SIGN_RSA: WorkloadSpec = { op: "Sign", plaintextBytes: 64, keySpec: "RSA_2048", algorithm: "RSASSA_PSS_SHA_256" };

test("Sign: a signature of the key spec's size, the algorithm and the key must come back", () => {
  const w = makeWorkload(SIGN_ECC, [KEY], undefined, false);
  const req = w.next();
  const body = JSON.parse(req.body) as Record<string, unknown>;
  assert.equal(body["MessageType"], "RAW");
  assert.equal(Buffer.from(String(body["Message"]), "base64").length, 64);
  assert.equal(w.check(ok({ KeyId: ARN, Signature: b64(71), SigningAlgorithm: "ECDSA_SHA_256" }), req), undefined);
  assert.match(w.check(ok({ KeyId: ARN, SigningAlgorithm: "ECDSA_SHA_256" }), req) ?? "", /no signature/);
  assert.match(w.check(ok({ KeyId: ARN, Signature: b64(71), SigningAlgorithm: "ECDSA_SHA_384" }), req) ?? "", /SigningAlgorithm/);
  assert.match(w.check({ status: 400, body: "{}" }, req) ?? "", /HTTP 400/);
  const rsa = makeWorkload(SIGN_RSA, [KEY], undefined, false);
  const r2 = rsa.next();
  assert.equal(rsa.check(ok({ KeyId: ARN, Signature: b64(256), SigningAlgorithm: "RSASSA_PSS_SHA_256" }), r2), undefined);
  assert.match(rsa.check(ok({ KeyId: ARN, Signature: b64(71), SigningAlgorithm: "RSASSA_PSS_SHA_256" }), r2) ?? "", /no signature/);
});

test("Verify: only SignatureValid true for the pool entry's key passes", () => {
  const entry = { keyId: KEY, body: verifyBody(KEY, b64(64), "ECDSA_SHA_256", b64(71)), plaintextB64: "" };
  const w = makeWorkload({ ...SIGN_ECC, op: "Verify" }, [KEY], [entry], false);
  const req = w.next();
  assert.equal(req.body, entry.body);
  assert.equal(w.check(ok({ KeyId: ARN, SignatureValid: true, SigningAlgorithm: "ECDSA_SHA_256" }), req), undefined);
  assert.match(w.check(ok({ KeyId: ARN, SignatureValid: false }), req) ?? "", /SignatureValid/);
  assert.match(w.check(ok({ KeyId: ARN.replace(KEY, "other"), SignatureValid: true }), req) ?? "", /is not key/);
  assert.throws(() => makeWorkload({ ...SIGN_ECC, op: "Verify" }, [KEY], [], false));
});

test("GenerateMac: a 32-byte MAC; GenerateDataKeyPair: public key and both private keys", () => {
  const mac = makeWorkload({ op: "GenerateMac", plaintextBytes: 64, keySpec: "HMAC_256", algorithm: "HMAC_SHA_256" }, [KEY], undefined, false);
  const m = mac.next();
  assert.equal(mac.check(ok({ KeyId: ARN, Mac: b64(32), MacAlgorithm: "HMAC_SHA_256" }), m), undefined);
  assert.match(mac.check(ok({ KeyId: ARN, Mac: b64(20) }), m) ?? "", /32-byte/);
  const dkp = makeWorkload({ op: "GenerateDataKeyPair", plaintextBytes: 0, keySpec: "ECC_NIST_P256" }, [KEY], undefined, false);
  const d = dkp.next();
  const full = { KeyId: ARN, KeyPairSpec: "ECC_NIST_P256", PublicKey: b64(91), PrivateKeyCiphertextBlob: b64(300), PrivateKeyPlaintext: b64(138) };
  assert.equal(dkp.check(ok(full), d), undefined);
  assert.match(dkp.check(ok({ ...full, PublicKey: undefined }), d) ?? "", /public key/);
  assert.match(dkp.check(ok({ ...full, PrivateKeyCiphertextBlob: undefined }), d) ?? "", /encrypted private key/);
});

test("--ops splits the main table's operations from the key-type section's", () => {
  const all = parseOptions([], {});
  assert.deepEqual(all.workloads.map((w) => w.op), ["Encrypt", "Encrypt", "Decrypt", "GenerateDataKey"]);
  assert.deepEqual(all.keyTypeWorkloads.map((w) => w.op), ["Sign", "Verify", "Sign", "Verify", "GenerateMac", "GenerateDataKeyPair"]);
  const some = parseOptions(["--ops", "encrypt64,sign-rsa,mac"], {});
  assert.equal(some.workloads.length, 1);
  assert.deepEqual(some.keyTypeWorkloads.map((w) => `${w.op}/${w.keySpec ?? ""}`), ["Sign/RSA_2048", "GenerateMac/HMAC_256"]);
  assert.throws(() => parseOptions(["--ops", "sign-dsa"], {}), /unknown op/);
});
