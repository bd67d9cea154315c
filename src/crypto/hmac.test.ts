import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { SecretBytes } from "./secret-bytes.js";
import {
  HMAC_KEY_LENGTH,
  MAC_ALGORITHM,
  MAC_LENGTH,
  generateHmacKey,
  generateMac,
  verifyMac,
  type HmacKeySpec,
  type MacAlgorithm,
} from "./hmac.js";

const rep = (byte: number, n: number): Buffer => Buffer.alloc(n, byte);
const text = (s: string): Buffer => Buffer.from(s, "utf8");

/** RFC 4231 §4.2–4.8 (test case 5, truncation, checks the leading 128 bits). */
const RFC4231: readonly {
  name: string;
  key: Buffer;
  data: Buffer;
  truncate?: number;
  macs: Readonly<Record<MacAlgorithm, string>>;
}[] = [
  {
    name: "test case 1",
    key: rep(0x0b, 20),
    data: text("Hi There"),
    macs: {
      HMAC_SHA_224: "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
      HMAC_SHA_256: "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
      HMAC_SHA_384: "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
      HMAC_SHA_512:
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
    },
  },
  {
    name: "test case 2 (key shorter than the output)",
    key: text("Jefe"),
    data: text("what do ya want for nothing?"),
    macs: {
      HMAC_SHA_224: "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
      HMAC_SHA_256: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
      HMAC_SHA_384: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
      HMAC_SHA_512:
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    },
  },
  {
    name: "test case 3 (50 bytes of 0xdd)",
    key: rep(0xaa, 20),
    data: rep(0xdd, 50),
    macs: {
      HMAC_SHA_224: "7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea",
      HMAC_SHA_256: "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
      HMAC_SHA_384: "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b2a5ab39dc13814b94e3ab6e101a34f27",
      HMAC_SHA_512:
        "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
    },
  },
  {
    name: "test case 4 (25-byte key 01..19)",
    key: Buffer.from(Array.from({ length: 25 }, (_, i) => i + 1)),
    data: rep(0xcd, 50),
    macs: {
      HMAC_SHA_224: "6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a",
      HMAC_SHA_256: "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
      HMAC_SHA_384: "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e6801dd23c4a7d679ccf8a386c674cffb",
      HMAC_SHA_512:
        "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
    },
  },
  {
    name: "test case 5 (truncated to 128 bits)",
    key: rep(0x0c, 20),
    data: text("Test With Truncation"),
    truncate: 16,
    macs: {
      HMAC_SHA_224: "0e2aea68a90c8d37c988bcdb9fca6fa8",
      HMAC_SHA_256: "a3b6167473100ee06e0c796c2955552b",
      HMAC_SHA_384: "3abf34c3503b2a23a46efc619baef897",
      HMAC_SHA_512: "415fad6271580a531d4179bc891d87a6",
    },
  },
  {
    name: "test case 6 (131-byte key, hashed first)",
    key: rep(0xaa, 131),
    data: text("Test Using Larger Than Block-Size Key - Hash Key First"),
    macs: {
      HMAC_SHA_224: "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
      HMAC_SHA_256: "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
      HMAC_SHA_384: "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
      HMAC_SHA_512:
        "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
    },
  },
  {
    name: "test case 7 (131-byte key and long data)",
    key: rep(0xaa, 131),
    data: text(
      "This is a test using a larger than block-size key and a larger than block-size data. " +
        "The key needs to be hashed before being used by the HMAC algorithm.",
    ),
    macs: {
      HMAC_SHA_224: "3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1",
      HMAC_SHA_256: "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
      HMAC_SHA_384: "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5a678cc31e799176d3860e6110c46523e",
      HMAC_SHA_512:
        "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
    },
  },
];

const ALGORITHMS: readonly MacAlgorithm[] = ["HMAC_SHA_224", "HMAC_SHA_256", "HMAC_SHA_384", "HMAC_SHA_512"];

describe("HMAC known answers (RFC 4231)", () => {
  for (const tc of RFC4231) {
    test(`GenerateMac matches RFC 4231 ${tc.name} for all four algorithms`, () => {
      const key = SecretBytes.copyOf(tc.key);
      for (const alg of ALGORITHMS) {
        const mac = generateMac(alg, key, tc.data);
        assert.equal(mac.length, MAC_LENGTH[alg]);
        assert.equal(mac.subarray(0, tc.truncate ?? mac.length).toString("hex"), tc.macs[alg], alg);
        if (tc.truncate === undefined) assert.equal(verifyMac(alg, key, tc.data, Buffer.from(tc.macs[alg], "hex")), true);
      }
    });
  }
});

describe("HMAC keys and VerifyMac", () => {
  test("generated keys are as long as the key spec names: 28, 32, 48, 64 bytes, and random", () => {
    const want: Readonly<Record<HmacKeySpec, number>> = { HMAC_224: 28, HMAC_256: 32, HMAC_384: 48, HMAC_512: 64 };
    for (const spec of Object.keys(want) as HmacKeySpec[]) {
      const a = generateHmacKey(spec);
      const b = generateHmacKey(spec);
      assert.equal(a.length, want[spec]);
      assert.equal(HMAC_KEY_LENGTH[spec], want[spec]);
      assert.equal(a.equals(b), false);
      assert.equal(MAC_ALGORITHM[spec], `HMAC_SHA_${spec.slice(5)}`);
    }
  });

  test("VerifyMac rejects a changed tag, a changed message, another key, a truncated and an extended tag", () => {
    const key = generateHmacKey("HMAC_256");
    const msg = text("message");
    const mac = generateMac("HMAC_SHA_256", key, msg);
    assert.equal(verifyMac("HMAC_SHA_256", key, msg, mac), true);
    const flipped = Buffer.from(mac);
    flipped[31] = (flipped[31] ?? 0) ^ 1;
    assert.equal(verifyMac("HMAC_SHA_256", key, msg, flipped), false);
    assert.equal(verifyMac("HMAC_SHA_256", key, text("messagf"), mac), false);
    assert.equal(verifyMac("HMAC_SHA_256", generateHmacKey("HMAC_256"), msg, mac), false);
    assert.equal(verifyMac("HMAC_SHA_256", key, msg, mac.subarray(0, 16)), false);
    assert.equal(verifyMac("HMAC_SHA_256", key, msg, Buffer.concat([mac, Buffer.of(0)])), false);
    assert.equal(verifyMac("HMAC_SHA_256", key, msg, Buffer.alloc(0)), false);
    // The same key with another algorithm gives another tag.
    assert.equal(verifyMac("HMAC_SHA_512", key, msg, mac), false);
  });

  test("generateHmacKey takes an injected random source", () => {
    const key = generateHmacKey("HMAC_384", (n) => Buffer.alloc(n, 7));
    assert.equal(key.equals(SecretBytes.copyOf(Buffer.alloc(48, 7))), true);
  });
});
