import { KmsError } from "../../domain/errors.js";
import { keyArn, parseKeyIdentifier } from "../../domain/arn.js";
import type { KeyRecord } from "../../domain/key-record.js";
import type { KeyUsage } from "../../domain/key-spec.js";
import { stateOutcome } from "../../domain/key-state-table.js";
import type { ConditionValue } from "../../policy/authorizer.js";
import type { OpContext } from "../context.js";
import { authorize } from "./authorize.js";
import { withEffectiveState } from "./custom-key-stores.js";
import { resolveKey } from "./resolve-key.js";

export interface KeyUseCheck {
  /** Operation name as in the key-state table, e.g. "Encrypt". */
  readonly operation: string;
  /** Policy action, e.g. "kms:Encrypt". */
  readonly action: string;
  /** The key usage the operation requires, if any. */
  readonly usage?: KeyUsage;
  readonly conditions?: Readonly<Record<string, ConditionValue>>;
  /** The key was found from a ciphertext, not named by a KeyId (AWS words a denial differently). */
  readonly resourceFromCiphertext?: boolean;
}

export interface UseKeyOptions extends KeyUseCheck {
  readonly allowAlias: boolean;
}

/**
 * The one path by which an operation gets a key: resolve the identifier, authorize the caller,
 * then check the key state (AWS's key-state table) and usage.
 */
export async function useKey(ctx: OpContext, keyIdParam: string, opts: UseKeyOptions): Promise<KeyRecord> {
  const key = await resolveKey(ctx, keyIdParam, { allowAlias: opts.allowAlias });
  return checkKeyForUse(ctx, key, opts.allowAlias ? withRequestAlias(opts, keyIdParam) : opts);
}

/**
 * Adds kms:RequestAlias (the alias name, `alias/...`) when the KeyId parameter is an alias name
 * or alias ARN (KMS developer guide, "kms:RequestAlias"). Conditions the operation set itself win
 * (CreateAlias/UpdateAlias name the alias they act on).
 */
export function withRequestAlias<T extends KeyUseCheck>(check: T, keyIdParam: string | undefined): T {
  if (keyIdParam === undefined || (!keyIdParam.startsWith("alias/") && !keyIdParam.includes(":alias/"))) return check;
  const id = parseKeyIdentifier(keyIdParam);
  if (id.kind !== "aliasName" && id.kind !== "aliasArn") return check;
  return { ...check, conditions: { "kms:RequestAlias": id.aliasName, ...check.conditions } };
}

/** Authorizes the caller for a resolved key, then checks its state and usage. */
export async function checkKeyForUse(ctx: OpContext, key: KeyRecord, opts: KeyUseCheck): Promise<KeyRecord> {
  const arn = keyArn(key.region, key.accountId, key.keyId);
  if (!ctx.resolvedKeys.includes(arn)) ctx.resolvedKeys.push(arn);
  await authorize(ctx, {
    action: opts.action,
    key,
    ...(opts.conditions ? { conditions: opts.conditions } : {}),
    ...(opts.resourceFromCiphertext === true ? { resourceFromCiphertext: true } : {}),
  });
  // A key in a custom key store reads Unavailable while its store is not connected.
  checkKeyState(key.customKeyStoreId === undefined ? key : await withEffectiveState(ctx, key), opts.operation);
  if (opts.usage !== undefined && key.keyUsage !== opts.usage) {
    throw new KmsError(
      "InvalidKeyUsageException",
      `${keyArn(key.region, key.accountId, key.keyId)} key usage is ${key.keyUsage} which is not valid for ${opts.operation}.`,
    );
  }
  return key;
}

/** Throws the error AWS's key-state table gives for this operation in the key's state. */
export function checkKeyState(key: KeyRecord, operation: string): void {
  const outcome = stateOutcome(operation, key.keyState);
  if (outcome === "ok") return;
  const arn = keyArn(key.region, key.accountId, key.keyId);
  switch (outcome) {
    case "DisabledException":
      throw new KmsError("DisabledException", `${arn} is disabled.`);
    case "KeyUnavailableException":
      throw new KmsError("KeyUnavailableException", `${arn} is unavailable.`);
    case "UnsupportedOperationException":
      throw new KmsError("UnsupportedOperationException", `${operation} is not supported for ${arn} in state ${key.keyState}.`);
    case "KMSInvalidStateException":
      // Footnote [4] of AWS's key-state table: CancelKeyDeletion on a key that is not pending deletion.
      if (operation === "CancelKeyDeletion") throw new KmsError("KMSInvalidStateException", `${arn} is not pending deletion.`);
      // Footnote [11].
      if (key.keyState === "Unavailable") {
        throw new KmsError("KMSInvalidStateException", `${arn} is unavailable. You cannot perform this operation on an unavailable KMS key.`);
      }
      throw new KmsError("KMSInvalidStateException", `${arn} is ${stateWording(key.keyState)}.`);
  }
}

function stateWording(state: string): string {
  switch (state) {
    case "PendingDeletion":
      return "pending deletion";
    case "PendingImport":
      return "pending import";
    case "Disabled":
      return "disabled";
    case "Unavailable":
      return "unavailable";
    default:
      return `in state ${state}`;
  }
}
