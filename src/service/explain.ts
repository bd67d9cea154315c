import { keyArn, parseKeyIdentifier } from "../domain/arn.js";
import type { KeyRecord } from "../domain/key-record.js";
import { encryptionContextConditions } from "../ops/support/conditions.js";
import type { Authorizer, Caller, ConditionValue } from "../policy/authorizer.js";
import type { Store } from "../store/store.js";

/** What to explain: one request as a principal would make it. */
export interface ExplainRequest {
  /** ARN of an existing principal: account root, user or role. */
  readonly principal: string;
  /** e.g. kms:Encrypt */
  readonly action: string;
  /** Key id, key ARN, alias name or alias ARN; absent for account-level actions (kms:CreateKey...). */
  readonly key?: string;
  /** Region of the request; defaults to the key ARN's, else us-east-1. */
  readonly region?: string;
  readonly encryptionContext?: Readonly<Record<string, string>>;
  /** aws:SourceIp of the request (absent: the key is absent, as for a call with no address). */
  readonly sourceIp?: string;
  /** Further request condition keys, e.g. {"kms:GrantOperations": ["Decrypt"]}. */
  readonly conditions?: Readonly<Record<string, ConditionValue>>;
}

export interface ExplainResult {
  readonly Decision: "ALLOWED" | "DENIED";
  readonly Principal: string;
  readonly Action: string;
  readonly Resource: string;
  /** The AccessDeniedException message the API would answer with. */
  readonly Message?: string;
  /** Every key-policy statement, identity-policy statement and grant considered, then the decision. */
  readonly Trace: readonly string[];
}

/** A request the explainer cannot set up (unknown principal or key); the message is safe to print. */
export class ExplainError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExplainError";
  }
}

const DEFAULT_REGION = "us-east-1";
const ACTION = /^kms:[A-Za-z]+$/;
/** Actions whose requests carry an encryption context and an encryption algorithm. */
const EC_ACTIONS = new Set([
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
  "kms:GenerateDataKeyPair",
  "kms:GenerateDataKeyPairWithoutPlaintext",
]);

/**
 * Asks the same authorizer the API uses, with the request context the operation would build:
 * kms:RequestAlias when the key is named by an alias, the encryption context and
 * kms:EncryptionAlgorithm (SYMMETRIC_DEFAULT) for cryptographic actions on a symmetric key.
 */
export async function explain(store: Store, authorizer: Authorizer, req: ExplainRequest, now: number): Promise<ExplainResult> {
  if (!ACTION.test(req.action)) throw new ExplainError(`action ${JSON.stringify(req.action)} is not of the form kms:Operation`);
  const p = await store.getPrincipal(req.principal);
  if (p === undefined) throw new ExplainError(`principal ${req.principal} does not exist`);

  const conditions: Record<string, ConditionValue> = {};
  let key: KeyRecord | undefined;
  let region = req.region;
  if (req.key !== undefined) {
    const found = await findKey(store, req.key, p.accountId, region ?? DEFAULT_REGION);
    key = found.key;
    region ??= found.key.region;
    if (found.alias !== undefined) conditions["kms:RequestAlias"] = found.alias;
    if (EC_ACTIONS.has(req.action)) {
      Object.assign(conditions, encryptionContextConditions(req.encryptionContext));
      if (key.keySpec === "SYMMETRIC_DEFAULT") conditions["kms:EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT";
    }
  }
  Object.assign(conditions, req.conditions ?? {});
  const caller: Caller = {
    accountId: p.accountId,
    region: region ?? DEFAULT_REGION,
    principalArn: p.arn,
    principalId: p.principalId,
    principalType: p.type,
    accessKeyId: "",
    sourceIp: req.sourceIp ?? "",
    userAgent: "trent-explain",
    secureTransport: false,
  };
  const d = await authorizer.decide(
    caller,
    {
      action: req.action,
      ...(key !== undefined ? { key } : {}),
      conditions,
      ...(req.encryptionContext !== undefined ? { encryptionContext: req.encryptionContext } : {}),
    },
    now,
  );
  return {
    Decision: d.allowed ? "ALLOWED" : "DENIED",
    Principal: p.arn,
    Action: req.action,
    Resource: key === undefined ? "*" : keyArn(key.region, key.accountId, key.keyId),
    ...(d.message !== undefined ? { Message: d.message } : {}),
    Trace: d.trace,
  };
}

async function findKey(store: Store, id: string, accountId: string, region: string): Promise<{ key: KeyRecord; alias?: string }> {
  const parsed = parseKeyIdentifier(id);
  switch (parsed.kind) {
    case "invalid":
      throw new ExplainError(`${id} is not a key id, key ARN, alias name or alias ARN`);
    case "keyId":
    case "keyArn": {
      const key = await store.getKey(parsed.keyId);
      if (key === undefined || (parsed.kind === "keyArn" && (key.accountId !== parsed.accountId || key.region !== parsed.region))) {
        throw new ExplainError(`key ${id} does not exist`);
      }
      return { key };
    }
    case "aliasName":
    case "aliasArn": {
      const acct = parsed.kind === "aliasArn" ? parsed.accountId : accountId;
      const reg = parsed.kind === "aliasArn" ? parsed.region : region;
      const alias = await store.getAlias(acct, reg, parsed.aliasName);
      const key = alias === undefined ? undefined : await store.getKey(alias.targetKeyId);
      if (key === undefined) throw new ExplainError(`alias ${parsed.aliasName} does not exist in account ${acct}, region ${reg}`);
      return { key, alias: parsed.aliasName };
    }
  }
}

/** Reads an ExplainRequest from the admin endpoint's JSON body (PascalCase members). */
export function explainRequestFromJson(body: unknown): ExplainRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ExplainError("send a JSON object");
  const b = body as Record<string, unknown>;
  const str = (k: string, required: boolean): string | undefined => {
    const v = b[k];
    if (v === undefined && !required) return undefined;
    if (typeof v !== "string" || v === "") throw new ExplainError(`${k} must be a non-empty string`);
    return v;
  };
  const map = (k: string): Record<string, string> | undefined => {
    const v = b[k];
    if (v === undefined) return undefined;
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) {
      throw new ExplainError(`${k} must map strings to strings`);
    }
    return v as Record<string, string>;
  };
  const conditions = b["Conditions"];
  if (conditions !== undefined && (typeof conditions !== "object" || conditions === null || Array.isArray(conditions))) {
    throw new ExplainError("Conditions must be a JSON object");
  }
  const key = str("Key", false);
  const region = str("Region", false);
  const sourceIp = str("SourceIp", false);
  const ec = map("EncryptionContext");
  return {
    principal: str("Principal", true) ?? "",
    action: str("Action", true) ?? "",
    ...(key !== undefined ? { key } : {}),
    ...(region !== undefined ? { region } : {}),
    ...(sourceIp !== undefined ? { sourceIp } : {}),
    ...(ec !== undefined ? { encryptionContext: ec } : {}),
    ...(conditions !== undefined ? { conditions: conditions as Record<string, ConditionValue> } : {}),
  };
}

/** The admin endpoint's JSON body for a request (what `trent explain --endpoint` sends). */
export function explainRequestToJson(req: ExplainRequest): Record<string, unknown> {
  return {
    Principal: req.principal,
    Action: req.action,
    ...(req.key !== undefined ? { Key: req.key } : {}),
    ...(req.region !== undefined ? { Region: req.region } : {}),
    ...(req.sourceIp !== undefined ? { SourceIp: req.sourceIp } : {}),
    ...(req.encryptionContext !== undefined ? { EncryptionContext: req.encryptionContext } : {}),
    ...(req.conditions !== undefined ? { Conditions: req.conditions } : {}),
  };
}

/** The handler of `POST /_trent/explain`: 200 with the result, 400 with {message} for a bad request. */
export function explainEndpoint(
  store: Store,
  authorizer: Authorizer,
  now: () => number,
): (body: Buffer) => Promise<{ status: number; body: Record<string, unknown> }> {
  return async (body) => {
    try {
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        throw new ExplainError("the body is not JSON");
      }
      return { status: 200, body: { ...(await explain(store, authorizer, explainRequestFromJson(json), now())) } };
    } catch (e) {
      if (e instanceof ExplainError) return { status: 400, body: { message: e.message } };
      throw e;
    }
  };
}
