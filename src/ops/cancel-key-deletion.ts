import type { CancelKeyDeletionRequest, CancelKeyDeletionResponse } from "../generated/kms-types.js";
import { keyArn } from "../domain/arn.js";
import type { KeyRecord } from "../domain/key-record.js";
import { importsComplete } from "../domain/imported-material.js";
import type { OpContext } from "./context.js";
import { mutateKey } from "./support/mutate-key.js";
import { checkKeyState, useKey } from "./support/use-key.js";

export async function cancelKeyDeletion(ctx: OpContext, input: CancelKeyDeletionRequest): Promise<CancelKeyDeletionResponse> {
  const key = await useKey(ctx, input.KeyId, {
    operation: "CancelKeyDeletion",
    action: "kms:CancelKeyDeletion",
    allowAlias: false,
  });
  const stored = await mutateKey(ctx.store, key, (cur) => {
    checkKeyState(cur, "CancelKeyDeletion");
    const { deletionDate: _d, pendingWindowDays: _p, ...rest } = cur;
    // A key without all of its imported material goes back to PendingImport; others to Disabled.
    const complete = cur.origin !== "EXTERNAL" || importsComplete(cur.importedMaterials ?? []);
    const next: KeyRecord = { ...rest, keyState: complete ? "Disabled" : "PendingImport" };
    return { key: next };
  });
  return { KeyId: keyArn(stored.region, stored.accountId, stored.keyId) };
}
