import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  FORMAT_XKS_V1,
  XKS_HEADER_LEN,
  assembleXksBlob,
  buildXksHeader,
  keyIdOfSymmetricBlob,
  parseHsmBlob,
  parseSymmetricBlob,
  parseXksBlob,
} from "./ciphertext-blob.js";

const KEY_ID = "0b7c1e52-9d2a-4f43-8a55-1c3b9e0d7f11";
const MATERIAL = "ab".repeat(32);

describe("ciphertext blob format 0x03 (external key stores: double encryption)", () => {
  test("a blob round-trips its parts and names its key for Decrypt", () => {
    const header = buildXksHeader(KEY_ID, MATERIAL);
    assert.equal(header.length, XKS_HEADER_LEN);
    assert.equal(header[0], FORMAT_XKS_V1);
    const blob = assembleXksBlob(header, Buffer.alloc(12, 1), Buffer.alloc(16, 2), Buffer.from("v1"), Buffer.alloc(130, 3));
    assert.ok(blob !== undefined);
    const p = parseXksBlob(blob);
    assert.equal(p?.keyId, KEY_ID);
    assert.equal(p?.materialId, MATERIAL);
    assert.deepEqual(p?.header, header);
    assert.deepEqual(p?.iv, Buffer.alloc(12, 1));
    assert.deepEqual(p?.tag, Buffer.alloc(16, 2));
    assert.deepEqual(p?.metadata, Buffer.from("v1"));
    assert.deepEqual(p?.ciphertext, Buffer.alloc(130, 3));
    assert.equal(keyIdOfSymmetricBlob(blob), KEY_ID);
    assert.equal(parseSymmetricBlob(blob), undefined);
    assert.equal(parseHsmBlob(blob), undefined);
  });

  test("parts out of bounds are refused when building and when parsing", () => {
    const header = buildXksHeader(KEY_ID, MATERIAL);
    assert.equal(assembleXksBlob(header, Buffer.alloc(0), Buffer.alloc(16), Buffer.alloc(0), Buffer.alloc(1)), undefined);
    assert.equal(assembleXksBlob(header, Buffer.alloc(12), Buffer.alloc(33), Buffer.alloc(0), Buffer.alloc(1)), undefined);
    assert.equal(assembleXksBlob(header, Buffer.alloc(12), Buffer.alloc(16), Buffer.alloc(21), Buffer.alloc(1)), undefined);
    const blob = assembleXksBlob(header, Buffer.alloc(12), Buffer.alloc(16), Buffer.alloc(0), Buffer.alloc(8)) ?? Buffer.alloc(0);
    assert.equal(parseXksBlob(blob.subarray(0, XKS_HEADER_LEN + 5)), undefined, "truncated inside the IV");
    const badIv = Buffer.from(blob);
    badIv[XKS_HEADER_LEN] = 0;
    assert.equal(parseXksBlob(badIv), undefined);
    const other = Buffer.from(blob);
    other[0] = 0x04;
    assert.equal(parseXksBlob(other), undefined);
    assert.equal(keyIdOfSymmetricBlob(other), undefined);
    assert.throws(() => buildXksHeader("not-a-uuid", MATERIAL), RangeError);
    assert.throws(() => buildXksHeader(KEY_ID, "ab"), RangeError);
  });
});
