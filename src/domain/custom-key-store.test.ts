import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { KEY_STATES } from "./key-state-table.js";
import {
  CLUSTER_ID_RE,
  effectiveKeyState,
  isCustomKeyStoreId,
  newCustomKeyStoreId,
  toCustomKeyStoresListEntry,
  type CustomKeyStoreRecord,
} from "./custom-key-store.js";

const REC: CustomKeyStoreRecord = {
  customKeyStoreId: "cks-0123456789abcdef0",
  accountId: "111122223333",
  region: "us-east-1",
  name: "store",
  type: "AWS_CLOUDHSM",
  cloudHsmClusterId: "cluster-234567abcdef",
  trustAnchorCertificate: "PEM",
  password: { rootVersion: "r1", blob: Buffer.from("wrapped") },
  connectionState: "FAILED",
  connectionErrorCode: "INVALID_CREDENTIALS",
  createdAt: 1_700_000_000_000,
  revision: 3,
};

describe("custom key store records", () => {
  test("ids are cks- and 17 lower-case hex digits, as AWS makes them", () => {
    const id = newCustomKeyStoreId(() => Buffer.from("00112233445566778899", "hex").subarray(0, 9));
    assert.equal(id, "cks-00112233445566778");
    assert.ok(isCustomKeyStoreId(id));
    for (const bad of ["cks-0123", "cks-0123456789ABCDEF0", "xks-0123456789abcdef0"]) assert.equal(isCustomKeyStoreId(bad), false, bad);
  });

  test("cluster ids follow the model's pattern", () => {
    assert.ok(CLUSTER_ID_RE.test("cluster-234567abcdef"));
    assert.equal(CLUSTER_ID_RE.test("cluster-1a2b3c4d5e6"), false, "1 and 0 are not in the alphabet");
    assert.equal(CLUSTER_ID_RE.test("cluster-abc"), false);
  });

  test("a key reads Unavailable unless its store is CONNECTED, except a key pending deletion", () => {
    for (const state of KEY_STATES) {
      assert.equal(effectiveKeyState(state, "CONNECTED"), state);
      for (const c of ["DISCONNECTED", "FAILED", "CONNECTING", "DISCONNECTING", undefined] as const) {
        assert.equal(effectiveKeyState(state, c), state === "PendingDeletion" ? "PendingDeletion" : "Unavailable", `${state} ${String(c)}`);
      }
    }
  });

  test("the list entry has AWS's members, an error code only when FAILED, and never the password", () => {
    const entry = toCustomKeyStoresListEntry(REC);
    assert.deepEqual(entry, {
      CustomKeyStoreId: REC.customKeyStoreId,
      CustomKeyStoreName: "store",
      CloudHsmClusterId: "cluster-234567abcdef",
      TrustAnchorCertificate: "PEM",
      ConnectionState: "FAILED",
      ConnectionErrorCode: "INVALID_CREDENTIALS",
      CreationDate: new Date(REC.createdAt),
      CustomKeyStoreType: "AWS_CLOUDHSM",
    });
    assert.equal(toCustomKeyStoresListEntry({ ...REC, connectionState: "CONNECTED" }).ConnectionErrorCode, undefined);
    assert.ok(!JSON.stringify(entry).includes("wrapped"));
  });
});
