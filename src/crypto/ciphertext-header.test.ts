import { strict as assert } from "node:assert";
import { randomBytes, randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { HEADER_LEN, parseSymmetricBlob, uuidToBytes, writeHeader } from "./ciphertext-blob.js";

describe("ciphertext header", () => {
  test("writeHeader lays out format, key id, material id, nonce and IV as the blob format says", () => {
    for (let i = 0; i < 200; i++) {
      const keyId = randomUUID();
      const materialId = randomBytes(32).toString("hex");
      const nonce = randomBytes(32);
      const iv = randomBytes(12);
      const out = Buffer.alloc(HEADER_LEN + 16);
      writeHeader(out, keyId, materialId, nonce, iv);
      const expected = Buffer.concat([Buffer.of(1), uuidToBytes(keyId), Buffer.from(materialId, "hex"), nonce, iv]);
      assert.deepEqual(out.subarray(0, HEADER_LEN), expected);
      const parsed = parseSymmetricBlob(out);
      assert.equal(parsed?.keyId, keyId);
      assert.equal(parsed?.materialId, materialId);
    }
  });

  test("writeHeader refuses a key id or material id that is not exactly hex of the right length", () => {
    const out = Buffer.alloc(HEADER_LEN);
    const nonce = randomBytes(32);
    const iv = randomBytes(12);
    const keyId = "1234abcd-12ab-34cd-56ef-1234567890ab";
    const mat = "ab".repeat(32);
    assert.doesNotThrow(() => writeHeader(out, keyId, mat, nonce, iv));
    assert.doesNotThrow(() => writeHeader(out, keyId.replace(/-/g, ""), mat.toUpperCase(), nonce, iv));
    for (const bad of [keyId.toUpperCase(), `${keyId}0`, keyId.slice(1), keyId.replace("a", "g"), ""]) {
      assert.throws(() => writeHeader(out, bad, mat, nonce, iv), RangeError, bad);
    }
    for (const bad of [`${mat}ab`, mat.slice(2), mat.replace("a", "x"), ""]) {
      assert.throws(() => writeHeader(out, keyId, bad, nonce, iv), RangeError, bad);
    }
    assert.throws(() => writeHeader(out, keyId, mat, nonce.subarray(1), iv), RangeError);
  });
});
