import type { DeleteImportedKeyMaterialRequest, DeleteImportedKeyMaterialResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import { applyDelete } from "../domain/imported-material.js";
import type { OpContext } from "./context.js";
import { requireExternalOrigin } from "./support/key-import.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

/**
 * Deletes imported key material (the current one unless KeyMaterialId names another). The key
 * becomes PendingImport (unless pending deletion) and cannot be used until the same material is
 * imported again; ciphertexts that name the material decrypt again after that.
 */
export async function deleteImportedKeyMaterial(
  ctx: OpContext,
  input: DeleteImportedKeyMaterialRequest,
): Promise<DeleteImportedKeyMaterialResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "DeleteImportedKeyMaterial",
    action: "kms:DeleteImportedKeyMaterial",
    allowAlias: false,
  });
  requireExternalOrigin(key);
  let deleted: string | undefined;
  await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "DeleteImportedKeyMaterial");
    const outcome = applyDelete(cur, input.KeyMaterialId);
    deleted = outcome.materialId;
    return outcome.removed.length > 0 ? { key: outcome.key, removeMaterialIds: outcome.removed } : { key: outcome.key };
  });
  ctx.materials.forget(key.keyId);
  const arn = keyArn(key.region, key.accountId, key.keyId);
  return deleted === undefined ? { KeyId: arn } : { KeyId: arn, KeyMaterialId: deleted };
}
