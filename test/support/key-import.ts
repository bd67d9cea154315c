/**
 * Test support for key import: what a client does between GetParametersForImport and
 * ImportKeyMaterial, written with node:crypto the way AWS's documentation describes it.
 */
import {
  GetParametersForImportCommand,
  ImportKeyMaterialCommand,
  type AlgorithmSpec,
  type ImportKeyMaterialCommandInput,
  type ImportKeyMaterialCommandOutput,
  type KMSClient,
  type WrappingKeySpec,
} from "@aws-sdk/client-kms";
import { constants, createCipheriv, createPublicKey, publicEncrypt, randomBytes } from "node:crypto";

/**
 * EncryptedKeyMaterial for `material` under the wrapping public key (DER SPKI):
 * RSAES_OAEP_*: RSA-OAEP with MGF1 of the same hash; RSA_AES_KEY_WRAP_*: RSA-OAEP of a fresh
 * 256-bit AES key, followed by the AES key wrap with padding (RFC 5649) of the material.
 */
export function wrapMaterial(publicKey: Uint8Array, algorithm: AlgorithmSpec, material: Uint8Array): Buffer {
  const key = createPublicKey({ key: Buffer.from(publicKey), format: "der", type: "spki" });
  const hash = algorithm.endsWith("SHA_1") ? "sha1" : "sha256";
  const oaep = (data: Uint8Array) => publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: hash }, data);
  if (algorithm === "RSAES_OAEP_SHA_1" || algorithm === "RSAES_OAEP_SHA_256") return oaep(material);
  if (algorithm === "RSA_AES_KEY_WRAP_SHA_1" || algorithm === "RSA_AES_KEY_WRAP_SHA_256") {
    const aesKey = randomBytes(32);
    const c = createCipheriv("id-aes256-wrap-pad", aesKey, Buffer.from("a65959a6", "hex"));
    return Buffer.concat([oaep(aesKey), c.update(material), c.final()]);
  }
  throw new Error(`wrapMaterial: ${algorithm} is not an RSA wrapping algorithm`);
}

export interface ImportOptions {
  readonly algorithm?: AlgorithmSpec;
  readonly spec?: WrappingKeySpec;
  readonly validTo?: Date;
  readonly importType?: ImportKeyMaterialCommandInput["ImportType"];
  readonly description?: string;
  readonly keyMaterialId?: string;
}

/** GetParametersForImport, wrap, ImportKeyMaterial (KEY_MATERIAL_DOES_NOT_EXPIRE unless validTo is given). */
export async function importMaterial(
  kms: KMSClient,
  keyId: string,
  material: Uint8Array,
  opts: ImportOptions = {},
): Promise<ImportKeyMaterialCommandOutput> {
  const algorithm = opts.algorithm ?? "RSAES_OAEP_SHA_256";
  const params = await kms.send(
    new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: opts.spec ?? "RSA_2048" }),
  );
  return kms.send(
    new ImportKeyMaterialCommand({
      KeyId: keyId,
      ImportToken: params.ImportToken,
      EncryptedKeyMaterial: wrapMaterial(params.PublicKey ?? new Uint8Array(), algorithm, material),
      ...(opts.validTo !== undefined
        ? { ExpirationModel: "KEY_MATERIAL_EXPIRES", ValidTo: opts.validTo }
        : { ExpirationModel: "KEY_MATERIAL_DOES_NOT_EXPIRE" }),
      ...(opts.importType !== undefined ? { ImportType: opts.importType } : {}),
      ...(opts.description !== undefined ? { KeyMaterialDescription: opts.description } : {}),
      ...(opts.keyMaterialId !== undefined ? { KeyMaterialId: opts.keyMaterialId } : {}),
    }),
  );
}
