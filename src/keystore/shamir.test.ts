import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { ShareFormatError, combineShares, parseShare, splitSecret, validateShareCounts } from "./shamir.js";

function combos<T>(items: readonly T[], k: number): T[][] {
  if (k === 0) return [[]];
  return items.flatMap((x, i) => combos(items.slice(i + 1), k - 1).map((rest) => [x, ...rest]));
}

describe("Shamir shares", () => {
  const set = { id: "0a1b2c3d", shares: 5, threshold: 3 };

  test("every 3 of 5 shares rebuild the secret, in any order, and 2 do not", async () => {
    const secret = SecretBytes.adopt(randomBytes(32));
    const texts = await splitSecret(secret, set);
    assert.equal(texts.length, 5);
    for (const three of combos(texts, 3)) {
      const rebuilt = await combineShares(three.reverse().map(parseShare));
      assert.ok(rebuilt.equals(secret));
    }
    for (const two of combos(texts, 2)) {
      assert.ok(!(await combineShares(two.map(parseShare))).equals(secret));
    }
  });

  test("a share text names its number, its set size and its share set", async () => {
    const texts = await splitSecret(SecretBytes.adopt(randomBytes(32)), set);
    texts.forEach((t, i) => assert.match(t, new RegExp(`^trent-share-${i + 1}-of-5:0a1b2c3d:[A-Za-z0-9_-]+$`)));
    const parsed = parseShare(texts[3] ?? "");
    assert.deepEqual([parsed.index, parsed.of, parsed.setId, parsed.bytes.length], [4, 5, "0a1b2c3d", 33]);
  });

  test("a share pasted with line breaks and spaces still parses", async () => {
    const [first] = await splitSecret(SecretBytes.adopt(randomBytes(32)), set);
    const text = first ?? "";
    const mangled = `  ${text.slice(0, 20)}\n  ${text.slice(20, 40)} ${text.slice(40)}\n`;
    assert.ok(parseShare(mangled).bytes.equals(parseShare(text).bytes));
  });

  test("a mistyped share is refused on its own by its check value", async () => {
    const [first] = await splitSecret(SecretBytes.adopt(randomBytes(32)), set);
    const text = first ?? "";
    const i = text.length - 10;
    const typo = text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1);
    assert.throws(() => parseShare(typo), ShareFormatError);
    assert.throws(() => parseShare(text.replace("-1-of-5", "-2-of-5")), /check value/);
    assert.throws(() => parseShare("hello"), /not a Trent share/);
    assert.throws(() => parseShare(text.slice(0, -4)), ShareFormatError);
  });

  test("share counts outside 2 <= threshold <= shares <= 255 are refused", () => {
    assert.throws(() => validateShareCounts(5, 1), /at least 2/);
    assert.throws(() => validateShareCounts(2, 3), /at least as many/);
    assert.throws(() => validateShareCounts(256, 3), /255/);
    assert.throws(() => validateShareCounts(3.5, 2), /integers/);
    validateShareCounts(2, 2);
  });
});
