import { randomUUID } from "node:crypto";
import type { CreateKeyRequest, CreateKeyResponse } from "../../generated/kms-types.js";
import type { CustomKeyStoreRecord } from "../../domain/custom-key-store.js";
import { KmsError } from "../../domain/errors.js";
import type { KeyRecord } from "../../domain/key-record.js";
import { toKeyMetadata } from "../../domain/key-metadata.js";
import type { OpContext } from "../context.js";
import { admitKeyPolicy } from "./admit-policy.js";
import { newKeyRecord } from "./new-key-record.js";
import { findCustomKeyStore, invalidConnectionState, requireCustomKeyStores } from "./custom-key-store-records.js";
import type { HsmKeyParameters } from "./create-hsm-key.js";
import { xksCreateKeyError } from "./xks-errors.js";
import { XksProxyFailure } from "./xks-proxy-client.js";

/**
 * CreateKey with Origin EXTERNAL_KEY_STORE (after authorization): the store must be a CONNECTED
 * external key store, and its proxy's GetKeyMetadata must report the external key as AES_256, with
 * the ENCRYPT and DECRYPT usages, ENABLED. No KMS key of the store may use the same XksKeyId. The
 * KMS-side key material is generated as for any symmetric key: ciphertexts are encrypted under it
 * and then under the external key (support/xks-crypto.ts).
 */
export async function createKeyInExternalKeyStore(ctx: OpContext, input: CreateKeyRequest, p: HsmKeyParameters): Promise<CreateKeyResponse> {
  if (input.CustomKeyStoreId === undefined) {
    // As for Origin AWS_CLOUDHSM without a CustomKeyStoreId (create-hsm-key.ts).
    throw new KmsError("UnsupportedOperationException", "Origin EXTERNAL_KEY_STORE requires a CustomKeyStoreId that identifies an external key store.");
  }
  if (input.XksKeyId === undefined) {
    throw new KmsError("ValidationException", "Origin EXTERNAL_KEY_STORE requires an XksKeyId that identifies the external key.");
  }
  if (p.spec !== "SYMMETRIC_DEFAULT" || p.usage !== "ENCRYPT_DECRYPT") {
    throw new KmsError(
      "UnsupportedOperationException",
      `KeySpec ${p.spec} is not supported in an external key store: only symmetric encryption keys (SYMMETRIC_DEFAULT) can be created there.`,
    );
  }
  const xksKeyId = input.XksKeyId;
  // The model's pattern allows them, but they would be dot-segments of the proxy's URI path.
  if (xksKeyId === "." || xksKeyId === "..") throw new KmsError("ValidationException", `XksKeyId ${xksKeyId} is not a valid external key id.`);
  const hsm = requireCustomKeyStores(ctx);
  const store = await findCustomKeyStore(ctx, input.CustomKeyStoreId);
  if (store.xks === undefined) {
    throw new KmsError(
      "UnsupportedOperationException",
      `Custom key store ${store.customKeyStoreId} is an AWS CloudHSM key store: Origin EXTERNAL_KEY_STORE needs an external key store.`,
    );
  }
  if (store.connectionState !== "CONNECTED") throw invalidConnectionState(store, "CreateKey", "CONNECTED");
  await checkXksKeyFree(ctx, store, xksKeyId);
  await checkExternalKey(ctx, store, xksKeyId);
  const now = ctx.now();
  const keyId = randomUUID();
  const draft = newKeyRecord(ctx, input, { ...p, origin: "EXTERNAL_KEY_STORE" }, { keyId, createdAt: now, customKeyStoreId: store.customKeyStoreId, xksKeyId });
  if (input.Policy !== undefined) await admitKeyPolicy(ctx, draft, input.BypassPolicyLockoutSafetyCheck === true);
  const material = await ctx.materials.generate(keyId, p.spec, "CREATE", now, ctx.random);
  const key: KeyRecord = { ...draft, currentMaterialId: material.materialId };
  await ctx.store.createKey(key, [material]);
  hsm.remember(store.customKeyStoreId, store);
  return { KeyMetadata: toKeyMetadata(key, store) };
}

/** XksKeyAlreadyInUseException: a KMS key of this store already uses the external key (a bounded scan of the partition). */
async function checkXksKeyFree(ctx: OpContext, store: CustomKeyStoreRecord, xksKeyId: string): Promise<void> {
  let after: string | undefined;
  for (let page = 0; page < 100_000; page++) {
    const keys = await ctx.store.listKeys(ctx.caller.accountId, ctx.caller.region, after, 1000);
    if (keys.items.some((k) => k.customKeyStoreId === store.customKeyStoreId && k.xksKeyId === xksKeyId)) {
      throw new KmsError(
        "XksKeyAlreadyInUseException",
        `The external key ${xksKeyId} is already associated with a KMS key in custom key store ${store.customKeyStoreId}.`,
      );
    }
    if (keys.next === undefined) return;
    after = keys.next;
  }
}

/** GetKeyMetadata at the proxy: AES_256, ENCRYPT and DECRYPT, ENABLED. */
async function checkExternalKey(ctx: OpContext, store: CustomKeyStoreRecord, xksKeyId: string): Promise<void> {
  let r: Record<string, unknown>;
  try {
    r = await requireCustomKeyStores(ctx).xksCall(store, `keys/${xksKeyId}/metadata`, {
      requestMetadata: { awsPrincipalArn: ctx.caller.principalArn, kmsOperation: "CreateKey", kmsRequestId: ctx.requestId },
    });
  } catch (e) {
    if (e instanceof XksProxyFailure) throw xksCreateKeyError(e);
    throw e;
  }
  const usage = r["keyUsage"];
  if (typeof r["keySpec"] !== "string" || !Array.isArray(usage) || typeof r["keyStatus"] !== "string") {
    throw xksCreateKeyError(new XksProxyFailure("invalid-response"));
  }
  const problems: string[] = [];
  if (r["keySpec"] !== "AES_256") problems.push("its key spec is not AES_256");
  if (!usage.includes("ENCRYPT") || !usage.includes("DECRYPT")) problems.push("its key usage does not include both ENCRYPT and DECRYPT");
  if (r["keyStatus"] !== "ENABLED") problems.push("it is not ENABLED");
  if (problems.length > 0) {
    throw new KmsError(
      "XksKeyInvalidConfigurationException",
      `The external key ${xksKeyId} cannot back a KMS key: ${problems.join(", ")} in the external key manager.`,
    );
  }
}
