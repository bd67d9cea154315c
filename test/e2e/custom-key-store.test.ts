import {
  CancelKeyDeletionCommand,
  ConnectCustomKeyStoreCommand,
  CreateAliasCommand,
  CreateCustomKeyStoreCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteCustomKeyStoreCommand,
  DescribeCustomKeyStoresCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisconnectCustomKeyStoreCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyPairCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyRotationStatusCommand,
  ReEncryptCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UpdateCustomKeyStoreCommand,
  UpdateKeyDescriptionCommand,
  type CustomKeyStoresListEntry,
  KMSClient,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { canonicalEncryptionContext } from "../../src/crypto/encryption-context.js";
import { FORMAT_HSM_V1, HSM_HEADER_LEN, parseHsmBlob } from "../../src/crypto/ciphertext-blob.js";
import { hsmKeyLabel } from "../../src/domain/custom-key-store.js";
import { KEY_STATE_TABLE } from "../../src/domain/key-state-table.js";
import { Pkcs11Token } from "../../src/keystore/pkcs11-token.js";
import { resolveConfig } from "../../src/service/config.js";
import { rotateRoot } from "../../src/service/root-rotation.js";
import { Trent } from "../../src/service/trent.js";
import { REGION, expectError, startTrent, type Harness } from "../support/harness.js";
import { SOFTHSM_MODULE, createSoftHsmToken, softHsmSkipReason, type SoftHsmToken } from "../support/softhsm.js";

/**
 * Custom key stores of type AWS_CLOUDHSM backed by SoftHSM tokens, end to end through
 * @aws-sdk/client-kms: the store operations and their connection-state rules, keys whose material
 * is a non-extractable token object, the Unavailable key state while the store is disconnected,
 * deletion, a restart, and the password's secrecy. One Trent for the file (restarted once, on the
 * same data directory, by the restart test); the tokens are made in `prepare`, before any PKCS#11
 * module is loaded in this process (SoftHSM reads SOFTHSM2_CONF at C_Initialize).
 */

const PIN_A = "kmsuser-pass-A1";
const PIN_B = "kmsuser-pass-B2";
const TOKEN_A = "trent-cks-a";
const TOKEN_B = "trent-cks-b";
/** Cluster ids have AWS's shape: cluster- and 11 to 16 of [2-7a-zA-Z]. */
const CLUSTER_A = "cluster-aaaaaaaaaaa";
/** Configured with the same token as CLUSTER_A: a "related" cluster (same backup history on AWS). */
const CLUSTER_A2 = "cluster-aaaaaaaaaab";
const CLUSTER_B = "cluster-bbbbbbbbbbb";
/** Configured, but its token does not exist. */
const CLUSTER_GONE = "cluster-ggggggggggg";
/** Not configured at all. */
const CLUSTER_UNKNOWN = "cluster-uuuuuuuuuuu";
const ANCHOR = "-----BEGIN CERTIFICATE-----\nMIIBdummytrustanchorforthetest\n-----END CERTIFICATE-----\n";
const DAY_MS = 86_400_000;

const skip = softHsmSkipReason();

describe("custom key stores (AWS_CLOUDHSM on a PKCS#11 token)", { skip }, () => {
  let h: Harness;
  /** The running service: h.trent until the restart test starts another on the same data directory. */
  let trent: Trent;
  let kms: KMSClient;
  const clients: KMSClient[] = [];
  const client = (region = REGION): KMSClient => {
    const c = new KMSClient({ endpoint: trent.endpoint, region, maxAttempts: 1, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    clients.push(c);
    return c;
  };
  let hsm: SoftHsmToken;
  /** A session of this test process on token A, to look at what Trent put there. */
  let inspector: Pkcs11Token;
  const env: Record<string, string> = {};
  const logs: string[] = [];
  let offset = 0;
  const deps = { now: () => Date.now() + offset, log: (line: Record<string, unknown>) => void logs.push(JSON.stringify(line)) };

  before(async () => {
    h = await startTrent(deps, env, async () => {
      hsm = createSoftHsmToken({ label: TOKEN_A, pin: PIN_A });
      hsm.addToken(TOKEN_B, PIN_B);
      env["TRENT_HSM_CLUSTERS"] = JSON.stringify({
        [CLUSTER_A]: { modulePath: SOFTHSM_MODULE, tokenLabel: TOKEN_A },
        [CLUSTER_A2]: { modulePath: SOFTHSM_MODULE, tokenLabel: TOKEN_A },
        [CLUSTER_B]: { modulePath: SOFTHSM_MODULE, tokenLabel: TOKEN_B },
        [CLUSTER_GONE]: { modulePath: SOFTHSM_MODULE, tokenLabel: "no-such-token" },
      });
    });
    trent = h.trent;
    kms = client();
    inspector = await Pkcs11Token.open({ modulePath: SOFTHSM_MODULE, tokenLabel: TOKEN_A, pin: { value: PIN_A } });
  });

  after(async () => {
    await inspector?.close();
    for (const c of clients) c.destroy();
    if (trent !== undefined && trent !== h?.trent) await trent.stop();
    await h?.stop();
    hsm?.cleanup();
  });

  const createStore = async (name: string, cluster: string, password = PIN_A): Promise<string> => {
    const r = await kms.send(
      new CreateCustomKeyStoreCommand({ CustomKeyStoreName: name, CloudHsmClusterId: cluster, KeyStorePassword: password, TrustAnchorCertificate: ANCHOR }),
    );
    assert.ok(r.CustomKeyStoreId);
    return r.CustomKeyStoreId;
  };
  const storeOf = async (id: string): Promise<CustomKeyStoresListEntry> => {
    const r = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: id }));
    const [entry, ...more] = r.CustomKeyStores ?? [];
    assert.ok(entry !== undefined && more.length === 0);
    return entry;
  };
  const metadataOf = async (keyId: string): Promise<KeyMetadata> => {
    const md = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    assert.ok(md);
    return md;
  };
  const connect = (id: string) => kms.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  const disconnect = (id: string) => kms.send(new DisconnectCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  const createHsmKey = async (storeId: string, extra: { Description?: string } = {}): Promise<string> => {
    const md = (await kms.send(new CreateKeyCommand({ CustomKeyStoreId: storeId, Origin: "AWS_CLOUDHSM", ...extra }))).KeyMetadata;
    assert.ok(md?.KeyId);
    return md.KeyId;
  };
  const softwareKey = async (): Promise<string> => {
    const md = (await kms.send(new CreateKeyCommand({}))).KeyMetadata;
    assert.ok(md?.KeyId);
    return md.KeyId;
  };

  /** Whether token A holds the label now (searched afresh: hasKey may answer from a handle cache). */
  const inToken = async (label: string): Promise<boolean> => (await inspector.listAesKeys(label)).includes(label);

  // Shared by the tests below, in order.
  let storeA = "";
  let storeB = "";
  let hsmKey = "";

  test("CreateCustomKeyStore makes a DISCONNECTED AWS_CLOUDHSM store with a cks- id; DescribeCustomKeyStores shows it by id, by name and in the list, without the password", async () => {
    const before = Date.now();
    storeA = await createStore("store-a", CLUSTER_A);
    assert.match(storeA, /^cks-[0-9a-f]{17}$/);
    const entry = await storeOf(storeA);
    assert.deepEqual(
      { ...entry, CreationDate: undefined },
      {
        CustomKeyStoreId: storeA,
        CustomKeyStoreName: "store-a",
        CloudHsmClusterId: CLUSTER_A,
        TrustAnchorCertificate: ANCHOR,
        ConnectionState: "DISCONNECTED",
        CustomKeyStoreType: "AWS_CLOUDHSM",
        CreationDate: undefined,
      },
    );
    assert.ok((entry.CreationDate?.getTime() ?? 0) >= before - 1000);
    const byName = await kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: "store-a" }));
    assert.deepEqual(byName.CustomKeyStores, [entry]);
    const all = await kms.send(new DescribeCustomKeyStoresCommand({}));
    assert.deepEqual(all.CustomKeyStores, [entry]);
    assert.equal(all.Truncated, false);
    assert.ok(!JSON.stringify(all).includes(PIN_A));
  });

  test("CreateCustomKeyStore refuses an unconfigured cluster, a taken name, a cluster in use (also through a related cluster id), an EXTERNAL_KEY_STORE without its proxy, and a missing password or trust anchor", async () => {
    const base = { CustomKeyStoreName: "another", KeyStorePassword: PIN_B, TrustAnchorCertificate: ANCHOR };
    await expectError(kms.send(new CreateCustomKeyStoreCommand({ ...base, CloudHsmClusterId: CLUSTER_UNKNOWN })), "CloudHsmClusterNotFoundException");
    await expectError(
      kms.send(new CreateCustomKeyStoreCommand({ ...base, CustomKeyStoreName: "store-a", CloudHsmClusterId: CLUSTER_B })),
      "CustomKeyStoreNameInUseException",
    );
    await expectError(kms.send(new CreateCustomKeyStoreCommand({ ...base, CloudHsmClusterId: CLUSTER_A })), "CloudHsmClusterInUseException");
    await expectError(kms.send(new CreateCustomKeyStoreCommand({ ...base, CloudHsmClusterId: CLUSTER_A2 })), "CloudHsmClusterInUseException");
    const xks = await expectError(
      kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: "xks", CustomKeyStoreType: "EXTERNAL_KEY_STORE" })),
      "ValidationException",
    );
    assert.match(xks.message, /xksProxyConnectivity/);
    await expectError(kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: "x", CloudHsmClusterId: CLUSTER_B, TrustAnchorCertificate: ANCHOR })), "ValidationException");
    await expectError(kms.send(new CreateCustomKeyStoreCommand({ CustomKeyStoreName: "x", CloudHsmClusterId: CLUSTER_B, KeyStorePassword: PIN_B })), "ValidationException");
    assert.equal((await kms.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores?.length, 1, "nothing was created");
  });

  test("DescribeCustomKeyStores pages with Limit and Marker; an unknown id or name, or a store of another Region, is CustomKeyStoreNotFoundException", async () => {
    storeB = await createStore("store-b", CLUSTER_B, PIN_B);
    const p1 = await kms.send(new DescribeCustomKeyStoresCommand({ Limit: 1 }));
    assert.equal(p1.Truncated, true);
    assert.ok(p1.NextMarker);
    const p2 = await kms.send(new DescribeCustomKeyStoresCommand({ Limit: 1, Marker: p1.NextMarker }));
    assert.equal(p2.Truncated, false);
    assert.deepEqual([...(p1.CustomKeyStores ?? []), ...(p2.CustomKeyStores ?? [])].map((s) => s.CustomKeyStoreId).sort(), [storeA, storeB].sort());
    await expectError(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: "cks-0123456789abcdef0" })), "CustomKeyStoreNotFoundException");
    await expectError(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreName: "nope" })), "CustomKeyStoreNotFoundException");
    await expectError(kms.send(new DescribeCustomKeyStoresCommand({ Marker: "bm90IGEgbWFya2Vy" })), "InvalidMarkerException");
    const west = client("us-west-2");
    assert.deepEqual((await west.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores, []);
    await expectError(west.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeA })), "CustomKeyStoreNotFoundException");
    await expectError(west.send(new ConnectCustomKeyStoreCommand({ CustomKeyStoreId: storeA })), "CustomKeyStoreNotFoundException");
  });

  test("a wrong password leaves the store FAILED with INVALID_CREDENTIALS; a FAILED store must be disconnected before it connects again; with the right password it is CONNECTED", async () => {
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, KeyStorePassword: "not-the-pin" }));
    await connect(storeA); // the call succeeds; the attempt fails, as on AWS
    const failed = await storeOf(storeA);
    assert.equal(failed.ConnectionState, "FAILED");
    assert.equal(failed.ConnectionErrorCode, "INVALID_CREDENTIALS");
    assert.equal(trent.customKeyStores.isOpen(storeA), false);
    await expectError(connect(storeA), "CustomKeyStoreInvalidStateException");
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, KeyStorePassword: PIN_A })),
      "CustomKeyStoreInvalidStateException",
    );
    await disconnect(storeA);
    const disconnected = await storeOf(storeA);
    assert.equal(disconnected.ConnectionState, "DISCONNECTED");
    assert.equal(disconnected.ConnectionErrorCode, undefined, "the error code goes with the FAILED state");
    await expectError(disconnect(storeA), "CustomKeyStoreInvalidStateException");
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, KeyStorePassword: PIN_A }));
    await connect(storeA);
    assert.equal((await storeOf(storeA)).ConnectionState, "CONNECTED");
    assert.equal(trent.customKeyStores.isOpen(storeA), true);
    await connect(storeA); // connecting a CONNECTED store does nothing
    assert.equal((await storeOf(storeA)).ConnectionState, "CONNECTED");
  });

  test("a store whose token is missing fails to connect with CLUSTER_NOT_FOUND", async () => {
    const id = await createStore("store-gone", CLUSTER_GONE);
    await connect(id);
    const s = await storeOf(id);
    assert.deepEqual([s.ConnectionState, s.ConnectionErrorCode], ["FAILED", "CLUSTER_NOT_FOUND"]);
    await disconnect(id);
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: id }));
  });

  test("UpdateCustomKeyStore needs DISCONNECTED, keeps names unique, and takes a related cluster id but not an unrelated or unconfigured one", async () => {
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, NewCustomKeyStoreName: "renamed" })),
      "CustomKeyStoreInvalidStateException",
    );
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: "cks-0123456789abcdef0", NewCustomKeyStoreName: "x" })),
      "CustomKeyStoreNotFoundException",
    );
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeB, NewCustomKeyStoreName: "store-a" })),
      "CustomKeyStoreNameInUseException",
    );
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeB, CloudHsmClusterId: CLUSTER_A2 })),
      "CloudHsmClusterNotRelatedException",
    );
    await expectError(
      kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeB, CloudHsmClusterId: CLUSTER_UNKNOWN })),
      "CloudHsmClusterNotFoundException",
    );
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeB, NewCustomKeyStoreName: "store-b2" }));
    assert.equal((await storeOf(storeB)).CustomKeyStoreName, "store-b2");
    // store A moves to the related cluster id and back while disconnected.
    await disconnect(storeA);
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, CloudHsmClusterId: CLUSTER_A2 }));
    assert.equal((await storeOf(storeA)).CloudHsmClusterId, CLUSTER_A2);
    await kms.send(new UpdateCustomKeyStoreCommand({ CustomKeyStoreId: storeA, CloudHsmClusterId: CLUSTER_A }));
    await connect(storeA);
    assert.equal((await storeOf(storeA)).ConnectionState, "CONNECTED");
  });

  test("CreateKey in a custom key store: unknown store, disconnected store, other key specs and Origin without CustomKeyStoreId are refused", async () => {
    await expectError(createHsmKey("cks-0123456789abcdef0"), "CustomKeyStoreNotFoundException");
    await expectError(createHsmKey(storeB), "CustomKeyStoreInvalidStateException");
    await expectError(
      kms.send(new CreateKeyCommand({ CustomKeyStoreId: storeA, Origin: "AWS_CLOUDHSM", KeySpec: "HMAC_256", KeyUsage: "GENERATE_VERIFY_MAC" })),
      "UnsupportedOperationException",
    );
    await expectError(
      kms.send(new CreateKeyCommand({ CustomKeyStoreId: storeA, Origin: "AWS_CLOUDHSM", KeySpec: "RSA_2048", KeyUsage: "ENCRYPT_DECRYPT" })),
      "UnsupportedOperationException",
    );
    await expectError(kms.send(new CreateKeyCommand({ Origin: "AWS_CLOUDHSM" })), "UnsupportedOperationException");
    await expectError(kms.send(new CreateKeyCommand({ CustomKeyStoreId: storeA, Origin: "EXTERNAL_KEY_STORE", XksKeyId: "k1" })), "UnsupportedOperationException");
    assert.deepEqual(
      (await inspector.listAesKeys("trent-cks-")).length,
      0,
      "no token object was made by a refused CreateKey",
    );
  });

  test("a key in a connected store is a non-extractable AES-256 token object; DescribeKey shows Origin AWS_CLOUDHSM, CustomKeyStoreId and CloudHsmClusterId", async () => {
    const created = (await kms.send(new CreateKeyCommand({ CustomKeyStoreId: storeA, Origin: "AWS_CLOUDHSM", Description: "in the HSM" }))).KeyMetadata;
    hsmKey = created?.KeyId ?? "";
    const md = await metadataOf(hsmKey);
    assert.deepEqual(created, md, "CreateKey returns what DescribeKey shows");
    assert.equal(md.Origin, "AWS_CLOUDHSM");
    assert.equal(md.CustomKeyStoreId, storeA);
    assert.equal(md.CloudHsmClusterId, CLUSTER_A);
    assert.equal(md.KeyState, "Enabled");
    assert.equal(md.KeySpec, "SYMMETRIC_DEFAULT");
    assert.equal(md.CurrentKeyMaterialId, undefined, "AWS reports it only for AWS_KMS and EXTERNAL keys");
    const attrs = await inspector.keyAttributes(hsmKeyLabel(hsmKey));
    assert.deepEqual(
      { token: attrs.token, private: attrs.private, sensitive: attrs.sensitive, extractable: attrs.extractable, alwaysSensitive: attrs.alwaysSensitive, neverExtractable: attrs.neverExtractable, valueLen: attrs.valueLen },
      { token: true, private: true, sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true, valueLen: 32 },
    );
    // The value itself cannot be read out of the token.
    await assert.rejects(
      inspector.withSession("read value", (lib, session, find) => {
        const handle = find(hsmKeyLabel(hsmKey));
        assert.ok(handle);
        return lib.C_GetAttributeValue(session, handle, [{ type: 0x11 /* CKA_VALUE */ }]);
      }),
      /CKR_ATTRIBUTE_SENSITIVE/,
    );
    // Nothing of the key material is in Trent's store: the key has no wrapped material.
    assert.deepEqual(await trent.store.listKeyMaterials(hsmKey), []);
  });

  test("Encrypt, Decrypt, GenerateDataKey(WithoutPlaintext) and ReEncrypt to and from a software key work with the HSM key; its ciphertext is AES-GCM computed by the token", async () => {
    const ec = { purpose: "cks test", tenant: "acme" };
    const plaintext = Buffer.from("a secret for the HSM");
    const enc = await kms.send(new EncryptCommand({ KeyId: hsmKey, Plaintext: plaintext, EncryptionContext: ec }));
    const blob = Buffer.from(enc.CiphertextBlob ?? []);
    assert.equal(blob[0], FORMAT_HSM_V1);
    assert.equal(blob.length, HSM_HEADER_LEN + plaintext.length + 16);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: "acme", purpose: "cks test" } }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), plaintext.toString());
    assert.equal(dec.KeyId, enc.KeyId);
    // The token decrypts it by itself: the key that encrypted is the token object.
    const parsed = parseHsmBlob(blob);
    assert.ok(parsed);
    const direct = await inspector.decryptGcm(
      hsmKeyLabel(hsmKey),
      parsed.iv,
      Buffer.concat([parsed.header, canonicalEncryptionContext(ec)]),
      parsed.ciphertextAndTag,
    );
    assert.equal(direct.expose().toString(), plaintext.toString());
    direct.dispose();
    // No oracle: a wrong context, a changed byte, a software-format blob are all InvalidCiphertextException.
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: "evil", purpose: "cks test" } })), "InvalidCiphertextException");
    const flipped = Buffer.from(blob);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] ?? 0) ^ 1;
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: flipped, EncryptionContext: ec })), "InvalidCiphertextException");
    const asV1 = Buffer.from(blob);
    asV1[0] = 0x01;
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: asV1, EncryptionContext: ec })), "InvalidCiphertextException");

    const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: hsmKey, KeySpec: "AES_256" }));
    assert.equal(dk.Plaintext?.length, 32);
    const dkBack = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
    assert.deepEqual(Buffer.from(dkBack.Plaintext ?? []), Buffer.from(dk.Plaintext ?? []));
    const dkw = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: hsmKey, NumberOfBytes: 48, EncryptionContext: ec }));
    assert.equal((await kms.send(new DecryptCommand({ CiphertextBlob: dkw.CiphertextBlob, EncryptionContext: ec }))).Plaintext?.length, 48);

    const software = await softwareKey();
    const toSoftware = await kms.send(
      new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: ec, DestinationKeyId: software, DestinationEncryptionContext: { moved: "yes" } }),
    );
    assert.equal(Buffer.from(toSoftware.CiphertextBlob ?? [])[0], 0x01);
    assert.match(toSoftware.SourceKeyId ?? "", new RegExp(hsmKey));
    const back = await kms.send(
      new ReEncryptCommand({ CiphertextBlob: toSoftware.CiphertextBlob, SourceEncryptionContext: { moved: "yes" }, DestinationKeyId: hsmKey }),
    );
    assert.equal(Buffer.from(back.CiphertextBlob ?? [])[0], FORMAT_HSM_V1);
    assert.equal(Buffer.from((await kms.send(new DecryptCommand({ CiphertextBlob: back.CiphertextBlob }))).Plaintext ?? []).toString(), plaintext.toString());
    // The HSM key's ciphertext names its key: another key in the request is IncorrectKeyException.
    await expectError(kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ec, KeyId: software })), "IncorrectKeyException");
    // AWS: data key pairs are not generated under keys in custom key stores.
    await expectError(kms.send(new GenerateDataKeyPairCommand({ KeyId: hsmKey, KeyPairSpec: "ECC_NIST_P256" })), "UnsupportedOperationException");
    // Key material gone from the cluster: AWS answers KMSInvalidStateException.
    const lost = await createHsmKey(storeA);
    await inspector.destroyKey(hsmKeyLabel(lost));
    const gone = await expectError(kms.send(new EncryptCommand({ KeyId: lost, Plaintext: Buffer.from("x") })), "KMSInvalidStateException");
    assert.match(gone.message, /not found in the associated cluster/);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: lost, PendingWindowInDays: 7 }));
    // GenerateRandom in the store comes from its token.
    const random = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64, CustomKeyStoreId: storeA }));
    assert.equal(random.Plaintext?.length, 64);
    await expectError(kms.send(new GenerateRandomCommand({ NumberOfBytes: 8, CustomKeyStoreId: storeB })), "CustomKeyStoreInvalidStateException");
  });

  test("while the store is disconnected its key is Unavailable: each call gives the key-state table's Unavailable outcome; enable/disable take effect once it is connected again", async () => {
    const ec = { k: "v" };
    const sealed = await kms.send(new EncryptCommand({ KeyId: hsmKey, Plaintext: Buffer.from("before"), EncryptionContext: ec }));
    await disconnect(storeA);
    assert.equal((await storeOf(storeA)).ConnectionState, "DISCONNECTED");
    assert.equal(trent.customKeyStores.isOpen(storeA), false, "the token was closed");
    assert.equal((await metadataOf(hsmKey)).KeyState, "Unavailable");
    const software = await softwareKey();
    const softBlob = (await kms.send(new EncryptCommand({ KeyId: software, Plaintext: Buffer.from("x") }))).CiphertextBlob;
    const calls: Record<string, () => Promise<unknown>> = {
      Encrypt: () => kms.send(new EncryptCommand({ KeyId: hsmKey, Plaintext: Buffer.from("x") })),
      Decrypt: () => kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: ec })),
      GenerateDataKey: () => kms.send(new GenerateDataKeyCommand({ KeyId: hsmKey, NumberOfBytes: 16 })),
      GenerateDataKeyWithoutPlaintext: () => kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: hsmKey, NumberOfBytes: 16 })),
      ReEncrypt: () => kms.send(new ReEncryptCommand({ CiphertextBlob: softBlob, DestinationKeyId: hsmKey })),
      DescribeKey: () => kms.send(new DescribeKeyCommand({ KeyId: hsmKey })),
      EnableKeyRotation: () => kms.send(new EnableKeyRotationCommand({ KeyId: hsmKey })),
      GetKeyRotationStatus: () => kms.send(new GetKeyRotationStatusCommand({ KeyId: hsmKey })),
      CreateAlias: () => kms.send(new CreateAliasCommand({ AliasName: "alias/cks-unavailable", TargetKeyId: hsmKey })),
      TagResource: () => kms.send(new TagResourceCommand({ KeyId: hsmKey, Tags: [{ TagKey: "t", TagValue: "v" }] })),
      UpdateKeyDescription: () => kms.send(new UpdateKeyDescriptionCommand({ KeyId: hsmKey, Description: "while unavailable" })),
    };
    for (const [op, call] of Object.entries(calls)) {
      const expected = KEY_STATE_TABLE[op]?.Unavailable;
      assert.ok(expected !== undefined, op);
      if (expected === "ok") {
        await call();
      } else {
        const e = await expectError(call(), expected);
        if (expected === "KMSInvalidStateException") assert.match(e.message, /is unavailable/, op);
      }
    }
    // DisableKey succeeds but the key reads Unavailable until the store is connected ([12]).
    assert.equal(KEY_STATE_TABLE["DisableKey"]?.Unavailable, "ok");
    await kms.send(new DisableKeyCommand({ KeyId: hsmKey }));
    assert.equal((await metadataOf(hsmKey)).KeyState, "Unavailable");
    await connect(storeA);
    assert.equal((await metadataOf(hsmKey)).KeyState, "Disabled");
    assert.equal((await metadataOf(hsmKey)).Description, "while unavailable");
    await expectError(kms.send(new EncryptCommand({ KeyId: hsmKey, Plaintext: Buffer.from("x") })), "DisabledException");
    await kms.send(new EnableKeyCommand({ KeyId: hsmKey }));
    const again = await kms.send(new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: ec }));
    assert.equal(Buffer.from(again.Plaintext ?? []).toString(), "before", "it works again after ConnectCustomKeyStore");
  });

  test("the password survives a root rotation: it is re-wrapped under the new root and the store still connects", async () => {
    const report = await rotateRoot(trent.store, trent.keystore, h.dataDir);
    assert.equal(report.failed, 0);
    assert.ok(report.retired.length >= 1, "the old root version was retired");
    await disconnect(storeA);
    await connect(storeA);
    assert.equal((await storeOf(storeA)).ConnectionState, "CONNECTED");
  });

  test("a key pending deletion stays PendingDeletion while its store is disconnected; at deletion its token object is destroyed; deleted while disconnected, it stays in the token", async () => {
    const clockTo = (daysAhead: number): void => {
      offset = daysAhead * DAY_MS;
    };
    const doomed = await createHsmKey(storeA);
    const orphan = await createHsmKey(storeA);
    assert.equal(await inToken(hsmKeyLabel(doomed)), true);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
    await disconnect(storeA);
    assert.equal((await metadataOf(doomed)).KeyState, "PendingDeletion", "[13]: not Unavailable");
    await kms.send(new CancelKeyDeletionCommand({ KeyId: doomed }));
    assert.equal((await metadataOf(doomed)).KeyState, "Unavailable", "cancelled while disconnected: Disabled underneath");
    await connect(storeA);
    assert.equal((await metadataOf(doomed)).KeyState, "Disabled");
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed, PendingWindowInDays: 7 }));
    try {
      clockTo(8);
      await trent.scheduler.runOnce();
    } finally {
      clockTo(0);
    }
    assert.equal(await trent.store.getKey(doomed), undefined, "the KMS key is deleted");
    for (let i = 0; i < 100 && (await inToken(hsmKeyLabel(doomed))); i++) await sleep(20);
    assert.equal(await inToken(hsmKeyLabel(doomed)), false, "and then its key material in the token");

    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: orphan, PendingWindowInDays: 7 }));
    await disconnect(storeA);
    try {
      clockTo(8);
      await trent.scheduler.runOnce();
    } finally {
      clockTo(0);
    }
    assert.equal(await trent.store.getKey(orphan), undefined);
    await sleep(100);
    assert.equal(await inToken(hsmKeyLabel(orphan)), true, "AWS: material of a key deleted while disconnected is left in the cluster");
    assert.ok(logs.some((l) => l.includes("key material left in the custom key store's token") && l.includes(orphan)));
    await inspector.destroyKey(hsmKeyLabel(orphan));
    await connect(storeA);
  });

  test("keys stay usable across a restart: stores recorded CONNECTED are reconnected at start", async () => {
    const blob = (await kms.send(new EncryptCommand({ KeyId: hsmKey, Plaintext: Buffer.from("restart") }))).CiphertextBlob;
    await trent.stop();
    trent = await Trent.start(resolveConfig({ port: "0", dataDir: h.dataDir }, { ...env }), deps);
    kms = client();
    assert.equal(trent.customKeyStores.isOpen(storeA), true, "reconnected at start");
    assert.equal(trent.customKeyStores.isOpen(storeB), false, "a disconnected store stays disconnected");
    assert.equal((await storeOf(storeA)).ConnectionState, "CONNECTED");
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: blob }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "restart");
  });

  test("DeleteCustomKeyStore needs a store without keys (CustomKeyStoreHasCMKsException) and DISCONNECTED (CustomKeyStoreInvalidStateException); the token is left as it was", async () => {
    await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeA })), "CustomKeyStoreHasCMKsException");
    await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: "cks-0123456789abcdef0" })), "CustomKeyStoreNotFoundException");
    // An empty store: only when disconnected.
    await connect(storeB);
    assert.equal((await storeOf(storeB)).ConnectionState, "CONNECTED");
    await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeB })), "CustomKeyStoreInvalidStateException");
    await disconnect(storeB);
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeB }));
    await expectError(kms.send(new DescribeCustomKeyStoresCommand({ CustomKeyStoreId: storeB })), "CustomKeyStoreNotFoundException");
    // Store A: delete its last key, then the store.
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: hsmKey, PendingWindowInDays: 7 }));
    await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeA })), "CustomKeyStoreHasCMKsException");
    try {
      offset = 8 * DAY_MS;
      await trent.scheduler.runOnce();
    } finally {
      offset = 0;
    }
    for (let i = 0; i < 100 && (await inToken(hsmKeyLabel(hsmKey))); i++) await sleep(20);
    await expectError(kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeA })), "CustomKeyStoreInvalidStateException");
    await disconnect(storeA);
    await kms.send(new DeleteCustomKeyStoreCommand({ CustomKeyStoreId: storeA }));
    assert.deepEqual((await kms.send(new DescribeCustomKeyStoresCommand({}))).CustomKeyStores, []);
    assert.equal(await inToken(hsmKeyLabel(hsmKey)), false);
    // The cluster is free again for a new store.
    const fresh = await createStore("store-a-again", CLUSTER_A2);
    assert.equal((await storeOf(fresh)).ConnectionState, "DISCONNECTED");
  });

  test("the key store password appears in no log line, no audit file and not in clear in the database", async () => {
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.push(p);
      }
    };
    walk(h.dataDir);
    assert.ok(files.some((f) => f.endsWith("trent.db")));
    for (const pin of [PIN_A, PIN_B]) {
      const forms = [pin, Buffer.from(pin).toString("base64"), Buffer.from(pin).toString("hex")];
      for (const f of files) {
        const content = readFileSync(f);
        for (const form of forms) assert.equal(content.includes(Buffer.from(form)), false, `${form} in ${f}`);
      }
      for (const line of logs) for (const form of forms) assert.equal(line.includes(form), false, `${form} in a log line`);
    }
  });
});

