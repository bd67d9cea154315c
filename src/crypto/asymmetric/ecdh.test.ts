import { strict as assert } from "node:assert";
import { after, before, describe, test } from "node:test";
import { AsymmetricCryptoError } from "./errors.js";
import { deriveSharedSecret, type KeyAgreementKeySpec } from "./ecdh.js";
import { generateKeyPair, type KeyPair } from "./key-generation.js";
import { TempDir, openssl, writeKeyPair } from "./test-support/openssl.js";

const CASES = [
  { spec: "ECC_NIST_P256", bytes: 32 },
  { spec: "ECC_NIST_P384", bytes: 48 },
  { spec: "ECC_NIST_P521", bytes: 66 },
] as const satisfies readonly { spec: KeyAgreementKeySpec; bytes: number }[];

let dir: TempDir;

before(async () => {
  dir = await TempDir.create();
});

after(async () => {
  await dir.remove();
});

function reason(r: string) {
  return (e: unknown): boolean => e instanceof AsymmetricCryptoError && e.reason === r && e.awsCode === "ValidationException";
}

for (const { spec, bytes } of CASES) {
  describe(`${spec} ECDH`, () => {
    let kms: KeyPair;
    let peer: KeyPair;
    before(async () => {
      [kms, peer] = await Promise.all([generateKeyPair(spec), generateKeyPair(spec)]);
    });
    after(() => {
      kms.privateKey.dispose();
      peer.privateKey.dispose();
    });

    test("Trent's raw shared secret equals openssl pkeyutl -derive from the other side", async () => {
      const ours = await writeKeyPair(dir, `${spec}-kms`, { publicKey: kms.publicKey });
      const theirs = await writeKeyPair(dir, `${spec}-peer`, { publicKey: peer.publicKey, privateKey: peer.privateKey.expose() });
      const out = dir.file(`${spec}.secret`);
      const r = await openssl(["pkeyutl", "-derive", "-inkey", theirs.priv, "-peerkey", ours.pub, "-out", out]);
      assert.equal(r.code, 0, r.stderr);
      const secret = deriveSharedSecret(spec, "ECDH", kms.privateKey, peer.publicKey);
      assert.equal(secret.length, bytes);
      assert.equal(secret.expose().equals(await dir.read(`${spec}.secret`)), true);
      // And symmetric within Trent.
      assert.equal(deriveSharedSecret(spec, "ECDH", peer.privateKey, kms.publicKey).equals(secret), true);
    });

    test("a peer key on another curve is refused as a curve mismatch", async () => {
      const other = await generateKeyPair(spec === "ECC_NIST_P256" ? "ECC_NIST_P384" : "ECC_NIST_P256");
      assert.throws(() => deriveSharedSecret(spec, "ECDH", kms.privateKey, other.publicKey), reason("PEER_KEY_CURVE_MISMATCH"));
      const k1 = await generateKeyPair("ECC_SECG_P256K1");
      assert.throws(() => deriveSharedSecret(spec, "ECDH", kms.privateKey, k1.publicKey), reason("PEER_KEY_CURVE_MISMATCH"));
    });

    test("a malformed peer key, a non-EC key and a point off the curve are refused as an invalid public key", async () => {
      const bad = [
        Buffer.alloc(0),
        Buffer.from("not DER at all"),
        peer.publicKey.subarray(0, peer.publicKey.length - 1),
        Buffer.concat([peer.publicKey, Buffer.of(0)]),
        (await generateKeyPair("ECC_NIST_EDWARDS25519")).publicKey,
      ];
      const offCurve = Buffer.from(peer.publicKey);
      offCurve[offCurve.length - 1] = (offCurve[offCurve.length - 1] ?? 0) ^ 1; // y changes: (x, y') is not on the curve
      bad.push(offCurve);
      for (const b of bad) {
        assert.throws(() => deriveSharedSecret(spec, "ECDH", kms.privateKey, b), reason("INVALID_PEER_PUBLIC_KEY"));
      }
    });
  });
}
