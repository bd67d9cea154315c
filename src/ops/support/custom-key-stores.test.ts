import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createSoftHsmToken, SOFTHSM_MODULE, softHsmSkipReason, type SoftHsmToken } from "../../../test/support/softhsm.js";
import { SecretBytes } from "../../crypto/secret-bytes.js";
import type { CustomKeyStoreRecord } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import { keyRecordFixture } from "../../domain/key-record-fixture.js";
import type { KeyRecord } from "../../domain/key-record.js";
import { SoftwareKeystore } from "../../keystore/software-keystore.js";
import { Pkcs11Token } from "../../keystore/pkcs11-token.js";
import { MemoryStore } from "../../store/memory-store.js";
import { connectionErrorCode, CustomKeyStores } from "./custom-key-stores.js";

/**
 * The connection layer of custom key stores against real SoftHSM tokens: how PKCS#11 failures read
 * as ConnectionErrorCode, and how several nodes (several CustomKeyStores over one store) follow
 * the stored connection state.
 */

const PIN = "node-test-pin-1";
const CLUSTER = "cluster-nnnnnnnnnnn";
const skip = softHsmSkipReason();

describe("custom key store connections (SoftHSM)", { skip }, () => {
  let hsm: SoftHsmToken;
  const keystore = SoftwareKeystore.ephemeral();
  let clock = 1_700_000_000_000;
  let serial = 0;
  const random = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + n) & 0xff));

  before(() => {
    hsm = createSoftHsmToken({ label: "cks-unit", pin: PIN });
  });
  after(() => hsm?.cleanup());

  const node = (store: MemoryStore, clusters: Record<string, { modulePath: string; tokenLabel: string }> = { [CLUSTER]: { modulePath: SOFTHSM_MODULE, tokenLabel: "cks-unit" } }) =>
    new CustomKeyStores({ store, keystore, clusters, now: () => clock, cacheTtlMs: 1000 });

  async function storeRecord(n: CustomKeyStores, store: MemoryStore, password: string, over: Partial<CustomKeyStoreRecord> = {}): Promise<CustomKeyStoreRecord> {
    const id = over.customKeyStoreId ?? `cks-${String(++serial).padStart(17, "0")}`;
    const rec: CustomKeyStoreRecord = {
      customKeyStoreId: id,
      accountId: "111122223333",
      region: "us-east-1",
      name: `n-${id}`,
      type: "AWS_CLOUDHSM",
      cloudHsmClusterId: CLUSTER,
      trustAnchorCertificate: "PEM",
      password: await n.wrapPassword(id, password),
      connectionState: "DISCONNECTED",
      createdAt: clock,
      revision: 0,
      ...over,
    };
    await store.createCustomKeyStore(rec);
    return (await store.getCustomKeyStore(id)) as CustomKeyStoreRecord;
  }

  test("PKCS#11 failures read as AWS's ConnectionErrorCode: a refused PIN, a missing token, a module that cannot load", async () => {
    const open = (tokenLabel: string, pin: string, modulePath = SOFTHSM_MODULE) => Pkcs11Token.open({ modulePath, tokenLabel, pin: { value: pin } });
    const codeOf = async (p: Promise<Pkcs11Token>): Promise<string> => {
      try {
        await (await p).close();
        return "opened";
      } catch (e) {
        return connectionErrorCode(e);
      }
    };
    assert.equal(await codeOf(open("cks-unit", "wrong-pin-0")), "INVALID_CREDENTIALS");
    assert.equal(await codeOf(open("no-such-token", PIN)), "CLUSTER_NOT_FOUND");
    assert.equal(await codeOf(open("cks-unit", PIN, "/nonexistent/libpkcs11.so")), "NETWORK_ERRORS");
    assert.equal(await codeOf(open("cks-unit", PIN)), "opened");
    assert.equal(connectionErrorCode(new Error("PKCS#11 login to token \"x\" failed: the PIN was refused (CKR_PIN_LOCKED); not retrying")), "USER_LOCKED_OUT");
    assert.equal(connectionErrorCode(new Error("something else")), "INTERNAL_ERROR");
  });

  test("a node that did not connect the store opens the token on first use; a disconnect by another node is seen within the cache time", async () => {
    const store = new MemoryStore();
    const a = node(store);
    const b = node(store);
    const rec = await storeRecord(a, store, PIN);
    assert.equal(await a.connect(rec), undefined);
    const connected = await store.updateCustomKeyStore({ ...rec, connectionState: "CONNECTED" }, rec.revision);
    a.remember(rec.customKeyStoreId, connected);
    const keyId = "00000000-0000-4000-8000-00000000abcd";
    const materialId = await a.generateKey(connected, keyId, random);
    const key: KeyRecord & { customKeyStoreId: string } = {
      ...keyRecordFixture({ keyId, accountId: rec.accountId, region: rec.region, createdAt: clock, origin: "AWS_CLOUDHSM" }),
      customKeyStoreId: rec.customKeyStoreId,
      currentMaterialId: materialId,
      revision: 1,
    };
    const sealed = await a.seal(key, SecretBytes.copyOf(Buffer.from("hello")), { k: "v" }, random);
    assert.equal(b.isOpen(rec.customKeyStoreId), false);
    const opened = await b.open(key, sealed.blob, { k: "v" });
    assert.equal(opened.plaintext.expose().toString(), "hello", "node b opened the token itself");
    assert.equal(b.isOpen(rec.customKeyStoreId), true);
    assert.equal(await b.effectiveState(key), "Enabled");
    // Node a disconnects (in the store); node b sees it once its cached record expires.
    await store.updateCustomKeyStore({ ...connected, connectionState: "DISCONNECTED" }, connected.revision);
    await a.disconnect(rec.customKeyStoreId);
    assert.equal(await b.effectiveState(key), "Enabled", "still within the cache time");
    clock += 1001;
    assert.equal(await b.effectiveState(key), "Unavailable");
    await assert.rejects(b.seal(key, SecretBytes.copyOf(Buffer.from("x")), undefined, random), (e: unknown) => e instanceof KmsError && e.code === "KMSInvalidStateException");
    assert.equal(b.isOpen(rec.customKeyStoreId), false, "and closed its token");
    await a.close();
    await b.close();
  });

  test("at start, a store recorded CONNECTED whose token cannot be opened becomes FAILED with the code; one that opens stays CONNECTED", async () => {
    const store = new MemoryStore();
    const n = node(store, {
      [CLUSTER]: { modulePath: SOFTHSM_MODULE, tokenLabel: "cks-unit" },
      "cluster-mmmmmmmmmmm": { modulePath: SOFTHSM_MODULE, tokenLabel: "missing-token" },
    });
    const good = await storeRecord(n, store, PIN, { connectionState: "CONNECTED" });
    const missing = await storeRecord(n, store, "not-the-pin", {
      customKeyStoreId: "cks-1111111111111111a",
      name: "missing token",
      cloudHsmClusterId: "cluster-mmmmmmmmmmm",
      connectionState: "CONNECTED",
    });
    const r = await n.reconnectAll();
    assert.deepEqual(r, { connected: 1, failed: 1 });
    assert.equal((await store.getCustomKeyStore(good.customKeyStoreId))?.connectionState, "CONNECTED");
    const failed = await store.getCustomKeyStore(missing.customKeyStoreId);
    assert.deepEqual([failed?.connectionState, failed?.connectionErrorCode], ["FAILED", "CLUSTER_NOT_FOUND"]);
    assert.equal(n.isOpen(good.customKeyStoreId), true);
    await n.close();
    assert.equal(n.isOpen(good.customKeyStoreId), false);
  });
});
