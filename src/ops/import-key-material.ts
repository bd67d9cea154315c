import { KeyImportError, checkImportedMaterial, unwrapKeyMaterial, type CheckedMaterial } from "../crypto/key-import.js";
import type { SecretBytes } from "../crypto/secret-bytes.js";
import type { ImportKeyMaterialRequest, ImportKeyMaterialResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import { applyImport, chooseExpiration, type ImportType } from "../domain/imported-material.js";
import type { KeyMaterialRecord } from "../domain/key-record.js";
import type { OpContext } from "./context.js";
import { importedMaterialRecord, openImportToken, requireExternalOrigin } from "./support/key-import.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

/**
 * Imports (or re-imports) key material into a key with origin EXTERNAL: the material is unwrapped
 * with the private key inside the import token, checked against the key spec, stored wrapped
 * under the root, and the key becomes Enabled once all of its material is present.
 */
export async function importKeyMaterial(ctx: OpContext, input: ImportKeyMaterialRequest): Promise<ImportKeyMaterialResponse> {
  const now = ctx.now();
  const expiration = chooseExpiration(input.ExpirationModel, input.ValidTo, now);
  const importType = input.ImportType as ImportType | undefined;
  if (importType === "NEW_KEY_MATERIAL" && input.KeyMaterialId !== undefined) {
    throw new KmsError("ValidationException", "You cannot specify a KeyMaterialId with ImportType NEW_KEY_MATERIAL.");
  }
  const key = await useKey(ctx, input.KeyId, {
    operation: "ImportKeyMaterial",
    action: "kms:ImportKeyMaterial",
    allowAlias: false,
    conditions: {
      "kms:ExpirationModel": expiration.expirationModel,
      ...(expiration.validTo !== undefined ? { "kms:ValidTo": Math.floor(expiration.validTo / 1000) } : {}),
    },
  });
  requireExternalOrigin(key);
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (key.keySpec !== "SYMMETRIC_DEFAULT") {
    // AWS: only symmetric encryption keys take these (asymmetric and HMAC keys have one material ever).
    for (const [name, value] of [["ImportType", input.ImportType], ["KeyMaterialId", input.KeyMaterialId], ["KeyMaterialDescription", input.KeyMaterialDescription]] as const) {
      if (value !== undefined) throw new KmsError("ValidationException", `${name} is only supported for symmetric encryption KMS keys.`);
    }
  }

  const token = await openImportToken(ctx.materials.keystore, input.ImportToken, key, now);
  let plaintext: SecretBytes;
  try {
    plaintext = unwrapKeyMaterial(token.wrappingAlgorithm, token.privateKey, input.EncryptedKeyMaterial);
  } catch (e) {
    throw importError(e, arn);
  } finally {
    token.privateKey.dispose();
  }
  let material: CheckedMaterial;
  try {
    material = checkImportedMaterial(key.keyId, key.keySpec, plaintext);
  } catch (e) {
    throw importError(e, arn);
  }
  try {
    if (input.KeyMaterialId !== undefined && input.KeyMaterialId !== material.materialId) {
      throw new KmsError("IncorrectKeyMaterialException", `The key material in the request does not have KeyMaterialId ${input.KeyMaterialId}.`);
    }
    const request = { materialId: material.materialId, importType, expiration, description: input.KeyMaterialDescription };
    let record: KeyMaterialRecord | undefined;
    await mutateKey(ctx.store, key, async (cur) => {
      checkKeyState(cur, "ImportKeyMaterial");
      const outcome = applyImport(cur, request);
      if (!outcome.storeMaterial) return { key: outcome.key };
      record ??= await importedMaterialRecord(ctx.materials.keystore, cur, material, now);
      return { key: outcome.key, addMaterials: [record] };
    });
    return { KeyId: arn, KeyMaterialId: material.materialId };
  } finally {
    material.secret.dispose();
  }
}

function importError(e: unknown, arn: string): unknown {
  if (!(e instanceof KeyImportError)) return e;
  if (e.reason === "UNWRAP_FAILED") return new KmsError("InvalidCiphertextException", "");
  return new KmsError("IncorrectKeyMaterialException", `The key material is not valid for ${arn}.`);
}
