import {
  CreateAliasCommand,
  SignCommand,
  VerifyCommand,
  type KeySpec,
  type MessageType,
  type SigningAlgorithmSpec,
} from "@aws-sdk/client-kms";
import { ed25519ph } from "@noble/curves/ed25519.js";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, test } from "node:test";
import { mlDsaExternalMu } from "../../src/crypto/asymmetric/index.js";
import { expectError, setup, useTrent } from "../support/harness.js";
import { createKeysWithPublicPem, openssl, useTempDir, type KeyWithPublicPem } from "../support/openssl.js";

/**
 * Sign and Verify through the SDK for every signing key spec. Trent's signatures are checked by
 * `openssl` with the public key from GetPublicKey (RSA PKCS#1 v1.5 and PSS, ECDSA, Ed25519, SM2),
 * so they are real signatures any verifier accepts, not a Trent-only format.
 */
const MESSAGE = Buffer.from("Trent signs this message for the interop test", "utf8");
const SPECS: readonly KeySpec[] = [
  "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521", "ECC_SECG_P256K1",
  "ECC_NIST_EDWARDS25519", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "SM2",
];
const RSA_ALGS: readonly { alg: SigningAlgorithmSpec; md: "sha256" | "sha384" | "sha512"; pss: boolean }[] = [
  { alg: "RSASSA_PKCS1_V1_5_SHA_256", md: "sha256", pss: false },
  { alg: "RSASSA_PKCS1_V1_5_SHA_384", md: "sha384", pss: false },
  { alg: "RSASSA_PKCS1_V1_5_SHA_512", md: "sha512", pss: false },
  { alg: "RSASSA_PSS_SHA_256", md: "sha256", pss: true },
  { alg: "RSASSA_PSS_SHA_384", md: "sha384", pss: true },
  { alg: "RSASSA_PSS_SHA_512", md: "sha512", pss: true },
];
const ECDSA: readonly { spec: KeySpec; alg: SigningAlgorithmSpec; md: "sha256" | "sha384" | "sha512" }[] = [
  { spec: "ECC_NIST_P256", alg: "ECDSA_SHA_256", md: "sha256" },
  { spec: "ECC_NIST_P384", alg: "ECDSA_SHA_384", md: "sha384" },
  { spec: "ECC_NIST_P521", alg: "ECDSA_SHA_512", md: "sha512" },
  { spec: "ECC_SECG_P256K1", alg: "ECDSA_SHA_256", md: "sha256" },
];

const h = useTrent();
const dir = useTempDir();
let key: (spec: string) => KeyWithPublicPem;

setup(async () => {
  await dir.write("msg.bin", MESSAGE);
  key = await createKeysWithPublicPem(h.kms, dir, SPECS, "SIGN_VERIFY");
});

async function signWith(spec: string, alg: SigningAlgorithmSpec, message: Uint8Array, type: MessageType = "RAW"): Promise<Buffer> {
  const r = await h.kms.send(new SignCommand({ KeyId: key(spec).keyId, Message: message, MessageType: type, SigningAlgorithm: alg }));
  assert.equal(r.KeyId, key(spec).arn, "Sign answers with the key ARN");
  assert.equal(r.SigningAlgorithm, alg);
  return Buffer.from(r.Signature ?? []);
}

async function verifyWith(spec: string, alg: SigningAlgorithmSpec, message: Uint8Array, signature: Uint8Array, type: MessageType = "RAW"): Promise<void> {
  const r = await h.kms.send(
    new VerifyCommand({ KeyId: key(spec).keyId, Message: message, MessageType: type, Signature: signature, SigningAlgorithm: alg }),
  );
  assert.equal(r.SignatureValid, true);
  assert.equal(r.KeyId, key(spec).arn, "Verify answers with the key ARN");
  assert.equal(r.SigningAlgorithm, alg);
}

async function opensslVerifies(args: string[]): Promise<void> {
  const r = await openssl(args);
  assert.equal(r.code, 0, r.stderr);
}

describe("RSA signatures verify with openssl", () => {
  for (const spec of ["RSA_2048", "RSA_3072", "RSA_4096"]) {
    for (const { alg, md, pss } of RSA_ALGS) {
      test(`${spec} ${alg}: RAW and DIGEST signatures verify with openssl and with Trent`, async () => {
        const digest = createHash(md).update(MESSAGE).digest();
        const raw = await signWith(spec, alg, MESSAGE, "RAW");
        const byDigest = await signWith(spec, alg, digest, "DIGEST");
        assert.equal(raw.length, Number(spec.slice(4)) / 8);
        const padding = pss ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest", "-sigopt", `rsa_mgf1_md:${md}`] : [];
        for (const [name, sig] of [["raw", raw], ["digest", byDigest]] as const) {
          const sigPath = await dir.write(`${spec}-${alg}-${name}.sig`, sig);
          await opensslVerifies(["dgst", `-${md}`, "-verify", key(spec).pubPem, ...padding, "-signature", sigPath, dir.file("msg.bin")]);
          // Trent's Verify takes either form for either signature, as AWS does.
          await verifyWith(spec, alg, MESSAGE, sig, "RAW");
          await verifyWith(spec, alg, digest, sig, "DIGEST");
        }
      });
    }
  }
});

describe("ECDSA signatures verify with openssl", () => {
  for (const { spec, alg, md } of ECDSA) {
    test(`${spec} ${alg}: RAW and DIGEST signatures are DER and verify with openssl and with Trent`, async () => {
      const digest = createHash(md).update(MESSAGE).digest();
      for (const [name, sig] of [
        ["raw", await signWith(spec, alg, MESSAGE, "RAW")],
        ["digest", await signWith(spec, alg, digest, "DIGEST")],
      ] as const) {
        assert.equal(sig[0], 0x30, "a DER SEQUENCE");
        const sigPath = await dir.write(`${spec}-${name}.sig`, sig);
        await opensslVerifies(["dgst", `-${md}`, "-verify", key(spec).pubPem, "-signature", sigPath, dir.file("msg.bin")]);
        await verifyWith(spec, alg, MESSAGE, sig, "RAW");
        await verifyWith(spec, alg, digest, sig, "DIGEST");
      }
    });
  }
});

describe("Ed25519, ML-DSA and SM2 signatures", () => {
  test("ED25519_SHA_512 (RAW) signatures verify with openssl pkeyutl -rawin", async () => {
    const sig = await signWith("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", MESSAGE, "RAW");
    assert.equal(sig.length, 64);
    const sigPath = await dir.write("ed25519.sig", sig);
    await opensslVerifies(["pkeyutl", "-verify", "-pubin", "-inkey", key("ECC_NIST_EDWARDS25519").pubPem, "-rawin", "-in", dir.file("msg.bin"), "-sigfile", sigPath]);
    await verifyWith("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", MESSAGE, sig);
  });

  test("ED25519_PH_SHA_512 signs the caller's SHA-512 digest as the Ed25519ph message (verified with @noble/curves)", async () => {
    const digest = createHash("sha512").update(MESSAGE).digest();
    const sig = await signWith("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", digest, "DIGEST");
    const raw = key("ECC_NIST_EDWARDS25519").spki.subarray(-32);
    assert.equal(ed25519ph.verify(sig, digest, raw), true);
    await verifyWith("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", digest, sig, "DIGEST");
  });

  test("Ed25519 message types cannot be swapped: ValidationException", async () => {
    const digest = createHash("sha512").update(MESSAGE).digest();
    await expectError(signWith("ECC_NIST_EDWARDS25519", "ED25519_SHA_512", digest, "DIGEST"), "ValidationException");
    await expectError(signWith("ECC_NIST_EDWARDS25519", "ED25519_PH_SHA_512", MESSAGE, "RAW"), "ValidationException");
  });

  for (const spec of ["ML_DSA_44", "ML_DSA_65", "ML_DSA_87"]) {
    test(`${spec}: RAW signatures verify, and an EXTERNAL_MU signature of the message's mu verifies as RAW`, async () => {
      const sig = await signWith(spec, "ML_DSA_SHAKE_256", MESSAGE, "RAW");
      assert.equal(sig.length, { ML_DSA_44: 2420, ML_DSA_65: 3309, ML_DSA_87: 4627 }[spec]);
      await verifyWith(spec, "ML_DSA_SHAKE_256", MESSAGE, sig);
      const mu = mlDsaExternalMu(spec as "ML_DSA_44", key(spec).spki, MESSAGE);
      const byMu = await signWith(spec, "ML_DSA_SHAKE_256", mu, "EXTERNAL_MU");
      await verifyWith(spec, "ML_DSA_SHAKE_256", MESSAGE, byMu, "RAW");
      await verifyWith(spec, "ML_DSA_SHAKE_256", mu, sig, "EXTERNAL_MU");
      await expectError(signWith(spec, "ML_DSA_SHAKE_256", mu.subarray(1), "EXTERNAL_MU"), "ValidationException");
      await expectError(signWith(spec, "ML_DSA_SHAKE_256", mu, "DIGEST"), "ValidationException");
    });
  }

  test("SM2DSA signatures verify with openssl (SM3, default distinguishing ID)", async () => {
    const sig = await signWith("SM2", "SM2DSA", MESSAGE, "RAW");
    const sigPath = await dir.write("sm2.sig", sig);
    await opensslVerifies(["dgst", "-sm3", "-verify", key("SM2").pubPem, "-sigopt", "distid:1234567812345678", "-signature", sigPath, dir.file("msg.bin")]);
    await verifyWith("SM2", "SM2DSA", MESSAGE, sig);
  });
});

describe("Verify rejects what does not verify", () => {
  test("a changed message or signature is KMSInvalidSignatureException with an empty message", async () => {
    for (const [spec, alg] of [["RSA_2048", "RSASSA_PSS_SHA_256"], ["ECC_NIST_P256", "ECDSA_SHA_256"], ["ECC_NIST_EDWARDS25519", "ED25519_SHA_512"], ["ML_DSA_44", "ML_DSA_SHAKE_256"], ["SM2", "SM2DSA"]] as const) {
      const sig = await signWith(spec, alg, MESSAGE);
      const changed = Buffer.from(MESSAGE);
      changed[0] = (changed[0] ?? 0) ^ 1;
      const e1 = await expectError(verifyWith(spec, alg, changed, sig), "KMSInvalidSignatureException");
      // The wire message is "" as on AWS; the JS SDK reports an empty message as "UnknownError".
      assert.ok(["", "UnknownError"].includes(e1.message), spec);
      const bad = Buffer.from(sig);
      bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1;
      await expectError(verifyWith(spec, alg, MESSAGE, bad), "KMSInvalidSignatureException");
    }
  });

  test("a signature of another key does not verify", async () => {
    const sig = await signWith("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_256", MESSAGE);
    await expectError(
      h.kms.send(new VerifyCommand({ KeyId: key("RSA_4096").keyId, Message: MESSAGE, Signature: sig, SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" })),
      "KMSInvalidSignatureException",
    );
  });
});

describe("Sign and Verify input checks", () => {
  test("a signing algorithm the key spec does not support is InvalidKeyUsageException in AWS's words", async () => {
    const err = await expectError(signWith("ECC_NIST_P256", "ECDSA_SHA_384", MESSAGE), "InvalidKeyUsageException");
    assert.equal(err.message, "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256.");
    await expectError(signWith("RSA_2048", "ECDSA_SHA_256", MESSAGE), "InvalidKeyUsageException");
    await expectError(verifyWith("ECC_NIST_P384", "RSASSA_PSS_SHA_384", MESSAGE, Buffer.alloc(8, 1)), "InvalidKeyUsageException");
  });

  test("a DIGEST of the wrong length is a ValidationException naming the algorithm", async () => {
    const err = await expectError(signWith("ECC_NIST_P256", "ECDSA_SHA_256", Buffer.alloc(48, 1), "DIGEST"), "ValidationException");
    assert.equal(err.message, "Digest is invalid length for algorithm ECDSA_SHA_256.");
    const v = await expectError(verifyWith("RSA_2048", "RSASSA_PSS_SHA_512", Buffer.alloc(32, 1), Buffer.alloc(256, 1), "DIGEST"), "ValidationException");
    assert.equal(v.message, "Digest is invalid length for algorithm RSASSA_PSS_SHA_512.");
  });

  test("a RAW message over 4096 bytes is a ValidationException on 'message'", async () => {
    await signWith("ECC_NIST_P256", "ECDSA_SHA_256", Buffer.alloc(4096, 7));
    const err = await expectError(signWith("ECC_NIST_P256", "ECDSA_SHA_256", Buffer.alloc(4097, 7)), "ValidationException");
    assert.match(err.message, /Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096/);
  });

  test("EXTERNAL_MU is for ML-DSA only: ValidationException with ECDSA", async () => {
    await expectError(signWith("ECC_NIST_P521", "ECDSA_SHA_512", Buffer.alloc(64, 1), "EXTERNAL_MU"), "ValidationException");
  });

  test("Sign accepts an alias and answers with the key ARN; DryRun answers DryRunOperationException", async () => {
    await h.kms.send(new CreateAliasCommand({ AliasName: "alias/signer", TargetKeyId: key("ECC_NIST_P384").keyId }));
    const r = await h.kms.send(new SignCommand({ KeyId: "alias/signer", Message: MESSAGE, SigningAlgorithm: "ECDSA_SHA_384" }));
    assert.equal(r.KeyId, key("ECC_NIST_P384").arn);
    await expectError(
      h.kms.send(new SignCommand({ KeyId: "alias/signer", Message: MESSAGE, SigningAlgorithm: "ECDSA_SHA_384", DryRun: true })),
      "DryRunOperationException",
    );
  });
});
