import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { decodeGrantToken, encodeGrantToken } from "./grant-token.js";

const KEY = "1234abcd-12ab-34cd-56ef-1234567890ab";
const GRANT = "ab".repeat(32);

describe("grant tokens", () => {
  test("a token names its key and grant, and decodes back to them", () => {
    const t = encodeGrantToken(KEY, GRANT, randomBytes(16));
    assert.deepEqual(decodeGrantToken(t), { keyId: KEY, grantId: GRANT });
    assert.match(t, /^[A-Za-z0-9_-]+$/);
  });

  test("two tokens for one grant differ (a nonce per CreateGrant call) and both decode", () => {
    const a = encodeGrantToken(KEY, GRANT, randomBytes(16));
    const b = encodeGrantToken(KEY, GRANT, randomBytes(16));
    assert.notEqual(a, b);
    assert.deepEqual(decodeGrantToken(a), decodeGrantToken(b));
  });

  test("a changed character, a truncation or an extension is not a token", () => {
    const t = encodeGrantToken(KEY, GRANT, Buffer.alloc(16, 7));
    for (let i = 0; i < t.length; i++) {
      const c = t[i] === "A" ? "B" : "A";
      assert.equal(decodeGrantToken(t.slice(0, i) + c + t.slice(i + 1)), undefined, `position ${i}`);
    }
    assert.equal(decodeGrantToken(t.slice(0, -1)), undefined);
    assert.equal(decodeGrantToken(`${t}A`), undefined);
  });

  test("strings that are not tokens are refused without throwing", () => {
    for (const s of ["", "x", "not a token", "=".repeat(40), "A".repeat(2000), "AQ", Buffer.from([1, 0]).toString("base64url")]) {
      assert.equal(decodeGrantToken(s), undefined, JSON.stringify(s));
    }
  });
});
