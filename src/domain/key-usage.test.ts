import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { TRACKED_OPERATIONS, laterUse, mergeKeyUsage, trackingStartFor, type KeyUsageRecord } from "./key-usage.js";

const K = "00000000-0000-4000-8000-000000000001";
const use = (at: number, operation = "Encrypt") => ({ at, operation, requestId: `r${at}`, eventId: `e${at}` });

describe("key usage (pure)", () => {
  it("the tracked operations are AWS's KeyLastUsageTrackingOperation values, without GenerateRandom, GetPublicKey or management operations", () => {
    assert.equal(TRACKED_OPERATIONS.size, 14);
    for (const op of ["Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "Sign", "Verify", "GenerateMac", "VerifyMac", "DeriveSharedSecret"]) {
      assert.ok(TRACKED_OPERATIONS.has(op), op);
    }
    for (const op of ["GenerateRandom", "GetPublicKey", "DescribeKey", "CreateKey", "GetKeyLastUsage"]) assert.ok(!TRACKED_OPERATIONS.has(op), op);
  });

  it("mergeKeyUsage adds counts of the same version, keeps the later times, and orders versions by material id", () => {
    const base: KeyUsageRecord = {
      keyId: K,
      last: use(20),
      versions: [{ materialId: "bb", encryptions: 1, decryptions: 2, lastEncryptAt: 5, lastDecryptAt: 20 }],
    };
    const delta: KeyUsageRecord = {
      keyId: K,
      last: use(10, "Decrypt"),
      versions: [
        { materialId: "bb", encryptions: 3, decryptions: 0, lastEncryptAt: 9 },
        { materialId: "aa", encryptions: 0, decryptions: 1, lastDecryptAt: 10 },
      ],
    };
    assert.deepEqual(mergeKeyUsage(base, delta), {
      keyId: K,
      last: use(20),
      versions: [
        { materialId: "aa", encryptions: 0, decryptions: 1, lastDecryptAt: 10 },
        { materialId: "bb", encryptions: 4, decryptions: 2, lastEncryptAt: 9, lastDecryptAt: 20 },
      ],
    });
  });

  it("mergeKeyUsage onto nothing folds repeated versions of the delta into one", () => {
    const delta: KeyUsageRecord = {
      keyId: K,
      versions: [
        { materialId: "aa", encryptions: 1, decryptions: 0 },
        { materialId: "aa", encryptions: 2, decryptions: 1 },
      ],
    };
    assert.deepEqual(mergeKeyUsage(undefined, delta), { keyId: K, versions: [{ materialId: "aa", encryptions: 3, decryptions: 1 }] });
  });

  it("laterUse prefers the later use, and the second on a tie", () => {
    assert.deepEqual(laterUse(use(1), use(2)), use(2));
    assert.deepEqual(laterUse(use(3), use(2)), use(3));
    const tie = { ...use(2), requestId: "second" };
    assert.equal(laterUse(use(2), tie)?.requestId, "second");
    assert.equal(laterUse(undefined, undefined), undefined);
  });

  it("TrackingStartDate is the later of the key's creation and the tracking start, or the creation when tracking never started", () => {
    assert.equal(trackingStartFor(100, 50), 100);
    assert.equal(trackingStartFor(100, 150), 150);
    assert.equal(trackingStartFor(100, undefined), 100);
  });
});
