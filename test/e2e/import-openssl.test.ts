import {
  DecryptCommand,
  DeleteImportedKeyMaterialCommand,
  DescribeKeyCommand,
  EncryptCommand,
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  SignCommand,
  type AlgorithmSpec,
} from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createKeyId, useTrent } from "../support/harness.js";
import { openssl, useTempDir } from "../support/openssl.js";

/**
 * AWS's documented OpenSSL procedure for importing key material ("Step 3: Encrypt the key
 * material", proof of concept with OpenSSL), run against Trent: the wrapping public key from
 * GetParametersForImport is turned into PEM, the material is made and wrapped by the `openssl`
 * command line, and the file bytes are imported as they are.
 */

const h = useTrent();
const dir = useTempDir();

async function run(args: readonly string[]): Promise<Buffer> {
  const r = await openssl(args, dir.path);
  assert.equal(r.code, 0, `openssl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const OAEP_SHA256 = ["-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"];

/** GetParametersForImport; the public key is written as wrapping.pem (DER → PEM by openssl). */
async function parameters(keyId: string, algorithm: AlgorithmSpec): Promise<Uint8Array> {
  const p = await h.kms.send(new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: "RSA_2048" }));
  await dir.write("wrapping.der", p.PublicKey ?? new Uint8Array());
  await run(["pkey", "-pubin", "-inform", "DER", "-in", "wrapping.der", "-outform", "PEM", "-out", "wrapping.pem"]);
  return p.ImportToken ?? new Uint8Array();
}

/** RSAES_OAEP_SHA_256: openssl pkeyutl encrypts the material itself under the wrapping key. */
async function wrapOaep(material: string): Promise<Buffer> {
  await run(["pkeyutl", "-encrypt", "-pubin", "-inkey", "wrapping.pem", ...OAEP_SHA256, "-in", material, "-out", "EncryptedKeyMaterial.bin"]);
  return dir.read("EncryptedKeyMaterial.bin");
}

/**
 * RSA_AES_KEY_WRAP_SHA_256: a fresh AES-256 key wraps the material (RFC 5649 key wrap with
 * padding), the wrapping key encrypts the AES key, and the two are concatenated, RSA part first.
 */
async function wrapRsaAes(material: string): Promise<Buffer> {
  await run(["rand", "-out", "aes-key.bin", "32"]);
  const hex = (await dir.read("aes-key.bin")).toString("hex");
  await run(["enc", "-id-aes256-wrap-pad", "-K", hex, "-iv", "A65959A6", "-in", material, "-out", "wrapped-material.bin"]);
  await run(["pkeyutl", "-encrypt", "-pubin", "-inkey", "wrapping.pem", ...OAEP_SHA256, "-in", "aes-key.bin", "-out", "wrapped-aes.bin"]);
  const wrappedAes = await dir.read("wrapped-aes.bin");
  assert.equal(wrappedAes.length, 256, "the RSA part is as long as the RSA_2048 modulus");
  return Buffer.concat([wrappedAes, await dir.read("wrapped-material.bin")]); // cat wrapped-aes wrapped-material
}

async function importBytes(keyId: string, token: Uint8Array, encrypted: Uint8Array): Promise<string> {
  const r = await h.kms.send(
    new ImportKeyMaterialCommand({ KeyId: keyId, ImportToken: token, EncryptedKeyMaterial: encrypted, ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }),
  );
  return r.KeyMaterialId ?? "";
}

describe("importing key material wrapped by the openssl command line", () => {
  test("32 random bytes wrapped with pkeyutl RSA-OAEP SHA-256 import; after deletion the same bytes wrapped by RSA_AES_KEY_WRAP decrypt the old ciphertext", async () => {
    const keyId = await createKeyId(h.kms, { Origin: "EXTERNAL" });
    await run(["rand", "-out", "material.bin", "32"]);

    const first = await importBytes(keyId, await parameters(keyId, "RSAES_OAEP_SHA_256"), await wrapOaep("material.bin"));
    const enc = await h.kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from("openssl interop") }));
    const dec = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(dec.Plaintext ?? []).toString(), "openssl interop");
    assert.equal(dec.KeyMaterialId, first);

    await h.kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
    assert.equal((await h.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState, "PendingImport");

    const again = await importBytes(keyId, await parameters(keyId, "RSA_AES_KEY_WRAP_SHA_256"), await wrapRsaAes("material.bin"));
    assert.equal(again, first, "the same bytes are the same key material");
    const back = await h.kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
    assert.equal(Buffer.from(back.Plaintext ?? []).toString(), "openssl interop");
  });

  test("an RSA private key made by openssl, imported as PKCS#8 DER with RSA_AES_KEY_WRAP, signs what openssl verifies with the original public key", async () => {
    const keyId = await createKeyId(h.kms, { Origin: "EXTERNAL", KeySpec: "RSA_2048", KeyUsage: "SIGN_VERIFY" });
    await run(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "private.pem"]);
    await run(["pkcs8", "-topk8", "-nocrypt", "-inform", "PEM", "-outform", "DER", "-in", "private.pem", "-out", "private.der"]);
    await run(["pkey", "-in", "private.pem", "-pubout", "-out", "public.pem"]);
    await importBytes(keyId, await parameters(keyId, "RSA_AES_KEY_WRAP_SHA_256"), await wrapRsaAes("private.der"));

    const message = Buffer.from("signed by an imported key");
    await dir.write("message.txt", message);
    const pkcs1 = await h.kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: "RSASSA_PKCS1_V1_5_SHA_256" }));
    await dir.write("pkcs1.sig", pkcs1.Signature ?? new Uint8Array());
    await run(["dgst", "-sha256", "-verify", "public.pem", "-signature", "pkcs1.sig", "message.txt"]);
    const pss = await h.kms.send(new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: "RSASSA_PSS_SHA_256" }));
    await dir.write("pss.sig", pss.Signature ?? new Uint8Array());
    await run([
      "dgst", "-sha256", "-verify", "public.pem", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32",
      "-signature", "pss.sig", "message.txt",
    ]);
    // A signature of another message does not verify (the check above is not vacuous).
    await dir.write("other.txt", "another message");
    const r = await openssl(["dgst", "-sha256", "-verify", "public.pem", "-signature", "pkcs1.sig", "other.txt"], dir.path);
    assert.notEqual(r.code, 0);
  });
});
