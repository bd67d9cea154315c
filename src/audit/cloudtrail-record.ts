import { randomUUID } from "node:crypto";
import { keyArn, parseKeyIdentifier } from "../domain/arn.js";
import type { OperationName } from "../generated/kms-types.js";
import type { Caller } from "../policy/authorizer.js";
import { REQUEST_ALLOWLIST, cloudTrailDate, isPlainObject, lowerCamel, renderValue, requestParameters } from "./request-parameters.js";
import type { JsonObject, JsonValue, MemberKind } from "./request-parameters.js";

/**
 * Builds CloudTrail-shaped records (the shape AWS KMS writes to CloudTrail) from what the
 * dispatcher saw of a call, and from Trent's own background actions. Pure: no I/O, no clock except
 * the event id source (injectable).
 *
 * What is recorded comes from allowlists only: request members (request-parameters.ts), response
 * members (below), key metadata members (below). Plaintext, ciphertext, key material and data keys
 * are never among them.
 */

export const EVENT_VERSION = "1.11";
export const EVENT_SOURCE = "kms.amazonaws.com";
/** The STS actions Trent answers on its endpoint (src/sts/): recorded with eventSource sts.amazonaws.com. */
const STS_ACTIONS: ReadonlySet<string> = new Set(["AssumeRole", "GetCallerIdentity"]);
/** What AWS writes as the invoker of its own background actions; kept for tools that match on it. */
export const SERVICE_INVOKER = "AWS Internal";

export interface CloudTrailUserIdentity {
  readonly type?: string;
  readonly principalId?: string;
  readonly arn?: string;
  readonly accountId?: string;
  readonly accessKeyId?: string;
  readonly userName?: string;
  readonly invokedBy?: string;
  readonly sessionContext?: {
    readonly attributes: { readonly creationDate: string; readonly mfaAuthenticated: "false" };
    readonly sessionIssuer: { readonly accountId: string; readonly arn: string; readonly principalId: string; readonly type: "Role"; readonly userName: string };
  };
}

export interface CloudTrailResource {
  readonly accountId: string;
  readonly type: "AWS::KMS::Key";
  readonly ARN: string;
}

export interface CloudTrailEvent {
  readonly eventVersion: string;
  readonly userIdentity: CloudTrailUserIdentity;
  /** ISO 8601 UTC, seconds precision: "2025-05-20T20:46:16Z". */
  readonly eventTime: string;
  readonly eventSource: typeof EVENT_SOURCE | "sts.amazonaws.com";
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: JsonObject | null;
  readonly responseElements: JsonObject | null;
  readonly additionalEventData?: JsonObject;
  /** Absent on service events, as in AWS's. */
  readonly requestID?: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly resources?: readonly CloudTrailResource[];
  readonly eventType: "AwsApiCall" | "AwsServiceEvent";
  readonly managementEvent: true;
  readonly recipientAccountId?: string;
  readonly serviceEventDetails?: JsonObject;
  readonly eventCategory: "Management";
}

/**
 * What the dispatcher knows of one call. `CallOutcome` (src/api/dispatcher.ts) is assignable to
 * it; the optional members are for what is known before authentication succeeds.
 */
export interface AuditCall {
  readonly requestId: string;
  /** undefined when the target could not be determined. */
  readonly operation: string | undefined;
  /** undefined when the call was not authenticated. */
  readonly caller: Caller | undefined;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  /** The decoded input (blobs are Uint8Array, sensitive blobs SecretBytes); read through allowlists only. */
  readonly input: unknown;
  readonly output: unknown;
  /** Epoch milliseconds. */
  readonly startedAt: number;
  /** Access key id SigV4 parsed, for calls whose authentication failed. */
  readonly accessKeyId?: string | undefined;
  /** Peer address and User-Agent, for calls whose authentication failed. */
  readonly sourceIp?: string | undefined;
  readonly userAgent?: string | undefined;
  /** Region named by the SigV4 credential scope, for calls whose authentication failed. */
  readonly region?: string | undefined;
  /** ARNs of the keys the call resolved (e.g. an alias's target), when the dispatcher knows them. */
  readonly keyArns?: readonly string[] | undefined;
}

export interface RecordOptions {
  /** Event id source; default crypto.randomUUID. */
  readonly eventId?: () => string;
  /** awsRegion when neither the caller nor the call names one. */
  readonly defaultRegion?: string;
}

/** Operations CloudTrail marks readOnly: true (reads and cryptographic operations). */
const READ_ONLY: ReadonlySet<string> = new Set([
  "Decapsulate", "Decrypt", "DeriveSharedSecret", "DescribeCustomKeyStores", "DescribeKey", "Encapsulate", "Encrypt",
  "GenerateDataKey", "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext",
  "GenerateMac", "GenerateRandom", "GetKeyLastUsage", "GetKeyPolicy", "GetKeyRotationStatus", "GetParametersForImport",
  "GetPublicKey", "ListAliases", "ListGrants", "ListKeyPolicies", "ListKeyRotations", "ListKeys", "ListResourceTags",
  "ListRetirableGrants", "ReEncrypt", "Sign", "Verify", "VerifyMac",
  // STS, as CloudTrail marks them.
  "AssumeRole", "GetCallerIdentity",
]);

/** True for reads and cryptographic operations: calls that change no state. */
export function isReadOnlyOperation(op: string): boolean {
  return READ_ONLY.has(op);
}

/**
 * Management operations whose record carries the affected key's ARN in responseElements.keyId
 * even though the operation does not return it (AWS does so since December 2022).
 */
const KEY_ARN_RESPONSE: ReadonlySet<string> = new Set([
  "CancelKeyDeletion", "DeleteImportedKeyMaterial", "DisableKey", "DisableKeyRotation", "EnableKey",
  "EnableKeyRotation", "ImportKeyMaterial", "PutKeyPolicy", "RotateKeyOnDemand", "TagResource", "UntagResource",
  "UpdateKeyDescription", "UpdatePrimaryRegion",
]);

function isOperation(op: string | undefined): op is OperationName {
  return op !== undefined && Object.prototype.hasOwnProperty.call(REQUEST_ALLOWLIST, op);
}

let lastSecond = Number.NaN;
let lastEventTime = "";

/** ISO 8601 UTC to the second ("2025-05-20T20:46:16Z"); formatted once per second. */
export function eventTimeOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastEventTime = new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    lastSecond = second;
  }
  return lastEventTime;
}

function normaliseIp(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

function userIdentity(call: AuditCall): CloudTrailUserIdentity {
  const c = call.caller;
  if (c === undefined) {
    return call.accessKeyId !== undefined ? { accessKeyId: call.accessKeyId, type: "Unknown" } : { type: "Unknown" };
  }
  // Members in sorted order, so that the canonical form of the record needs no reordering.
  const base = { accessKeyId: c.accessKeyId, accountId: c.accountId, arn: c.principalArn, principalId: c.principalId, type: c.principalType };
  if (c.principalType === "IAMUser") {
    const name = c.principalArn.slice(c.principalArn.lastIndexOf("/") + 1);
    return { ...base, userName: name };
  }
  if (c.principalType === "AssumedRole" && c.session !== undefined) {
    const s = c.session;
    const sessionIssuer = {
      accountId: c.accountId,
      arn: s.roleArn,
      principalId: s.roleId,
      type: "Role" as const,
      userName: s.roleArn.slice(s.roleArn.lastIndexOf("/") + 1),
    };
    const attributes = { creationDate: new Date(s.issuedAt).toISOString().replace(/\.\d{3}Z$/, "Z"), mfaAuthenticated: "false" as const };
    // Sorted members: sessionContext sorts between principalId and type.
    return { accessKeyId: c.accessKeyId, accountId: c.accountId, arn: c.principalArn, principalId: c.principalId, sessionContext: { attributes, sessionIssuer }, type: c.principalType };
  }
  return base;
}

/** The fifth field of an ARN (the account), as arn.split(":")[4]. */
function accountOfArn(arn: string): string | undefined {
  let start = 0;
  for (let i = 0; i < 4; i++) {
    const c = arn.indexOf(":", start);
    if (c < 0) return undefined;
    start = c + 1;
  }
  const end = arn.indexOf(":", start);
  return end < 0 ? arn.slice(start) : arn.slice(start, end);
}

/** A key id or key ARN as a key ARN; undefined for aliases and invalid identifiers. */
function asKeyArn(identifier: unknown, region: string, accountId: string | undefined): string | undefined {
  if (typeof identifier !== "string") return undefined;
  const k = parseKeyIdentifier(identifier);
  if (k.kind === "keyArn") return identifier;
  if (k.kind === "keyId" && accountId !== undefined) return keyArn(region, accountId, k.keyId);
  return undefined;
}

function resourceArns(call: AuditCall, op: string | undefined, region: string): string[] {
  const arns: string[] = [...(call.keyArns ?? [])];
  const account = call.caller?.accountId;
  const out = isPlainObject(call.output) && call.errorCode === undefined ? call.output : undefined;
  const input = isPlainObject(call.input) ? call.input : undefined;
  if (out !== undefined) {
    for (const v of [out["SourceKeyId"], out["KeyId"]]) {
      if (typeof v === "string" && v.startsWith("arn:")) arns.push(v);
    }
    const md = out["KeyMetadata"];
    if (isPlainObject(md) && typeof md["Arn"] === "string") arns.push(md["Arn"]);
  }
  if (arns.length === 0 && input !== undefined && op !== "CreateKey") {
    for (const name of ["KeyId", "SourceKeyId", "TargetKeyId", "DestinationKeyId"]) {
      const arn = asKeyArn(input[name], region, account);
      if (arn !== undefined) arns.push(arn);
    }
  }
  // Without repeats, in first-seen order (a handful at most: no Set needed).
  const unique: string[] = [];
  for (const a of arns) if (!unique.includes(a)) unique.push(a);
  return unique;
}

// KeyMetadata members, as CloudTrail writes them in CreateKey's responseElements.keyMetadata.
const KEY_METADATA: readonly (readonly [string, MemberKind])[] = [
  ["AWSAccountId", "scalar"], ["KeyId", "scalar"], ["Arn", "scalar"], ["CreationDate", "date"], ["Enabled", "scalar"],
  ["Description", "scalar"], ["KeyUsage", "scalar"], ["KeyState", "scalar"], ["DeletionDate", "date"],
  ["ValidTo", "date"], ["Origin", "scalar"], ["CustomKeyStoreId", "scalar"], ["CloudHsmClusterId", "scalar"],
  ["ExpirationModel", "scalar"], ["KeyManager", "scalar"], ["CustomerMasterKeySpec", "scalar"], ["KeySpec", "scalar"],
  ["EncryptionAlgorithms", "strings"], ["SigningAlgorithms", "strings"], ["KeyAgreementAlgorithms", "strings"],
  ["EncapsulationAlgorithms", "strings"], ["MacAlgorithms", "strings"], ["MultiRegion", "scalar"],
  ["PendingDeletionWindowInDays", "scalar"], ["CurrentKeyMaterialId", "scalar"],
];

function keyMetadata(md: Record<string, unknown>): JsonObject {
  const out: Record<string, JsonValue> = {};
  for (const [name, kind] of KEY_METADATA) {
    const v = renderValue(kind, md[name]);
    // CloudTrail keeps "AWSAccountId" as is and lower-cases the first letter of the others.
    if (v !== undefined) out[name === "AWSAccountId" ? name : lowerCamel(name)] = v;
  }
  const mrc = md["MultiRegionConfiguration"];
  if (isPlainObject(mrc)) {
    const region = (k: unknown): JsonObject | undefined =>
      isPlainObject(k) && typeof k["Arn"] === "string" && typeof k["Region"] === "string" ? { arn: k["Arn"], region: k["Region"] } : undefined;
    const cfg: Record<string, JsonValue> = {};
    if (typeof mrc["MultiRegionKeyType"] === "string") cfg["multiRegionKeyType"] = mrc["MultiRegionKeyType"];
    const primary = region(mrc["PrimaryKey"]);
    if (primary !== undefined) cfg["primaryKey"] = primary;
    if (Array.isArray(mrc["ReplicaKeys"])) {
      cfg["replicaKeys"] = mrc["ReplicaKeys"].map(region).filter((r): r is JsonObject => r !== undefined);
    }
    out["multiRegionConfiguration"] = cfg;
  }
  const xks = md["XksKeyConfiguration"];
  if (isPlainObject(xks) && typeof xks["Id"] === "string") out["xksKeyConfiguration"] = { id: xks["Id"] };
  return out;
}

function responseElements(op: string, call: AuditCall, arns: readonly string[]): JsonObject | null {
  if (call.errorCode !== undefined || !isPlainObject(call.output)) return null;
  const out = call.output;
  if (op === "AssumeRole") return assumeRoleResponse(out);
  const arn = arns[0];
  if (op === "CreateKey" || op === "ReplicateKey") {
    const md = out[op === "CreateKey" ? "KeyMetadata" : "ReplicaKeyMetadata"];
    return isPlainObject(md) ? { keyMetadata: keyMetadata(md) } : null;
  }
  if (op === "ScheduleKeyDeletion") {
    const r: Record<string, JsonValue> = {};
    const keyId = typeof out["KeyId"] === "string" ? out["KeyId"] : arn;
    if (keyId !== undefined) r["keyId"] = keyId;
    if (typeof out["KeyState"] === "string") r["keyState"] = out["KeyState"];
    const deletion = renderValue("date", out["DeletionDate"]);
    if (deletion !== undefined) r["deletionDate"] = deletion;
    return r;
  }
  if (op === "CreateGrant") {
    // The grant token is a bearer credential: only its id is recorded.
    const r: Record<string, JsonValue> = {};
    if (typeof out["GrantId"] === "string") r["grantId"] = out["GrantId"];
    if (arn !== undefined) r["keyId"] = arn;
    return r;
  }
  if (KEY_ARN_RESPONSE.has(op)) {
    const keyId = typeof out["KeyId"] === "string" && out["KeyId"].startsWith("arn:") ? out["KeyId"] : arn;
    if (keyId === undefined) return null;
    const r: Record<string, JsonValue> = { keyId };
    if (op === "DeleteImportedKeyMaterial" && typeof out["KeyMaterialId"] === "string") r["keyMaterialId"] = out["KeyMaterialId"];
    return r;
  }
  return null;
}

function additionalEventData(call: AuditCall): JsonObject | undefined {
  if (call.errorCode !== undefined || !isPlainObject(call.output)) return undefined;
  const out = call.output;
  const r: Record<string, JsonValue> = {};
  if (typeof out["KeyMaterialId"] === "string") r["keyMaterialId"] = out["KeyMaterialId"];
  if (typeof out["SourceKeyMaterialId"] === "string") r["sourceKeyMaterialId"] = out["SourceKeyMaterialId"];
  if (typeof out["DestinationKeyMaterialId"] === "string") r["destinationKeyMaterialId"] = out["DestinationKeyMaterialId"];
  return Object.keys(r).length === 0 ? undefined : r;
}

function params(op: string | undefined, call: AuditCall): JsonObject | null {
  if (op === "AssumeRole") return assumeRoleParams(call.input);
  if (!isOperation(op)) return null;
  const p = requestParameters(op, call.input);
  if (op !== "Decrypt") return p;
  // Decrypt's record always names the algorithm, and the key when the response named it.
  const r: Record<string, JsonValue> = { ...(p ?? {}) };
  const out = isPlainObject(call.output) && call.errorCode === undefined ? call.output : undefined;
  if (r["encryptionAlgorithm"] === undefined) {
    r["encryptionAlgorithm"] = typeof out?.["EncryptionAlgorithm"] === "string" ? out["EncryptionAlgorithm"] : "SYMMETRIC_DEFAULT";
  }
  if (r["keyId"] === undefined && typeof out?.["KeyId"] === "string") r["keyId"] = out["KeyId"];
  // Members in sorted order (the log's canonical order), as requestParameters gives them.
  const sorted: Record<string, JsonValue> = {};
  for (const k of Object.keys(r).sort()) sorted[k] = r[k] as JsonValue;
  return sorted;
}

const MAX_ERROR_MESSAGE = 1024;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The CloudTrail record of one API call, allowed or denied, succeeded or failed. Members are
 * added in sorted order (at every level this module builds), so that the audit log's canonical
 * form of the record is JSON.stringify of it, with no reordering.
 */
export function cloudTrailRecord(call: AuditCall, options: RecordOptions = {}): CloudTrailEvent {
  const op = call.operation;
  const region = call.caller?.region ?? call.region ?? options.defaultRegion ?? "";
  const arns = resourceArns(call, op, region);
  const recipient = (arns[0] !== undefined ? accountOfArn(arns[0]) : undefined) ?? call.caller?.accountId;
  const extra = additionalEventData(call);
  const r = {} as Mutable<CloudTrailEvent>;
  if (extra !== undefined) r.additionalEventData = extra;
  r.awsRegion = region;
  if (call.errorCode !== undefined) {
    r.errorCode = call.errorCode;
    if (call.errorMessage !== undefined && call.errorMessage !== "") r.errorMessage = call.errorMessage.slice(0, MAX_ERROR_MESSAGE);
  }
  r.eventCategory = "Management";
  r.eventID = (options.eventId ?? randomUUID)();
  r.eventName = op ?? "Unknown";
  r.eventSource = op !== undefined && STS_ACTIONS.has(op) ? "sts.amazonaws.com" : EVENT_SOURCE;
  r.eventTime = eventTimeOf(call.startedAt);
  r.eventType = "AwsApiCall";
  r.eventVersion = EVENT_VERSION;
  r.managementEvent = true;
  r.readOnly = op !== undefined && READ_ONLY.has(op);
  if (recipient !== undefined) r.recipientAccountId = recipient;
  r.requestID = call.requestId;
  r.requestParameters = params(op, call);
  if (arns.length > 0) r.resources = arns.map(resource);
  r.responseElements = op === undefined ? null : responseElements(op, call, arns);
  r.sourceIPAddress = normaliseIp(call.caller?.sourceIp ?? call.sourceIp ?? "");
  r.userAgent = call.caller?.userAgent ?? call.userAgent ?? "";
  r.userIdentity = userIdentity(call);
  return r;
}

function resource(arn: string): CloudTrailResource {
  // "ARN" sorts before "accountId" (upper case first).
  return { ARN: arn, accountId: accountOfArn(arn) ?? "", type: "AWS::KMS::Key" };
}

// ---------------------------------------------------------------------------------------------
// Service events: what Trent does by itself, as AWS KMS records its own background actions.
// ---------------------------------------------------------------------------------------------

export interface ServiceEventInput {
  readonly eventName: "DeleteKey" | "RotateKey" | "DeleteExpiredKeyMaterial";
  readonly keyArn: string;
  readonly accountId: string;
  readonly region: string;
  /** Epoch milliseconds. */
  readonly at: number;
  /** RotateKey: rotationType (default AUTOMATIC), keyOrigin (default AWS_KMS), previous/current material ids. */
  readonly rotationType?: "AUTOMATIC" | "ON_DEMAND";
  readonly keyOrigin?: string;
  readonly previousKeyMaterialId?: string;
  readonly currentKeyMaterialId?: string;
  /** DeleteExpiredKeyMaterial: the material deleted. */
  readonly keyMaterialId?: string;
}

function serviceEventDetails(e: ServiceEventInput): JsonObject | undefined {
  if (e.eventName === "RotateKey") {
    return {
      rotationType: e.rotationType ?? "AUTOMATIC",
      keyOrigin: e.keyOrigin ?? "AWS_KMS",
      ...(e.previousKeyMaterialId !== undefined ? { previousKeyMaterialId: e.previousKeyMaterialId } : {}),
      ...(e.currentKeyMaterialId !== undefined ? { currentKeyMaterialId: e.currentKeyMaterialId } : {}),
    };
  }
  if (e.eventName === "DeleteExpiredKeyMaterial") {
    const keyId = e.keyArn.slice(e.keyArn.lastIndexOf("/") + 1);
    return { keyId, ...(e.keyMaterialId !== undefined ? { keyMaterialId: e.keyMaterialId } : {}) };
  }
  return undefined;
}

/** An AwsServiceEvent record: no caller, no request id, invoked by the service itself. */
export function serviceEvent(e: ServiceEventInput, options: RecordOptions = {}): CloudTrailEvent {
  const details = serviceEventDetails(e);
  return {
    eventVersion: EVENT_VERSION,
    userIdentity: { accountId: e.accountId, invokedBy: SERVICE_INVOKER },
    eventTime: eventTimeOf(e.at),
    eventSource: EVENT_SOURCE,
    eventName: e.eventName,
    awsRegion: e.region,
    sourceIPAddress: SERVICE_INVOKER,
    userAgent: SERVICE_INVOKER,
    requestParameters: null,
    // Since December 2022 AWS records the deleted key's ARN here although nothing is returned.
    responseElements: e.eventName === "DeleteKey" ? { keyId: e.keyArn } : null,
    eventID: (options.eventId ?? randomUUID)(),
    readOnly: false,
    resources: [resource(e.keyArn)],
    eventType: "AwsServiceEvent",
    managementEvent: true,
    recipientAccountId: e.accountId,
    ...(details !== undefined ? { serviceEventDetails: details } : {}),
    eventCategory: "Management",
  };
}

export { cloudTrailDate };

/** AssumeRole's requestParameters as CloudTrail writes them (policies and tags are refused by Trent). */
function assumeRoleParams(input: unknown): JsonObject | null {
  if (!isPlainObject(input)) return null;
  const r: Record<string, JsonValue> = {};
  if (typeof input["DurationSeconds"] === "number") r["durationSeconds"] = input["DurationSeconds"];
  if (typeof input["RoleArn"] === "string") r["roleArn"] = input["RoleArn"];
  if (typeof input["RoleSessionName"] === "string") r["roleSessionName"] = input["RoleSessionName"];
  return r;
}

/**
 * AssumeRole's responseElements as CloudTrail writes them: the session's access key id and
 * expiration and the assumed-role user; never the secret access key or the session token.
 */
function assumeRoleResponse(out: Record<string, unknown>): JsonObject | null {
  const c = out["Credentials"];
  const u = out["AssumedRoleUser"];
  if (!isPlainObject(c) || !isPlainObject(u)) return null;
  const credentials: Record<string, JsonValue> = {};
  if (typeof c["AccessKeyId"] === "string") credentials["accessKeyId"] = c["AccessKeyId"];
  if (typeof c["Expiration"] === "string") credentials["expiration"] = c["Expiration"];
  const user: Record<string, JsonValue> = {};
  if (typeof u["Arn"] === "string") user["arn"] = u["Arn"];
  if (typeof u["AssumedRoleId"] === "string") user["assumedRoleId"] = u["AssumedRoleId"];
  return { assumedRoleUser: user, credentials };
}
