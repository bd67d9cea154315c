import { malformed, POLICY_MESSAGES } from "./policy-errors.js";
import type { PrincipalIdentity } from "./request-context.js";

/**
 * The Principal / NotPrincipal element of a key policy.
 *
 * - `"*"` and `{"AWS": "*"}` name every principal.
 * - `{"AWS": "111122223333"}` and `{"AWS": "arn:aws:iam::111122223333:root"}` name the account.
 *   In an Allow statement the account principal does not give any user or role access by itself:
 *   it lets the account's IAM policies delegate the permission (KMS developer guide, "Default key
 *   policy"). The account root user is the account principal and needs no IAM policy.
 * - A user, role, assumed-role session or federated-user ARN names that principal. A role ARN
 *   matches every session of the role.
 * - `Service`, `Federated` and `CanonicalUser` principals are valid but never match a Trent
 *   caller (Trent has no service principals or federation).
 * Wildcards inside an ARN are not allowed, as in IAM.
 */

export type PrincipalEntry =
  | { readonly kind: "any"; readonly text: string }
  | { readonly kind: "account"; readonly text: string; readonly accountId: string }
  | { readonly kind: "user" | "assumed-role" | "federated-user"; readonly text: string; readonly arn: string; readonly accountId: string }
  | { readonly kind: "role"; readonly text: string; readonly arn: string; readonly accountId: string; readonly name: string }
  | { readonly kind: "service" | "federated" | "canonical-user"; readonly text: string };

export interface CompiledPrincipal {
  readonly not: boolean;
  readonly entries: readonly PrincipalEntry[];
}

const PARTITIONS = "aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc";
const IAM_ARN = new RegExp(`^arn:(${PARTITIONS}):(iam|sts)::(\\d{12}):(.+)$`);
const NAME = /^[\w+=,.@-]+$/;
const PATH_AND_NAME = /^(?:\/?[\x21-\x7e]*\/)?([\w+=,.@-]+)$/;

function invalid(): never {
  throw malformed(POLICY_MESSAGES.invalidPrincipals);
}

function compileAws(value: string): PrincipalEntry {
  if (value === "*") return { kind: "any", text: value };
  if (/^\d{12}$/.test(value)) return { kind: "account", text: value, accountId: value };
  const m = IAM_ARN.exec(value);
  if (m === null || value.includes("*") || value.includes("?")) return invalid();
  const [, , service = "", accountId = "", resource = ""] = m;
  if (service === "iam") {
    if (resource === "root") return { kind: "account", text: value, accountId };
    if (resource.startsWith("user/") && PATH_AND_NAME.test(resource.slice(5))) return { kind: "user", text: value, arn: value, accountId };
    if (resource.startsWith("role/")) {
      const nm = PATH_AND_NAME.exec(resource.slice(5));
      if (nm !== null) return { kind: "role", text: value, arn: value, accountId, name: nm[1] ?? "" };
    }
    return invalid();
  }
  const parts = resource.split("/");
  if (parts[0] === "assumed-role" && parts.length === 3 && NAME.test(parts[1] ?? "") && (parts[2] ?? "") !== "") {
    return { kind: "assumed-role", text: value, arn: value, accountId };
  }
  if (parts[0] === "federated-user" && parts.length === 2 && NAME.test(parts[1] ?? "")) {
    return { kind: "federated-user", text: value, arn: value, accountId };
  }
  return invalid();
}

function stringList(v: unknown): string[] {
  const list = Array.isArray(v) ? (v as unknown[]) : [v];
  if (list.length === 0) return invalid();
  return list.map((x) => (typeof x === "string" && x.trim() !== "" ? x.trim() : invalid()));
}

/** Compiles a Principal or NotPrincipal value; throws MalformedPolicyDocumentException. */
export function compilePrincipal(raw: unknown, not: boolean): CompiledPrincipal {
  if (raw === "*") return { not, entries: [{ kind: "any", text: "*" }] };
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return invalid();
  const entries: PrincipalEntry[] = [];
  const obj = raw as Record<string, unknown>;
  if (Object.keys(obj).length === 0) return invalid();
  for (const [type, value] of Object.entries(obj)) {
    const list = stringList(value);
    switch (type) {
      case "AWS":
        for (const v of list) entries.push(compileAws(v));
        break;
      case "Service":
        for (const v of list) {
          if (!/^[a-z0-9][a-z0-9.-]*$/i.test(v)) invalid();
          entries.push({ kind: "service", text: v });
        }
        break;
      case "Federated":
        for (const v of list) entries.push({ kind: "federated", text: v });
        break;
      case "CanonicalUser":
        for (const v of list) entries.push({ kind: "canonical-user", text: v });
        break;
      default:
        invalid();
    }
  }
  return { not, entries };
}

/**
 * How a Principal entry names the caller: "direct" (the caller itself, or everyone), "account"
 * (the caller's account, which delegates to the caller's IAM policies) or not at all.
 */
export type PrincipalMatch = "direct" | "account" | "none";

export function matchEntry(e: PrincipalEntry, who: PrincipalIdentity): PrincipalMatch {
  switch (e.kind) {
    case "any":
      return "direct";
    case "account":
      if (e.accountId !== who.accountId) return "none";
      return who.isRoot ? "direct" : "account";
    case "user":
    case "assumed-role":
    case "federated-user":
      return e.arn === who.arn ? "direct" : "none";
    case "role":
      if (who.role === undefined) return "none";
      if (who.arn === who.principalArn) return e.arn === who.arn ? "direct" : "none"; // an IAM role calling as itself
      return who.role.accountId === e.accountId && who.role.name === e.name ? "direct" : "none";
    default:
      return "none";
  }
}

/** The best match of the Principal element (direct beats account). */
export function matchPrincipal(p: CompiledPrincipal, who: PrincipalIdentity): PrincipalMatch {
  if (p.not) return notPrincipalExcludes(p, who) ? "none" : "direct";
  let best: PrincipalMatch = "none";
  for (const e of p.entries) {
    const m = matchEntry(e, who);
    if (m === "direct") return m;
    if (m === "account") best = m;
  }
  return best;
}

/**
 * NotPrincipal spares the caller only when each identity AWS may evaluate the request as is
 * listed: the session (or user), the role of a session, and the account (IAM User Guide,
 * "NotPrincipal": list the account ARN too, or the whole account is denied).
 */
function notPrincipalExcludes(p: CompiledPrincipal, who: PrincipalIdentity): boolean {
  const listedArn = (arn: string): boolean =>
    p.entries.some((e) => e.kind === "any" || ((e.kind === "user" || e.kind === "assumed-role" || e.kind === "federated-user" || e.kind === "role") && e.arn === arn));
  const listedRole = (): boolean =>
    p.entries.some(
      (e) => e.kind === "any" || (e.kind === "role" && who.role !== undefined && e.accountId === who.role.accountId && e.name === who.role.name),
    );
  const listedAccount = p.entries.some((e) => e.kind === "any" || (e.kind === "account" && e.accountId === who.accountId));
  if (!listedAccount) return false;
  if (who.isRoot) return true;
  if (who.role !== undefined && who.arn !== who.principalArn) return listedArn(who.arn) && listedRole();
  if (who.role !== undefined) return listedRole();
  return listedArn(who.arn);
}

/** User and role ARNs a key policy names (KMS refuses a policy naming one that does not exist). */
export function namedIdentityArns(p: CompiledPrincipal): string[] {
  const out: string[] = [];
  for (const e of p.entries) if (e.kind === "user" || e.kind === "role") out.push(e.arn);
  return out;
}
