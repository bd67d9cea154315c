import { accountRootArn, keyArn } from "../domain/arn.js";
import type { KeyRecord } from "../domain/key-record.js";
import type { AuthzRequest, Caller, ConditionValue } from "./authorizer.js";

/** A context value: single-valued keys hold a string, multivalued keys a list. */
export type ContextValue = string | readonly string[];

/** Who is asking, in the forms the Principal element and NotPrincipal compare against. */
export interface PrincipalIdentity {
  /** The ARN the caller presented (an STS assumed-role ARN for a role session). */
  readonly arn: string;
  /** aws:PrincipalArn: the role ARN for a role session, otherwise `arn`. */
  readonly principalArn: string;
  readonly accountId: string;
  readonly isRoot: boolean;
  /** Account and role name when the caller is a role or a role session. */
  readonly role?: { readonly accountId: string; readonly name: string };
}

/** Everything a policy statement is evaluated against. Context key names are case-insensitive. */
export interface RequestContext {
  readonly action: string;
  /** The key ARN, or "*" for an action that is not authorized against a resource. */
  readonly resource: string;
  readonly principal: PrincipalIdentity;
  /** Lower-cased key name -> value. */
  readonly values: ReadonlyMap<string, ContextValue>;
  /**
   * False when the context certainly holds no key a key policy cannot see (no tags, no aliases),
   * so that keyPolicyView need not look. Absent means "look".
   */
  readonly identityOnlyKeys?: boolean;
  /** variableLookup(this), made once per context. */
  readonly lookup?: (name: string) => string | undefined;
}

const ASSUMED_ROLE = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;
const IAM_ROLE = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/;
const IAM_USER = /^arn:([^:]+):iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/;

export function principalIdentity(caller: Caller): PrincipalIdentity {
  const isRoot = caller.principalType === "Root";
  const assumed = ASSUMED_ROLE.exec(caller.principalArn);
  if (assumed !== null) {
    const [, partition = "aws", account = caller.accountId, name = ""] = assumed;
    return {
      arn: caller.principalArn,
      principalArn: `arn:${partition}:iam::${account}:role/${name}`,
      accountId: caller.accountId,
      isRoot: false,
      role: { accountId: account, name },
    };
  }
  const role = IAM_ROLE.exec(caller.principalArn);
  if (role !== null) {
    const [, , account = caller.accountId, name = ""] = role;
    return { arn: caller.principalArn, principalArn: caller.principalArn, accountId: caller.accountId, isRoot: false, role: { accountId: account, name } };
  }
  return {
    arn: isRoot ? accountRootArn(caller.accountId) : caller.principalArn,
    principalArn: isRoot ? accountRootArn(caller.accountId) : caller.principalArn,
    accountId: caller.accountId,
    isRoot,
  };
}

export function toContextValue(v: ConditionValue): ContextValue {
  if (typeof v === "string") return v;
  if (typeof v === "number") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return v.map(String);
}

/** Context keys that AWS KMS supports only in IAM policies, never in key policies. */
export function isIdentityPolicyOnlyKey(lowerName: string): boolean {
  return lowerName.startsWith("aws:resourcetag/") || lowerName === "kms:resourcealiases";
}

export interface ContextInputs {
  readonly caller: Caller;
  readonly request: AuthzRequest;
  /** Epoch milliseconds. */
  readonly now: number;
  /** Alias names (with the alias/ prefix) of the key, for kms:ResourceAliases. */
  readonly aliases?: readonly string[];
  /** The caller's identity, when the caller of this function has already worked it out. */
  readonly who?: PrincipalIdentity;
}

let lastTime: { second: number; iso: string; epoch: string } = { second: Number.NaN, iso: "", epoch: "" };

/** aws:CurrentTime and aws:EpochTime have whole seconds: worded once per second, not per request. */
function times(now: number): { iso: string; epoch: string } {
  const second = Math.floor(now / 1000);
  if (lastTime.second !== second) {
    lastTime = { second, iso: new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"), epoch: String(second) };
  }
  return lastTime;
}

/**
 * Builds the request context: the request's own condition keys, then the key's properties, then
 * the caller's (later entries win, so an operation cannot override who is calling).
 */
export function buildRequestContext(inputs: ContextInputs): RequestContext {
  const { caller, request, now } = inputs;
  const values = new Map<string, ContextValue>();
  const set = (k: string, v: ContextValue): void => {
    // An empty list is an absent key (Null is true, ForAllValues matches, ForAnyValue does not).
    if (typeof v !== "string" && v.length === 0) values.delete(k.toLowerCase());
    else values.set(k.toLowerCase(), v);
  };
  if (request.conditions !== undefined) for (const k in request.conditions) {
    const v = request.conditions[k];
    if (v !== undefined) set(k, toContextValue(v));
  }

  const key = request.key;
  if (key !== undefined) addKeyValues(values, set, key, inputs.aliases ?? []);

  // Lower-cased names, set directly: these are on every request.
  const who = inputs.who ?? principalIdentity(caller);
  values.set("aws:principalarn", who.principalArn);
  values.set("aws:principalaccount", caller.accountId);
  values.set("aws:principaltype", caller.principalType === "Root" ? "Account" : caller.principalType === "IAMUser" ? "User" : "AssumedRole");
  values.set("aws:userid", userId(caller, who));
  const user = caller.principalType === "IAMUser" ? IAM_USER.exec(caller.principalArn) : null;
  if (user !== null && user[3] !== undefined) values.set("aws:username", user[3]);
  else values.delete("aws:username");
  values.set("aws:principalisawsservice", "false");
  values.set("aws:viaawsservice", "false");
  if (caller.sourceIp !== "") values.set("aws:sourceip", caller.sourceIp);
  else values.delete("aws:sourceip");
  values.set("aws:securetransport", caller.secureTransport ? "true" : "false");
  values.set("aws:useragent", caller.userAgent);
  values.set("aws:requestedregion", caller.region);
  const t = times(now);
  values.set("aws:currenttime", t.iso);
  values.set("aws:epochtime", t.epoch);
  if (key !== undefined) values.set("kms:calleraccount", caller.accountId);

  let identityOnlyKeys = (key !== undefined && (key.tags.length > 0 || (inputs.aliases ?? []).length > 0));
  if (!identityOnlyKeys && request.conditions !== undefined) {
    for (const k in request.conditions) if (isIdentityPolicyOnlyKey(k.toLowerCase())) identityOnlyKeys = true;
  }
  return {
    action: request.action,
    resource: key === undefined ? (request.resource ?? "*") : keyArn(key.region, key.accountId, key.keyId),
    principal: who,
    values,
    identityOnlyKeys,
    lookup: lookupIn(values),
  };
}

function userId(caller: Caller, who: PrincipalIdentity): string {
  if (caller.principalType === "Root") return caller.accountId;
  const session = ASSUMED_ROLE.exec(who.arn)?.[4];
  if (session !== undefined && !caller.principalId.includes(":")) return `${caller.principalId}:${session}`;
  return caller.principalId;
}

function addKeyValues(
  values: Map<string, ContextValue>,
  set: (k: string, v: ContextValue) => void,
  key: KeyRecord,
  aliases: readonly string[],
): void {
  values.set("aws:resourceaccount", key.accountId);
  values.set("kms:keyspec", key.keySpec);
  values.set("kms:customermasterkeyspec", key.keySpec);
  values.set("kms:keyusage", key.keyUsage);
  values.set("kms:customermasterkeyusage", key.keyUsage);
  values.set("kms:keyorigin", key.origin);
  values.set("kms:multiregion", "false");
  set("kms:ResourceAliases", [...aliases]);
  for (const t of key.tags) set(`aws:ResourceTag/${t.TagKey}`, t.TagValue);
}

/** A view of the context without the keys a key policy cannot see. */
export function keyPolicyView(ctx: RequestContext): RequestContext {
  if (ctx.identityOnlyKeys === false) return ctx;
  let drop = false;
  for (const k of ctx.values.keys()) if (isIdentityPolicyOnlyKey(k)) drop = true;
  if (!drop) return ctx;
  const values = new Map<string, ContextValue>();
  for (const [k, v] of ctx.values) if (!isIdentityPolicyOnlyKey(k)) values.set(k, v);
  return { action: ctx.action, resource: ctx.resource, principal: ctx.principal, values, identityOnlyKeys: false, lookup: lookupIn(values) };
}

/** Looks up a context key by its case-insensitive name. */
export function contextValue(ctx: RequestContext, name: string): ContextValue | undefined {
  return ctx.values.get(name.toLowerCase());
}

/** The value of a single-valued key, for policy variables; multivalued keys cannot be variables. */
export function variableLookup(ctx: RequestContext): (name: string) => string | undefined {
  return ctx.lookup ?? lookupIn(ctx.values);
}

function lookupIn(values: ReadonlyMap<string, ContextValue>): (name: string) => string | undefined {
  return (name) => {
    const v = values.get(name.toLowerCase());
    return typeof v === "string" ? v : undefined;
  };
}
