import assert from "node:assert/strict";
import { createDecipheriv, createHash, createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { BLOB_OVERHEAD, HEADER_LEN, IV_LEN, TAG_LEN, parseSymmetricBlob } from "./ciphertext-blob.js";
import type { EncryptionContext } from "./encryption-context.js";
import { kdfCounterHmacSha256 } from "./kdf.js";
import { SecretBytes } from "./secret-bytes.js";
import { openSymmetric, sealSymmetric, type RandomSource } from "./symmetric.js";

// ---------------------------------------------------------------------------------------------
// Independent reference: NIST SP 800-108 (rev. 1) section 4.1, KDF in counter mode, PRF =
// HMAC-SHA256, counter r = 32 bits placed before the fixed input data:
//   n = ceil(L / h); K(i) = PRF(KI, [i]_32 || FixedInput); result = leftmost L bits of K(1)..K(n)
// Written from the standard, not from src/crypto/kdf.ts.
// ---------------------------------------------------------------------------------------------
function sp800108CounterHmacSha256(ki: Buffer, fixedInput: Buffer, outBytes: number): Buffer {
  const blocks: Buffer[] = [];
  for (let i = 1; i <= Math.ceil(outBytes / 32); i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    blocks.push(createHmac("sha256", ki).update(Buffer.concat([counter, fixedInput])).digest());
  }
  return Buffer.concat(blocks).subarray(0, outBytes);
}

/** SP 800-108 section 5 recommended fixed input: Label || 0x00 || Context || [L]_32 (L in bits). */
function fixedInput(label: Buffer, context: Buffer, outBytes: number): Buffer {
  const l = Buffer.alloc(4);
  l.writeUInt32BE(outBytes * 8);
  return Buffer.concat([label, Buffer.of(0), context, l]);
}

const hex = (s: string): Buffer => Buffer.from(s, "hex");

/**
 * NIST CAVP KBKDF (CAVS 14.4) KDFCTR_gen.rsp, [PRF=HMAC_SHA256] [CTRLOCATION=BEFORE_FIXED]
 * [RLEN=32_BITS]: COUNT 0 (L=128), 10 (L=256) and 30 (L=320, two PRF blocks, truncated).
 * The CAVP fixed input is opaque random data, so these vectors check the reference above; the
 * project's KDF is then compared with the reference.
 */
const CAVP = [
  {
    count: 0,
    ki: "dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0",
    fixed: "01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b864a145fab25e517b08f8683d0315bb2911d80a0e8aba17f3b413faac",
    ko: "10621342bfb0fd40046c0e29f2cfdbf0",
  },
  {
    count: 10,
    ki: "e204d6d466aad507ffaf6d6dab0a5b26152c9e21e764370464e360c8fbc765c6",
    fixed: "7b03b98d9f94b899e591f3ef264b71b193fba7043c7e953cde23bc5384bc1a6293580115fae3495fd845dadbd02bd6455cf48d0f62b33e62364a3a80",
    ko: "770dfab6a6a4a4bee0257ff335213f78d8287b4fd537d5c1fffa956910e7c779",
  },
  {
    count: 30,
    ki: "c4bedbddb66493e7c7259a3bbbc25f8c7e0ca7fe284d92d431d9cd99a0d214ac",
    fixed: "1c69c54766791e315c2cc5c47ecd3ffab87d0d273dd920e70955814c220eacace6a5946542da3dfe24ff626b4897898cafb7db83bdff3c14fa46fd4b",
    ko: "1da47638d6c9c4d04d74d4640bbd42ab814d9e8cc22f4326695239f96b0693f12d0dd1152cf44430",
  },
] as const;

/** Deterministic 32 bytes from a label (test keys only). */
function bytesOf(label: string, n = 32): Buffer {
  return createHash("sha512").update(label).digest().subarray(0, n);
}

describe("SP 800-108 counter-mode KDF (HMAC-SHA256)", () => {
  for (const v of CAVP) {
    test(`the reference implementation reproduces NIST CAVP vector COUNT=${v.count} (L=${(v.ko.length / 2) * 8})`, () => {
      assert.equal(sp800108CounterHmacSha256(hex(v.ki), hex(v.fixed), v.ko.length / 2).toString("hex"), v.ko);
    });
  }

  const cases: readonly { label: string; context: Buffer; n: number }[] = [
    { label: "trent/v1/symmetric-encrypt", context: bytesOf("ctx", 81), n: 32 },
    { label: "L", context: Buffer.alloc(0), n: 16 },
    { label: "", context: Buffer.from("context"), n: 1 },
    { label: "two blocks, truncated", context: bytesOf("c2", 7), n: 33 },
    { label: "exactly two blocks", context: bytesOf("c3", 60), n: 64 },
    { label: "four blocks", context: bytesOf("c4", 3), n: 100 },
    { label: "upper bound", context: bytesOf("c5", 20), n: 1024 },
  ];
  for (const c of cases) {
    test(`kdfCounterHmacSha256 equals the reference with fixed input Label||0x00||Context||[L]_32 (label "${c.label}", ${c.n} bytes)`, () => {
      const ki = bytesOf(`ki/${c.label}`);
      const label = Buffer.from(c.label, "utf8");
      const out = kdfCounterHmacSha256(SecretBytes.copyOf(ki), label, c.context, c.n);
      try {
        assert.equal(out.length, c.n);
        const expected = sp800108CounterHmacSha256(ki, fixedInput(label, c.context, c.n), c.n);
        assert.ok(out.expose().equals(expected), "derived key differs from the SP 800-108 reference");
      } finally {
        out.dispose();
      }
    });
  }

  test("the output length is part of the derivation: a 16-byte key is not a prefix of the 32-byte key", () => {
    const ki = SecretBytes.copyOf(bytesOf("len"));
    const a = kdfCounterHmacSha256(ki, Buffer.from("l"), Buffer.from("c"), 16);
    const b = kdfCounterHmacSha256(ki, Buffer.from("l"), Buffer.from("c"), 32);
    assert.equal(a.expose().equals(b.expose().subarray(0, 16)), false);
  });

  test("the 0x00 separator keeps (label 'ab', context 'c') and (label 'a', context 'bc') apart", () => {
    const ki = SecretBytes.copyOf(bytesOf("sep"));
    const a = kdfCounterHmacSha256(ki, Buffer.from("ab"), Buffer.from("c"), 32);
    const b = kdfCounterHmacSha256(ki, Buffer.from("a"), Buffer.from("bc"), 32);
    assert.equal(a.equals(b), false);
  });

  test("output lengths outside 1..1024 bytes, or not whole bytes, are refused", () => {
    const ki = SecretBytes.copyOf(bytesOf("bounds"));
    for (const n of [0, -1, 1.5, 1025, Number.NaN]) {
      assert.throws(() => kdfCounterHmacSha256(ki, Buffer.alloc(0), Buffer.alloc(0), n), RangeError, `length ${n}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Symmetric ciphertexts
// ---------------------------------------------------------------------------------------------

const KEY_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f0";
const MATERIAL_ID = bytesOf("material").toString("hex");
const EC: EncryptionContext = { tenant: "acme", purpose: "tamper-test", "é": "ü" };

/** A deterministic random source: SHA-256 in counter mode over a seed. */
function seededRandom(seed: string): RandomSource {
  let i = 0;
  return (n) => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const block = createHash("sha256").update(`${seed}/${i++}`).digest();
      out.push(block);
      have += block.length;
    }
    return Buffer.concat(out).subarray(0, n);
  };
}

function backingKey(label = "backing"): SecretBytes {
  return SecretBytes.copyOf(bytesOf(label));
}

function seal(plaintext: Buffer, ec: EncryptionContext | undefined, seed = "seed"): Buffer {
  return sealSymmetric({
    backingKey: backingKey(),
    keyId: KEY_ID,
    materialId: MATERIAL_ID,
    plaintext: SecretBytes.copyOf(plaintext),
    encryptionContext: ec,
    random: seededRandom(seed),
  });
}

/** Parses and opens; true only when the blob authenticates and yields `expected`. */
function opens(blob: Uint8Array, ec: EncryptionContext | undefined, expected?: Buffer, key = backingKey()): boolean {
  const parsed = parseSymmetricBlob(blob);
  if (parsed === undefined) return false;
  const pt = openSymmetric(parsed, key, ec);
  if (pt === undefined) return false;
  try {
    return expected === undefined || pt.expose().equals(expected);
  } finally {
    pt.dispose();
  }
}

/** Canonical context written from the design notes (count, then sorted length-prefixed pairs). */
function referenceCanonical(ec: EncryptionContext): Buffer {
  const pairs = Object.entries(ec).map(([k, v]) => [Buffer.from(k), Buffer.from(v)] as const);
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  return Buffer.concat([u32(pairs.length), ...pairs.flatMap(([k, v]) => [u32(k.length), k, u32(v.length), v])]);
}

const PLAINTEXT = Buffer.from("The quick brown fox jumps over the lazy dog, 0123456789 times.", "utf8");

describe("symmetric seal and open", () => {
  test("a sealed blob opens to the plaintext, has the documented size and names its key and material", () => {
    const blob = seal(PLAINTEXT, EC);
    assert.equal(blob.length, BLOB_OVERHEAD + PLAINTEXT.length);
    const parsed = parseSymmetricBlob(blob);
    assert.ok(parsed);
    assert.equal(parsed.keyId, KEY_ID);
    assert.equal(parsed.materialId, MATERIAL_ID);
    assert.ok(opens(blob, EC, PLAINTEXT));
  });

  test("the blob follows the documented construction: K = KDF(backing, header without IV), AES-256-GCM, AAD = header || canonical(ec)", () => {
    // Decrypted here with node:crypto directly, so a change of label, layout or AAD that would strand
    // existing ciphertexts fails this test.
    const blob = seal(PLAINTEXT, EC);
    const header = blob.subarray(0, HEADER_LEN);
    const iv = blob.subarray(HEADER_LEN - IV_LEN, HEADER_LEN);
    const tag = blob.subarray(HEADER_LEN, HEADER_LEN + TAG_LEN);
    const ct = blob.subarray(HEADER_LEN + TAG_LEN);
    const k = sp800108CounterHmacSha256(
      bytesOf("backing"),
      fixedInput(Buffer.from("trent/v1/symmetric-encrypt"), header.subarray(0, HEADER_LEN - IV_LEN), 32),
      32,
    );
    const d = createDecipheriv("aes-256-gcm", k, iv, { authTagLength: TAG_LEN });
    d.setAAD(Buffer.concat([header, referenceCanonical(EC)]));
    d.setAuthTag(tag);
    const pt = Buffer.concat([d.update(ct), d.final()]);
    assert.ok(pt.equals(PLAINTEXT), "independent decryption gave other bytes");
  });

  test("the same plaintext sealed twice gives different blobs (fresh nonce and IV)", () => {
    const a = seal(PLAINTEXT, EC, "one");
    const b = seal(PLAINTEXT, EC, "two");
    assert.equal(a.equals(b), false);
    assert.ok(opens(a, EC, PLAINTEXT) && opens(b, EC, PLAINTEXT));
  });

  test("an empty-context blob opens with no context and with {}", () => {
    const blob = seal(PLAINTEXT, undefined);
    assert.ok(opens(blob, undefined, PLAINTEXT));
    assert.ok(opens(blob, {}, PLAINTEXT));
    assert.equal(opens(blob, { a: "b" }), false);
  });

  test("every single-bit change at every byte position makes the blob fail to open", () => {
    const blob = seal(PLAINTEXT, EC);
    let checked = 0;
    for (let pos = 0; pos < blob.length; pos++) {
      for (let bit = 0; bit < 8; bit++) {
        const t = Buffer.from(blob);
        t[pos] = (t[pos] ?? 0) ^ (1 << bit);
        assert.equal(opens(t, EC), false, `bit ${bit} of byte ${pos} changed, and the blob still opened`);
        checked++;
      }
    }
    assert.equal(checked, blob.length * 8);
  });

  test("every truncation (lengths 0..n-1) and any appended byte makes the blob fail to open", () => {
    const blob = seal(PLAINTEXT, EC);
    for (let len = 0; len < blob.length; len++) {
      assert.equal(opens(blob.subarray(0, len), EC), false, `truncated to ${len} bytes, and the blob still opened`);
    }
    for (const extra of [0x00, 0x01, 0xff]) {
      assert.equal(opens(Buffer.concat([blob, Buffer.of(extra)]), EC), false, "extended blob opened");
    }
  });

  test("blobs shorter than the fixed overhead or with another format byte do not parse at all", () => {
    const blob = seal(Buffer.alloc(0), EC);
    assert.equal(blob.length, BLOB_OVERHEAD);
    assert.ok(parseSymmetricBlob(blob), "an empty plaintext still makes a well-formed blob");
    assert.equal(parseSymmetricBlob(blob.subarray(0, BLOB_OVERHEAD - 1)), undefined);
    for (const format of [0x00, 0x02, 0x80, 0xff]) {
      const t = Buffer.from(blob);
      t[0] = format;
      assert.equal(parseSymmetricBlob(t), undefined, `format byte ${format}`);
    }
  });

  test("header, tag and ciphertext from two blobs cannot be spliced together", () => {
    const a = seal(PLAINTEXT, EC, "a");
    const b = seal(PLAINTEXT, EC, "b");
    const headerFromB = Buffer.concat([b.subarray(0, HEADER_LEN), a.subarray(HEADER_LEN)]);
    const tagFromB = Buffer.concat([a.subarray(0, HEADER_LEN), b.subarray(HEADER_LEN, HEADER_LEN + TAG_LEN), a.subarray(HEADER_LEN + TAG_LEN)]);
    assert.equal(opens(headerFromB, EC), false);
    assert.equal(opens(tagFromB, EC), false);
  });

  test("a changed, missing or extra encryption-context pair makes the blob fail to open; reordering does not", () => {
    const blob = seal(PLAINTEXT, EC);
    const wrong: readonly (EncryptionContext | undefined)[] = [
      undefined,
      {},
      { tenant: "acme", purpose: "tamper-test" },
      { ...EC, extra: "1" },
      { ...EC, extra: "" },
      { ...EC, tenant: "acmf" },
      { ...EC, tenant: "" },
      { tenant: "acme", purpose: "tamper-test", e: "ü" },
      { Tenant: "acme", purpose: "tamper-test", "é": "ü" },
      { tenantacme: "", purpose: "tamper-test", "é": "ü" },
      { tenan: "tacme", purpose: "tamper-test", "é": "ü" },
    ];
    for (const ec of wrong) assert.equal(opens(blob, ec), false, `opened with a wrong context (${Object.keys(ec ?? {}).length} pairs)`);
    assert.ok(opens(blob, { "é": "ü", purpose: "tamper-test", tenant: "acme" }, PLAINTEXT));
  });

  test("another backing key does not open the blob", () => {
    const blob = seal(PLAINTEXT, EC);
    assert.equal(opens(blob, EC, undefined, backingKey("other")), false);
  });

  test("openSymmetric leaves the backing key usable (it disposes only the derived key)", () => {
    const key = backingKey();
    const blob = seal(PLAINTEXT, EC);
    assert.ok(opens(blob, EC, PLAINTEXT, key));
    assert.equal(key.disposed, false);
    assert.ok(opens(blob, EC, PLAINTEXT, key));
  });
});
