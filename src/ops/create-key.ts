import { randomUUID } from "node:crypto";
import type { CreateKeyRequest, CreateKeyResponse } from "../generated/kms-types.js";
import { KmsError } from "../domain/errors.js";
import type { KeyMaterialRecord } from "../domain/key-record.js";
import { KEY_SPECS, SUPPORTED_KEY_SPECS, type KeyUsage } from "../domain/key-spec.js";
import { toKeyMetadata } from "../domain/key-metadata.js";
import { checkRequestTags } from "../domain/tags.js";
import { defaultKeyPolicy } from "../policy/default-key-policy.js";
import { checkPolicyDocument } from "../policy/check-policy-document.js";
import type { OpContext } from "./context.js";
import { admitKeyPolicy, bypassCondition } from "./support/admit-policy.js";
import { newKeyRecord } from "./support/new-key-record.js";
import { authorize } from "./support/authorize.js";
import { createKeyInCustomKeyStore } from "./support/create-hsm-key.js";
import { createKeyInExternalKeyStore } from "./support/create-xks-key.js";


function chooseSpec(input: CreateKeyRequest): string {
  const { KeySpec, CustomerMasterKeySpec } = input;
  if (KeySpec !== undefined && CustomerMasterKeySpec !== undefined && KeySpec !== CustomerMasterKeySpec) {
    throw new KmsError("ValidationException", "You cannot specify both KeySpec and CustomerMasterKeySpec.");
  }
  return KeySpec ?? CustomerMasterKeySpec ?? "SYMMETRIC_DEFAULT";
}

function chooseUsage(spec: string, requested: KeyUsage | undefined): KeyUsage {
  const info = KEY_SPECS[spec];
  // The wire decoder has checked the model's enum: a spec missing from the table is one Trent
  // cannot create (none today).
  if (info === undefined) throw new KmsError("UnsupportedOperationException", `KeySpec ${spec} is not supported by this Trent yet.`);
  // Wording recorded from AWS (localstack snapshots test_hmac_create_key_invalid_operations and
  // its KEY_AGREEMENT check); the API reference says KeyUsage is required for every spec but
  // SYMMETRIC_DEFAULT.
  if (requested === undefined) {
    if (spec === "SYMMETRIC_DEFAULT") return "ENCRYPT_DECRYPT";
    throw new KmsError(
      "ValidationException",
      "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
    );
  }
  if (!info.usages.includes(requested)) {
    throw new KmsError("ValidationException", `KeyUsage ${requested} is not compatible with KeySpec ${spec}`);
  }
  return requested;
}

export async function createKey(ctx: OpContext, input: CreateKeyRequest): Promise<CreateKeyResponse> {
  const spec = chooseSpec(input);
  const usage = chooseUsage(spec, input.KeyUsage as KeyUsage | undefined);
  const origin = input.Origin ?? "AWS_KMS";
  const tags = (input.Tags ?? []).map((t) => ({ TagKey: t.TagKey, TagValue: t.TagValue }));
  checkRequestTags(tags);
  const policy = input.Policy ?? defaultKeyPolicy(ctx.caller.accountId);
  if (input.Policy !== undefined) checkPolicyDocument(input.Policy);

  const requestTags: Record<string, string> = {};
  for (const t of tags) requestTags[`aws:RequestTag/${t.TagKey}`] = t.TagValue;
  await authorize(ctx, {
    action: "kms:CreateKey",
    conditions: {
      ...requestTags,
      "aws:TagKeys": tags.map((t) => t.TagKey),
      "kms:KeySpec": spec,
      "kms:KeyUsage": usage,
      "kms:KeyOrigin": origin,
      "kms:MultiRegion": input.MultiRegion === true,
      ...bypassCondition(input.BypassPolicyLockoutSafetyCheck),
    },
  });

  if (input.MultiRegion === true) {
    throw new KmsError("UnsupportedOperationException", "Trent does not create multi-Region keys.");
  }
  // A key in an external key store: KMS-side material here, the external key at the XKS proxy.
  if (origin === "EXTERNAL_KEY_STORE") return createKeyInExternalKeyStore(ctx, input, { spec, usage, origin, policy, tags });
  // A key in a custom key store: its material is generated in the store's PKCS#11 token.
  if (origin === "AWS_CLOUDHSM" || input.CustomKeyStoreId !== undefined) {
    return createKeyInCustomKeyStore(ctx, input, { spec, usage, origin, policy, tags });
  }
  // EXTERNAL: a key without material (PendingImport) for ImportKeyMaterial, of any key spec.
  if (origin !== "AWS_KMS" && origin !== "EXTERNAL") {
    throw new KmsError("UnsupportedOperationException", `Origin ${origin} is not supported by this Trent yet.`);
  }
  if (input.XksKeyId !== undefined) {
    throw new KmsError("ValidationException", "XksKeyId is valid only for KMS keys with Origin EXTERNAL_KEY_STORE.");
  }
  if (!SUPPORTED_KEY_SPECS.has(spec)) {
    throw new KmsError("UnsupportedOperationException", `KeySpec ${spec} is not supported by this Trent yet.`);
  }

  const now = ctx.now();
  const keyId = randomUUID();
  const material: KeyMaterialRecord | undefined =
    origin === "EXTERNAL" ? undefined : await ctx.materials.generate(keyId, spec, "CREATE", now, ctx.random);
  const key = newKeyRecord(
    ctx,
    input,
    { spec, usage, origin, policy, tags },
    material === undefined ? { keyId, createdAt: now, keyState: "PendingImport" } : { keyId, createdAt: now, currentMaterialId: material.materialId },
  );
  if (input.Policy !== undefined) await admitKeyPolicy(ctx, key, input.BypassPolicyLockoutSafetyCheck === true);
  await ctx.store.createKey(key, material !== undefined ? [material] : []);
  return { KeyMetadata: toKeyMetadata(key) };
}
