import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalEncryptionContext, sameEncryptionContext, type EncryptionContext } from "./encryption-context.js";

/** The documented layout, built by hand: [count]_32, then per pair [len]_32 key [len]_32 value. */
function layout(pairs: readonly (readonly [string, string])[]): Buffer {
  const parts: Buffer[] = [u32(pairs.length)];
  for (const [k, v] of pairs) {
    const kb = Buffer.from(k, "utf8");
    const vb = Buffer.from(v, "utf8");
    parts.push(u32(kb.length), kb, u32(vb.length), vb);
  }
  return Buffer.concat(parts);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

describe("canonical encryption context", () => {
  test("the canonical form is the pair count followed by length-prefixed pairs sorted by key", () => {
    assert.deepEqual(canonicalEncryptionContext({ b: "2", a: "1" }), layout([["a", "1"], ["b", "2"]]));
  });

  test("an absent and an empty context have the same canonical form (a zero count)", () => {
    assert.deepEqual(canonicalEncryptionContext(undefined), Buffer.alloc(4));
    assert.deepEqual(canonicalEncryptionContext({}), Buffer.alloc(4));
    assert.ok(sameEncryptionContext(undefined, {}));
  });

  test("the canonical form does not depend on the order in which the pairs were given", () => {
    const forms = [
      { tenant: "acme", purpose: "backup", region: "eu", "é": "ü" },
      { "é": "ü", region: "eu", purpose: "backup", tenant: "acme" },
      { purpose: "backup", "é": "ü", tenant: "acme", region: "eu" },
    ];
    const first = canonicalEncryptionContext(forms[0]);
    for (const ec of forms) assert.deepEqual(canonicalEncryptionContext(ec), first);
    assert.ok(sameEncryptionContext(forms[0], forms[2]));
  });

  test("keys are ordered by UTF-8 bytes, not by locale: z (0x7a) comes before é (0xc3 0xa9)", () => {
    // localeCompare would put "é" next to "e", before "z".
    assert.ok("é".localeCompare("z") < 0);
    assert.deepEqual(canonicalEncryptionContext({ "é": "1", z: "2" }), layout([["z", "2"], ["é", "1"]]));
  });

  test("keys are ordered by UTF-8 bytes, not by UTF-16 code units: U+FF61 comes before U+1F600", () => {
    const halfwidthStop = "\uFF61"; // UTF-8 ef bd a1, UTF-16 ff61
    const emoji = "\u{1F600}"; // UTF-8 f0 9f 98 80, UTF-16 d83d de00
    assert.ok(emoji < halfwidthStop, "UTF-16 code-unit order puts the emoji first");
    assert.deepEqual(
      canonicalEncryptionContext({ [emoji]: "x", [halfwidthStop]: "y" }),
      layout([[halfwidthStop, "y"], [emoji, "x"]]),
    );
  });

  test("keys are ordered by bytes, not numerically, even for integer-like keys", () => {
    // Object.keys lists integer-like keys in numeric order: 2, 10. Byte order is "10", "2".
    assert.deepEqual(canonicalEncryptionContext({ "2": "b", "10": "a" }), layout([["10", "a"], ["2", "b"]]));
  });

  test("length prefixes keep {a:'bc'} and {ab:'c'} apart", () => {
    assert.notDeepEqual(canonicalEncryptionContext({ a: "bc" }), canonicalEncryptionContext({ ab: "c" }));
    assert.equal(sameEncryptionContext({ a: "bc" }, { ab: "c" }), false);
    assert.equal(sameEncryptionContext({ a: "b", c: "d" }, { a: "bcd" }), false);
    assert.equal(sameEncryptionContext({ a: "" }, {}), false);
    assert.equal(sameEncryptionContext({ "": "a" }, { a: "" }), false);
  });

  test("contexts compare exactly: case, extra or missing pairs and Unicode normalization all matter", () => {
    const base: EncryptionContext = { tenant: "acme", "café": "1" };
    assert.ok(sameEncryptionContext(base, { "café": "1", tenant: "acme" }));
    assert.equal(sameEncryptionContext(base, { Tenant: "acme", "café": "1" }), false);
    assert.equal(sameEncryptionContext(base, { tenant: "ACME", "café": "1" }), false);
    assert.equal(sameEncryptionContext(base, { tenant: "acme" }), false);
    assert.equal(sameEncryptionContext(base, { ...base, extra: "" }), false);
    // Precomposed U+00E9 versus "e" + combining acute U+0301: the same text to a reader, other bytes.
    assert.equal(sameEncryptionContext(base, { tenant: "acme", "cafe\u0301": "1" }), false);
  });

  test("multi-byte characters are length-prefixed by their UTF-8 byte count", () => {
    const c = canonicalEncryptionContext({ "ü": "\u{1F600}" });
    assert.deepEqual(c, Buffer.concat([u32(1), u32(2), Buffer.from("ü"), u32(4), Buffer.from("\u{1F600}")]));
  });
});
