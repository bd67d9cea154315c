import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createSoftHsmToken, softHsmSkipReason, type SoftHsmToken } from "../../test/support/softhsm.js";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KeystoreError } from "./keystore.js";
import { Pkcs11Keystore, nextVersionId, type Pkcs11KeystoreConfig } from "./pkcs11-keystore.js";
import { Pkcs11KeyExistsError, Pkcs11KeyNotFoundError, Pkcs11Token, ckrName } from "./pkcs11-token.js";

const skip = softHsmSkipReason();

function isKeystoreError(reason: KeystoreError["reason"], pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof KeystoreError, `expected a KeystoreError, got ${String(e)}`);
    assert.equal(e.reason, reason, e.message);
    if (pattern !== undefined) assert.match(e.message, pattern);
    return true;
  };
}

const material = (): SecretBytes => SecretBytes.adopt(randomBytes(32));
const bind = (s: string): Buffer => Buffer.from(s, "utf8");

describe("nextVersionId", () => {
  test("a new root version id sorts after every existing one even when the clock went backwards", () => {
    const first = nextVersionId([], new Date("2026-11-22T07:07:48.123Z"));
    assert.match(first, /^20261122T070748123Z-[0-9a-f]{8}$/);
    const second = nextVersionId([first], new Date("2026-01-01T00:00:00.000Z"));
    assert.ok(second > first, `${second} should sort after ${first}`);
    assert.match(second, /^20261122T070748124Z-/);
  });
});

describe("PKCS#11 keystore on SoftHSM2", { skip }, () => {
  let hsm: SoftHsmToken;
  let config: Pkcs11KeystoreConfig;
  let ks: Pkcs11Keystore;

  before(async () => {
    hsm = createSoftHsmToken({ label: "trent-keystore-test" });
    // SoftHSM finds tokens at C_Initialize: make every token of this file before the first open.
    hsm.addToken("trent-doomed");
    config = { modulePath: hsm.modulePath, tokenLabel: hsm.label, pin: { file: hsm.pinFile } };
    ks = await Pkcs11Keystore.open(config);
  });

  after(async () => {
    await ks?.close();
    hsm?.cleanup();
  });

  test("the first start creates one root version and wraps with AES-GCM in the token", () => {
    assert.equal(ks.rootVersions().length, 1);
    assert.equal(ks.status().rootVersion, ks.rootVersions()[0]);
    assert.equal(ks.status().sealed, false);
    assert.equal(ks.status().kind, "pkcs11");
    assert.equal(ks.mechanism, "aes-gcm");
  });

  test("wrap then unwrap returns the same material, and the blob does not contain it", async () => {
    const m = material();
    const w = await ks.wrap(m, bind("key-1/v1"));
    assert.equal(w.rootVersion, ks.status().rootVersion);
    assert.equal(w.blob.indexOf(m.expose()), -1);
    assert.equal(w.blob.length, 1 + 12 + 32 + 16);
    const back = await ks.unwrap(w, bind("key-1/v1"));
    assert.ok(back.equals(m));
  });

  test("unwrap with a different binding fails with unwrap-failed", async () => {
    const w = await ks.wrap(material(), bind("key-1/v1"));
    await assert.rejects(ks.unwrap(w, bind("key-2/v1")), isKeystoreError("unwrap-failed"));
    // The failed decryption leaves the session pool usable.
    assert.equal((await ks.unwrap(w, bind("key-1/v1"))).length, 32);
  });

  test("a changed, truncated or unknown-format blob fails with unwrap-failed", async () => {
    const w = await ks.wrap(material(), bind("b"));
    const flipped = Buffer.from(w.blob);
    flipped[20] = (flipped[20] ?? 0) ^ 1;
    await assert.rejects(ks.unwrap({ ...w, blob: flipped }, bind("b")), isKeystoreError("unwrap-failed"));
    await assert.rejects(ks.unwrap({ ...w, blob: w.blob.subarray(0, 20) }, bind("b")), isKeystoreError("unwrap-failed"));
    const format = Buffer.from(w.blob);
    format[0] = 0x7f;
    await assert.rejects(ks.unwrap({ ...w, blob: format }, bind("b")), isKeystoreError("unwrap-failed"));
  });

  test("a root version that never existed gives unknown-root-version", async () => {
    const w = await ks.wrap(material(), bind("b"));
    await assert.rejects(ks.unwrap({ ...w, rootVersion: "20000101T000000000Z-00000000" }, bind("b")), isKeystoreError("unknown-root-version"));
  });

  test("the root key is a sensitive, never-extractable token object whose value cannot be read", async () => {
    const version = ks.status().rootVersion ?? "";
    const label = ks.rootKeyLabel(version);
    assert.match(label, /^trent-root-/);
    const attrs = await ks.token.keyAttributes(label);
    assert.deepEqual(
      { token: attrs.token, private: attrs.private, sensitive: attrs.sensitive, extractable: attrs.extractable },
      { token: true, private: true, sensitive: true, extractable: false },
    );
    assert.equal(attrs.alwaysSensitive, true);
    assert.equal(attrs.neverExtractable, true);
    assert.equal(attrs.valueLen, 32);
    assert.equal(Buffer.from(attrs.id, "hex").toString("utf8"), version);

    const readValue = await ks.token.withSession("read CKA_VALUE", (lib, session, findKey) => {
      const h = findKey(label);
      assert.ok(h !== undefined);
      try {
        lib.C_GetAttributeValue(session, h, [{ type: 17 /* CKA_VALUE */ }]);
        return "readable";
      } catch (e) {
        return ckrName(e);
      }
    });
    assert.equal(readValue, "CKR_ATTRIBUTE_SENSITIVE");

    // An independent PKCS#11 client sees the same.
    const out = execFileSync(
      "pkcs11-tool",
      ["--module", hsm.modulePath, "--token-label", hsm.label, "--login", "--pin", hsm.pin, "--list-objects", "--type", "secrkey", "--label", label],
      { env: hsm.env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
    );
    assert.match(out, new RegExp(`label:\\s+${label}`));
    assert.match(out, /Access:.*\bsensitive\b/);
    assert.match(out, /Access:.*never extractable/);
    assert.doesNotMatch(out, /Access:.*\bextractable\b(?<!never extractable)/);
  });

  test("a new keystore instance on the same token (after the module was finalized) unwraps old blobs", async () => {
    const m = material();
    const w = await ks.wrap(m, bind("restart"));
    const versions = ks.rootVersions();
    await ks.close();
    ks = await Pkcs11Keystore.open(config);
    assert.deepEqual(ks.rootVersions(), versions);
    assert.equal(ks.status().rootVersion, w.rootVersion);
    assert.ok((await ks.unwrap(w, bind("restart"))).equals(m));
  });

  test("rotateRoot adds a current version; blobs of the old version still unwrap", async () => {
    const m = material();
    const old = await ks.wrap(m, bind("rot"));
    const v2 = await ks.rotateRoot();
    assert.notEqual(v2, old.rootVersion);
    assert.equal(ks.status().rootVersion, v2);
    assert.ok(ks.rootVersions().includes(old.rootVersion));
    const fresh = await ks.wrap(m, bind("rot"));
    assert.equal(fresh.rootVersion, v2);
    assert.ok((await ks.unwrap(old, bind("rot"))).equals(m));
    assert.ok((await ks.unwrap(fresh, bind("rot"))).equals(m));
    // The blob of one version does not open under another.
    await assert.rejects(ks.unwrap({ ...old, rootVersion: v2 }, bind("rot")), isKeystoreError("unwrap-failed"));
  });

  test("a second instance on the token unwraps a blob of a version the first created after it started", async () => {
    const other = await Pkcs11Keystore.open(config);
    try {
      const v = await ks.rotateRoot();
      const m = material();
      const w = await ks.wrap(m, bind("multi-node"));
      assert.equal(w.rootVersion, v);
      assert.ok(!other.rootVersions().includes(v));
      assert.ok((await other.unwrap(w, bind("multi-node"))).equals(m));
      assert.equal(other.status().rootVersion, v);
    } finally {
      await other.close();
    }
  });

  test("retireRootVersion destroys the token object; its blobs then fail with unknown-root-version", async () => {
    const old = await ks.wrap(material(), bind("retire"));
    await ks.rotateRoot();
    await assert.rejects(ks.retireRootVersion(ks.status().rootVersion ?? ""), /current root version/);
    await ks.retireRootVersion(old.rootVersion);
    assert.ok(!ks.rootVersions().includes(old.rootVersion));
    assert.equal(await ks.token.hasKey(ks.rootKeyLabel(old.rootVersion)), false);
    await assert.rejects(ks.unwrap(old, bind("retire")), isKeystoreError("unknown-root-version"));
  });

  test("200 concurrent wraps and unwraps all succeed", async () => {
    const items = Array.from({ length: 200 }, (_, i) => ({ m: material(), b: bind(`k${i}`) }));
    const wrapped = await Promise.all(items.map((x) => ks.wrap(x.m, x.b)));
    const back = await Promise.all(wrapped.map((w, i) => ks.unwrap(w, items[i]?.b ?? Buffer.alloc(0))));
    back.forEach((b, i) => assert.ok(b.equals(items[i]?.m ?? material())));
    assert.equal(new Set(wrapped.map((w) => w.blob.toString("hex"))).size, 200);
  });

  test("a session closed under the pool is replaced, with a new login, and the call succeeds", async () => {
    const m = material();
    const w = await ks.wrap(m, bind("lost"));
    await ks.token.withSession("close all sessions", (lib, session) => {
      lib.C_CloseAllSessions(lib.C_GetSessionInfo(session).slotID);
    });
    assert.ok((await ks.unwrap(w, bind("lost"))).equals(m));
  });

  test("a wrong PIN gives unavailable with a message that names the cause but not the PIN", async () => {
    const wrongPinFile = join(hsm.dir, "wrong-pin");
    writeFileSync(wrongPinFile, "97531\n");
    const wrongPin = { ...config, pin: { file: wrongPinFile } };
    // Nothing logged in: the token itself refuses the PIN.
    await ks.close();
    await assert.rejects(Pkcs11Keystore.open(wrongPin), (e: unknown) => {
      isKeystoreError("unavailable", /PIN was refused \(CKR_PIN_INCORRECT\)/)(e);
      assert.doesNotMatch((e as Error).message, /97531/);
      return true;
    });
    ks = await Pkcs11Keystore.open(config);
    // Logged in already (PKCS#11 login is per process): a different PIN is still refused.
    await assert.rejects(Pkcs11Keystore.open(wrongPin), (e: unknown) => {
      isKeystoreError("unavailable", /PIN was refused/)(e);
      assert.doesNotMatch((e as Error).message, /97531/);
      return true;
    });
    // The keystore that is open is unaffected.
    assert.equal((await ks.wrap(material(), bind("x"))).rootVersion, ks.status().rootVersion);
  });

  test("the PIN can come from an environment variable; an unset one is named in the error", async () => {
    process.env["TRENT_TEST_HSM_PIN"] = hsm.pin;
    const viaEnv = await Pkcs11Keystore.open({ ...config, pin: { env: "TRENT_TEST_HSM_PIN" } });
    await viaEnv.close();
    delete process.env["TRENT_TEST_HSM_PIN"];
    await assert.rejects(Pkcs11Keystore.open({ ...config, pin: { env: "TRENT_TEST_HSM_PIN" } }), isKeystoreError("unavailable", /TRENT_TEST_HSM_PIN is not set/));
  });

  test("a token label that no slot has gives unavailable naming the labels present", async () => {
    await assert.rejects(
      Pkcs11Keystore.open({ ...config, tokenLabel: "no-such-token" }),
      isKeystoreError("unavailable", /no PKCS#11 token labelled "no-such-token".*"trent-keystore-test"/),
    );
  });

  test("a module path that cannot be loaded gives unavailable", async () => {
    await assert.rejects(Pkcs11Keystore.open({ ...config, modulePath: join(hsm.dir, "missing.so") }), isKeystoreError("unavailable", /cannot load the PKCS#11 module/));
  });

  test("the RFC 5649 key-wrap fallback round-trips and binds the blob to its binding", async () => {
    const kwp = await Pkcs11Keystore.onToken(ks.token, { mechanism: "aes-key-wrap-pad", rootLabelPrefix: "trent-kwp-root-" });
    assert.equal(kwp.mechanism, "aes-key-wrap-pad");
    const m = SecretBytes.adopt(randomBytes(45));
    const w = await kwp.wrap(m, bind("kwp"));
    assert.equal(w.blob[0], 0x02);
    assert.ok((await kwp.unwrap(w, bind("kwp"))).equals(m));
    await assert.rejects(kwp.unwrap(w, bind("other")), isKeystoreError("unwrap-failed"));
    const flipped = Buffer.from(w.blob);
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    await assert.rejects(kwp.unwrap({ ...w, blob: flipped }, bind("kwp")), isKeystoreError("unwrap-failed"));
    const attrs = await ks.token.keyAttributes(kwp.rootKeyLabel(w.rootVersion));
    assert.equal(attrs.extractable, false);
    await kwp.close(); // does not own the token
    assert.equal((await ks.wrap(material(), bind("still-open"))).rootVersion, ks.status().rootVersion);
  });

  test("token keys: AES-GCM with AAD inside the token, refusing a wrong AAD, a taken label and a missing key", async () => {
    const token = ks.token;
    const ref = await token.generateAesKey("trent-test-cks-key-1");
    assert.equal(ref.label, "trent-test-cks-key-1");
    assert.match(ref.id, /^[0-9a-f]{32}$/);
    await assert.rejects(token.generateAesKey("trent-test-cks-key-1"), Pkcs11KeyExistsError);
    const iv = randomBytes(12);
    const ct = await token.encryptGcm(ref.label, iv, bind("aad"), bind("hello"));
    assert.equal(ct.length, 5 + 16);
    assert.equal((await token.decryptGcm(ref.label, iv, bind("aad"), ct)).expose().toString("utf8"), "hello");
    await assert.rejects(token.decryptGcm(ref.label, iv, bind("AAD"), ct), isKeystoreError("unwrap-failed"));
    await assert.rejects(token.encryptGcm("no-such-key", iv, bind("aad"), bind("x")), Pkcs11KeyNotFoundError);
    assert.deepEqual(await token.listAesKeys("trent-test-cks-"), ["trent-test-cks-key-1"]);
    await token.destroyKey(ref.label);
    assert.deepEqual(await token.listAesKeys("trent-test-cks-"), []);
  });

  test("a token deleted under a running keystore gives unavailable, not a crash", async () => {
    const doomed = await Pkcs11Keystore.open({ ...config, tokenLabel: "trent-doomed" });
    try {
      const w = await doomed.wrap(material(), bind("doomed"));
      execFileSync("softhsm2-util", ["--delete-token", "--token", "trent-doomed"], { env: hsm.env, stdio: "pipe" });
      await assert.rejects(doomed.wrap(material(), bind("doomed")), isKeystoreError("unavailable", /missing from token "trent-doomed"/));
      await assert.rejects(doomed.unwrap(w, bind("doomed")), isKeystoreError("unavailable"));
      await assert.rejects(doomed.rotateRoot(), isKeystoreError("unavailable"));
    } finally {
      await doomed.close();
    }
    // The other token of the module is unaffected.
    assert.equal((await ks.wrap(material(), bind("x"))).rootVersion, ks.status().rootVersion);
  });

  test("a closed token refuses calls with unavailable instead of crashing", async () => {
    const token = await Pkcs11Token.open(config);
    await token.close();
    await assert.rejects(token.listAesKeys(), isKeystoreError("unavailable", /closed/));
  });
});
