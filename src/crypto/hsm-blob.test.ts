import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FORMAT_HSM_V1,
  FORMAT_SYMMETRIC_V1,
  HSM_BLOB_OVERHEAD,
  HSM_HEADER_LEN,
  buildHsmHeader,
  keyIdOfSymmetricBlob,
  parseHsmBlob,
  parseSymmetricBlob,
} from "./ciphertext-blob.js";

const KEY_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const MATERIAL = "ab".repeat(32);
const IV = Buffer.from("000102030405060708090a0b", "hex");

describe("ciphertext blob format 0x02 (key material in a PKCS#11 token)", () => {
  test("the header is format, key id, material id and IV, 61 bytes, and parses back", () => {
    const header = buildHsmHeader(KEY_ID, MATERIAL, IV);
    assert.equal(header.length, HSM_HEADER_LEN);
    assert.equal(HSM_HEADER_LEN, 1 + 16 + 32 + 12);
    assert.equal(header[0], FORMAT_HSM_V1);
    assert.equal(header.subarray(1, 17).toString("hex"), KEY_ID.replace(/-/g, ""));
    const ctAndTag = Buffer.alloc(5 + 16, 7);
    const blob = Buffer.concat([header, ctAndTag]);
    const parsed = parseHsmBlob(blob);
    assert.ok(parsed);
    assert.equal(parsed.keyId, KEY_ID);
    assert.equal(parsed.materialId, MATERIAL);
    assert.deepEqual(parsed.iv, IV);
    assert.deepEqual(parsed.header, header);
    assert.deepEqual(parsed.ciphertextAndTag, ctAndTag);
  });

  test("an empty plaintext gives the shortest blob: header and tag", () => {
    const blob = Buffer.concat([buildHsmHeader(KEY_ID, MATERIAL, IV), Buffer.alloc(16)]);
    assert.equal(blob.length, HSM_BLOB_OVERHEAD);
    assert.ok(parseHsmBlob(blob));
    assert.equal(parseHsmBlob(blob.subarray(0, HSM_BLOB_OVERHEAD - 1)), undefined);
  });

  test("the two formats never parse as each other, and both name their key for Decrypt", () => {
    const hsm = Buffer.concat([buildHsmHeader(KEY_ID, MATERIAL, IV), Buffer.alloc(40)]);
    assert.equal(parseSymmetricBlob(hsm), undefined);
    assert.equal(keyIdOfSymmetricBlob(hsm), KEY_ID);
    const v1 = Buffer.from(hsm);
    v1[0] = FORMAT_SYMMETRIC_V1;
    const long = Buffer.concat([v1, Buffer.alloc(100)]);
    assert.equal(parseHsmBlob(long), undefined);
    assert.equal(keyIdOfSymmetricBlob(long), KEY_ID);
    // 0x03 is the external key store format (xks-blob.test.ts).
    for (const format of [0x00, 0x04, 0xff]) {
      const other = Buffer.from(long);
      other[0] = format;
      assert.equal(keyIdOfSymmetricBlob(other), undefined, `format ${format}`);
    }
    assert.equal(keyIdOfSymmetricBlob(Buffer.alloc(0)), undefined);
  });

  test("building a header checks the key id, the material id and the IV length", () => {
    assert.throws(() => buildHsmHeader("not-a-uuid", MATERIAL, IV), RangeError);
    assert.throws(() => buildHsmHeader(KEY_ID, "ab", IV), RangeError);
    assert.throws(() => buildHsmHeader(KEY_ID, MATERIAL, IV.subarray(0, 11)), RangeError);
  });
});
