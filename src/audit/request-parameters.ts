import type { OperationIO, OperationName } from "../generated/kms-types.js";

/**
 * requestParameters of a CloudTrail record: an explicit ALLOWLIST of request members per
 * operation, written with CloudTrail's lowerCamel names. A member that is not listed here is never
 * recorded, so a member added to the API later cannot leak into the log; the table is complete
 * over the model's operations (the compiler fails when an operation is added) and every name is
 * checked against that operation's input type.
 *
 * Never listed: Plaintext, CiphertextBlob, Message, Mac, Signature, ImportToken,
 * EncryptedKeyMaterial, PublicKey (request blobs), Recipient (attestation documents),
 * KeyStorePassword and XksProxyAuthenticationCredential (secrets), GrantToken of RetireGrant.
 *
 * Kinds say how a value is rendered; a value of another type than its kind expects is dropped
 * (so a Uint8Array or a SecretBytes can never pass even if a name were listed by mistake).
 */
export type MemberKind = "scalar" | "strings" | "context" | "tags" | "constraints" | "date";

type Spec<K extends string> = K | readonly [K, MemberKind];
type InputKey<O extends OperationName> = keyof OperationIO[O]["input"] & string;

export const REQUEST_ALLOWLIST: { readonly [O in OperationName]: readonly Spec<InputKey<O>>[] } = {
  CancelKeyDeletion: ["KeyId"],
  ConnectCustomKeyStore: ["CustomKeyStoreId"],
  CreateAlias: ["AliasName", "TargetKeyId"],
  CreateCustomKeyStore: [
    "CustomKeyStoreName", "CloudHsmClusterId", "CustomKeyStoreType", "XksProxyUriEndpoint", "XksProxyUriPath",
    "XksProxyVpcEndpointServiceName", "XksProxyVpcEndpointServiceOwner", "XksProxyConnectivity",
  ],
  CreateGrant: [
    "KeyId", "GranteePrincipal", "RetiringPrincipal", ["Operations", "strings"], ["Constraints", "constraints"],
    ["GrantTokens", "strings"], "Name", "DryRun", "GranteeServicePrincipal", "RetiringServicePrincipal",
  ],
  CreateKey: [
    "Policy", "Description", "KeyUsage", "CustomerMasterKeySpec", "KeySpec", "Origin", "CustomKeyStoreId",
    "BypassPolicyLockoutSafetyCheck", ["Tags", "tags"], "MultiRegion", "XksKeyId",
  ],
  Decapsulate: ["KeyId", "EncapsulationAlgorithm", ["GrantTokens", "strings"], "DryRun"],
  Decrypt: [
    ["EncryptionContext", "context"], ["GrantTokens", "strings"], "KeyId", "EncryptionAlgorithm", "DryRun",
    ["DryRunModifiers", "strings"],
  ],
  DeleteAlias: ["AliasName"],
  DeleteCustomKeyStore: ["CustomKeyStoreId"],
  DeleteImportedKeyMaterial: ["KeyId", "KeyMaterialId"],
  DeriveSharedSecret: ["KeyId", "KeyAgreementAlgorithm", ["GrantTokens", "strings"], "DryRun"],
  DescribeCustomKeyStores: ["CustomKeyStoreId", "CustomKeyStoreName", "Limit", "Marker"],
  DescribeKey: ["KeyId", ["GrantTokens", "strings"]],
  DisableKey: ["KeyId"],
  DisableKeyRotation: ["KeyId"],
  DisconnectCustomKeyStore: ["CustomKeyStoreId"],
  EnableKey: ["KeyId"],
  EnableKeyRotation: ["KeyId", "RotationPeriodInDays"],
  Encapsulate: ["KeyId", "EncapsulationAlgorithm", ["GrantTokens", "strings"], "DryRun"],
  Encrypt: ["KeyId", ["EncryptionContext", "context"], ["GrantTokens", "strings"], "EncryptionAlgorithm", "DryRun"],
  GenerateDataKey: [
    "KeyId", ["EncryptionContext", "context"], "NumberOfBytes", "KeySpec", ["GrantTokens", "strings"], "DryRun",
  ],
  GenerateDataKeyPair: [["EncryptionContext", "context"], "KeyId", "KeyPairSpec", ["GrantTokens", "strings"], "DryRun"],
  GenerateDataKeyPairWithoutPlaintext: [
    ["EncryptionContext", "context"], "KeyId", "KeyPairSpec", ["GrantTokens", "strings"], "DryRun",
  ],
  GenerateDataKeyWithoutPlaintext: [
    "KeyId", ["EncryptionContext", "context"], "KeySpec", "NumberOfBytes", ["GrantTokens", "strings"], "DryRun",
  ],
  GenerateMac: ["KeyId", "MacAlgorithm", ["GrantTokens", "strings"], "DryRun"],
  GenerateRandom: ["NumberOfBytes", "CustomKeyStoreId"],
  GetKeyLastUsage: ["KeyId"],
  GetKeyPolicy: ["KeyId", "PolicyName"],
  GetKeyRotationStatus: ["KeyId"],
  GetParametersForImport: ["KeyId", "WrappingAlgorithm", "WrappingKeySpec"],
  GetPublicKey: ["KeyId", ["GrantTokens", "strings"]],
  ImportKeyMaterial: ["KeyId", ["ValidTo", "date"], "ExpirationModel", "ImportType", "KeyMaterialDescription", "KeyMaterialId"],
  ListAliases: ["KeyId", "Limit", "Marker"],
  ListGrants: ["KeyId", "GrantId", "GranteePrincipal", "GranteeServicePrincipal", "Limit", "Marker"],
  ListKeyPolicies: ["KeyId", "Limit", "Marker"],
  ListKeyRotations: ["KeyId", "IncludeKeyMaterial", "Limit", "Marker"],
  ListKeys: ["Limit", "Marker"],
  ListResourceTags: ["KeyId", "Limit", "Marker"],
  ListRetirableGrants: ["RetiringPrincipal", "RetiringServicePrincipal", "Limit", "Marker"],
  PutKeyPolicy: ["KeyId", "PolicyName", "Policy", "BypassPolicyLockoutSafetyCheck"],
  ReEncrypt: [
    ["SourceEncryptionContext", "context"], "SourceKeyId", "DestinationKeyId", ["DestinationEncryptionContext", "context"],
    "SourceEncryptionAlgorithm", "DestinationEncryptionAlgorithm", ["GrantTokens", "strings"], "DryRun",
    ["DryRunModifiers", "strings"],
  ],
  ReplicateKey: ["KeyId", "ReplicaRegion", "Policy", "BypassPolicyLockoutSafetyCheck", "Description", ["Tags", "tags"]],
  RetireGrant: ["KeyId", "GrantId", "DryRun"],
  RevokeGrant: ["KeyId", "GrantId", "DryRun"],
  RotateKeyOnDemand: ["KeyId"],
  ScheduleKeyDeletion: ["KeyId", "PendingWindowInDays"],
  Sign: ["KeyId", "MessageType", ["GrantTokens", "strings"], "SigningAlgorithm", "DryRun"],
  TagResource: ["KeyId", ["Tags", "tags"]],
  UntagResource: ["KeyId", ["TagKeys", "strings"]],
  UpdateAlias: ["AliasName", "TargetKeyId"],
  UpdateCustomKeyStore: [
    "CustomKeyStoreId", "NewCustomKeyStoreName", "CloudHsmClusterId", "XksProxyUriEndpoint", "XksProxyUriPath",
    "XksProxyVpcEndpointServiceName", "XksProxyVpcEndpointServiceOwner", "XksProxyConnectivity",
  ],
  UpdateKeyDescription: ["KeyId", "Description"],
  UpdatePrimaryRegion: ["KeyId", "PrimaryRegion"],
  Verify: ["KeyId", "MessageType", "SigningAlgorithm", ["GrantTokens", "strings"], "DryRun"],
  VerifyMac: ["KeyId", "MacAlgorithm", ["GrantTokens", "strings"], "DryRun"],
};

export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [k: string]: JsonValue };
export type JsonObject = { readonly [k: string]: JsonValue };

/** `KeyId` -> `keyId`, as CloudTrail names request and response members. */
export function lowerCamel(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** CloudTrail's rendering of timestamps inside request and response elements (UTC): "May 21, 2025, 5:47:45 AM". */
export function cloudTrailDate(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hh = h % 12 === 0 ? 12 : h % 12;
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  const ss = String(d.getUTCSeconds()).padStart(2, "0");
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${hh}:${mm}:${ss} ${h < 12 ? "AM" : "PM"}`;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function stringRecord(v: unknown): Record<string, string> | undefined {
  if (!isPlainObject(v)) return undefined;
  const keys = Object.keys(v);
  if (keys.length > 1) keys.sort(); // the audit log's canonical order, so it need not reorder
  const out: Record<string, string> = {};
  for (const k of keys) {
    const x = v[k];
    if (typeof x !== "string") return undefined;
    out[k] = x;
  }
  return out;
}

/** Renders one allowlisted value; undefined (dropped) when it is not of the expected kind. */
export function renderValue(kind: MemberKind, v: unknown): JsonValue | undefined {
  switch (kind) {
    case "scalar":
      return typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v)) ? v : undefined;
    case "strings":
      return Array.isArray(v) && v.every((x) => typeof x === "string") ? [...(v as string[])] : undefined;
    case "context":
      return stringRecord(v);
    case "date":
      return v instanceof Date && Number.isFinite(v.getTime()) ? cloudTrailDate(v.getTime()) : undefined;
    case "tags": {
      if (!Array.isArray(v)) return undefined;
      const out: JsonObject[] = [];
      for (const t of v) {
        if (!isPlainObject(t) || typeof t["TagKey"] !== "string" || typeof t["TagValue"] !== "string") return undefined;
        out.push({ tagKey: t["TagKey"], tagValue: t["TagValue"] });
      }
      return out;
    }
    case "constraints": {
      if (!isPlainObject(v)) return undefined;
      const out: Record<string, JsonValue> = {};
      const subset = stringRecord(v["EncryptionContextSubset"]);
      const equals = stringRecord(v["EncryptionContextEquals"]);
      if (subset !== undefined) out["encryptionContextSubset"] = subset;
      if (equals !== undefined) out["encryptionContextEquals"] = equals;
      if (typeof v["SourceArn"] === "string") out["sourceArn"] = v["SourceArn"];
      return out;
    }
  }
}

interface Member {
  readonly name: string;
  readonly kind: MemberKind;
  /** The name CloudTrail writes. */
  readonly camel: string;
}

/** Each operation's allowlist as members ordered by their CloudTrail name (the log's canonical order). */
const PLANS = new Map<string, readonly Member[]>();

function plan(operation: OperationName): readonly Member[] {
  let members = PLANS.get(operation);
  if (members === undefined) {
    members = (REQUEST_ALLOWLIST[operation] as readonly Spec<string>[])
      .map((spec) => {
        const [name, kind] = typeof spec === "string" ? [spec, "scalar" as const] : spec;
        return { name, kind, camel: lowerCamel(name) };
      })
      .sort((a, b) => (a.camel < b.camel ? -1 : a.camel > b.camel ? 1 : 0));
    PLANS.set(operation, members);
  }
  return members;
}

/** The allowlisted request members of `operation`, renamed and rendered; null when there are none. */
export function requestParameters(operation: OperationName, input: unknown): Record<string, JsonValue> | null {
  if (!isPlainObject(input)) return null;
  const out: Record<string, JsonValue> = {};
  let any = false;
  for (const m of plan(operation)) {
    if (!Object.prototype.hasOwnProperty.call(input, m.name)) continue;
    const rendered = renderValue(m.kind, input[m.name]);
    if (rendered !== undefined) {
      out[m.camel] = rendered;
      any = true;
    }
  }
  return any ? out : null;
}

export { isPlainObject };
