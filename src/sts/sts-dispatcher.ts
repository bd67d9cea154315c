import { randomUUID } from "node:crypto";
import type { CredentialCache } from "../api/credentials.js";
import { credentialScope, newOutcome, recordOutcome, type AuditSink, type MutableOutcome, type RawRequest, type RawResponse } from "../api/dispatcher.js";
import type { SigV4Verifier } from "../api/sigv4.js";
import { accountRootArn } from "../domain/arn.js";
import { KmsError } from "../domain/errors.js";
import type { Caller } from "../policy/authorizer.js";
import type { KmsAuthorizer } from "../policy/kms-authorizer.js";
import { decideAssumeRole } from "../policy/trust-policy.js";
import type { Store } from "../store/store.js";
import { parseAssumeRole } from "./assume-role-input.js";
import { resolveSession } from "./session-caller.js";
import type { SessionCredentials } from "./session-credentials.js";
import { accessDenied, fromKmsError, StsError } from "./sts-error.js";
import { elements, errorXml, isoSeconds, successXml } from "./sts-xml.js";

export interface StsDeps {
  /** A verifier for credential scopes of service "sts". */
  readonly verifier: SigV4Verifier;
  readonly credentials: CredentialCache;
  readonly sessions: SessionCredentials;
  readonly store: Store;
  /** The policy engine: the role's trust policy and the caller's identity policies decide sts:AssumeRole. */
  readonly engine: KmsAuthorizer;
  readonly now: () => number;
  /** Refuses every call (a sealed keystore) when it returns an error. */
  readonly unavailable?: () => KmsError | undefined;
  /**
   * The audit trail: every call is recorded (eventSource sts.amazonaws.com), as KMS calls are; in
   * durable mode the response waits for its record, and an unwritable log refuses calls.
   */
  readonly audit?: AuditSink;
  /** Observes every answered call, without secrets (logs). */
  readonly onOutcome?: (o: {
    readonly requestId: string;
    readonly action: string;
    readonly caller: string | undefined;
    readonly errorCode: string | undefined;
    /** Why it was denied (AccessDenied from the policy decision), for the operator's log. */
    readonly reason?: string | undefined;
  }) => void;
}

const XML = "text/xml";
const VERSION = "2011-06-15";
const MAX_PARAMS = 100;
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]{1,64})$/;

/** Is this `POST /` an STS Query call (form-encoded, credential scoped to service "sts")? */
export function isStsRequest(headers: RawRequest["headers"]): boolean {
  const ct = headers["content-type"];
  const auth = headers["authorization"];
  return (
    typeof ct === "string" &&
    ct.toLowerCase().startsWith("application/x-www-form-urlencoded") &&
    typeof auth === "string" &&
    /Credential=[^/\s,]*\/\d{8}\/[^/\s,]*\/sts\/aws4_request/.test(auth)
  );
}

/**
 * A minimal STS on Trent's endpoint: GetCallerIdentity and AssumeRole (by the role's trust policy, also across accounts), on the
 * Query protocol, SigV4-verified like KMS calls.
 */
export class StsDispatcher {
  readonly #d: StsDeps;

  constructor(deps: StsDeps) {
    this.#d = deps;
  }

  async handle(req: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const record: MutableOutcome = { ...newOutcome(requestId, this.#d.now(), req), ...credentialScope(headerText(req.headers["authorization"])) };
    let action = "";
    let who: string | undefined;
    try {
      const params = new URLSearchParams(req.body.toString("utf8"));
      if ([...params.keys()].length > MAX_PARAMS) throw new StsError("ValidationError", "Too many parameters.", 400);
      action = (params.get("Action") ?? "").slice(0, 64);
      if (action === "AssumeRole" || action === "GetCallerIdentity") record.operation = action;
      const unavailable = this.#d.unavailable?.();
      if (unavailable !== undefined) throw unavailable;
      const verified = await this.#d.verifier.verify(req);
      const caller = await this.#caller(verified.accessKeyId, verified.region, req);
      who = caller.principalArn;
      record.caller = caller;
      const audit = this.#d.audit;
      if (audit?.durable === true && !audit.healthy()) throw unaudited();
      const version = params.get("Version");
      if (version !== null && version !== VERSION) {
        throw new StsError("InvalidAction", `Could not find operation ${action} for version ${version.slice(0, 32)}`, 400);
      }
      let body: string;
      if (action === "GetCallerIdentity") body = getCallerIdentity(caller, requestId);
      else if (action === "AssumeRole") body = await this.#assumeRole(caller, params, requestId, record);
      else throw new StsError("InvalidAction", `Could not find operation ${action} for version ${VERSION}`, 400);
      this.#observe(requestId, action, who, undefined);
      if (!(await recordOutcome(this.#d.audit, record))) return this.#error(unaudited(), requestId);
      return { status: 200, body, requestId, contentType: XML };
    } catch (e) {
      const err = e instanceof StsError ? e : e instanceof KmsError ? fromKmsError(e) : new StsError("InternalFailure", "An internal error occurred.", 500, "Receiver");
      this.#observe(requestId, action, who, err.code, err.reason);
      record.errorCode = err.code;
      record.errorMessage = err.message;
      record.output = undefined;
      await recordOutcome(this.#d.audit, record);
      return this.#error(err, requestId);
    }
  }

  #error(err: StsError, requestId: string): RawResponse {
    return { status: err.status, body: errorXml(err.type, err.code, err.message, requestId), requestId, contentType: XML };
  }

  #observe(requestId: string, action: string, caller: string | undefined, errorCode: string | undefined, reason?: string): void {
    try {
      this.#d.onOutcome?.({ requestId, action, caller, errorCode, reason });
    } catch {
      // observers never break a response
    }
  }

  async #caller(accessKeyId: string, region: string, req: RawRequest): Promise<Caller> {
    const ua = req.headers["user-agent"];
    const info = { region, sourceIp: req.remoteAddress, userAgent: typeof ua === "string" ? ua : "", secureTransport: req.secure };
    const session = await resolveSession(this.#d.sessions, this.#d.store, accessKeyId, info);
    if (session !== undefined) return session;
    const cred = this.#d.credentials.peek(accessKeyId) ?? (await this.#d.credentials.get(accessKeyId));
    if (cred === undefined) throw new KmsError("UnrecognizedClientException", "The security token included in the request is invalid.");
    return {
      accountId: cred.principal.accountId,
      principalArn: cred.principal.arn,
      principalId: cred.principal.principalId,
      principalType: cred.principal.type,
      accessKeyId,
      ...info,
    };
  }

  async #assumeRole(caller: Caller, params: URLSearchParams, requestId: string, record: MutableOutcome): Promise<string> {
    const input = parseAssumeRole(params);
    record.input = { RoleArn: input.roleArn, RoleSessionName: input.roleSessionName, DurationSeconds: input.durationSeconds };
    const callerArn = caller.principalType === "Root" ? accountRootArn(caller.accountId) : caller.principalArn;
    const denied = accessDenied(`User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${input.roleArn}`);
    // An unknown role is denied like a forbidden one (AWS does not tell them apart).
    if (ROLE_ARN.exec(input.roleArn) === null) throw denied;
    const role = await this.#d.store.getPrincipal(input.roleArn);
    if (role === undefined || role.type !== "Role") throw denied;
    // The role's trust policy and the caller's identity policies decide, in and across accounts.
    const decision = await decideAssumeRole(this.#d.engine, caller, role, input.roleSessionName, this.#d.now(), input.externalId);
    if (!decision.allowed) throw accessDenied(denied.message, decision.reason);
    if (caller.principalType === "AssumedRole" && input.durationSeconds > 3600) {
      throw new StsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.", 400);
    }
    const sessionArn = `arn:aws:sts::${role.accountId}:assumed-role/${role.name}/${input.roleSessionName}`;
    const issued = await this.#d.sessions.issue(
      { accountId: role.accountId, roleArn: role.arn, roleId: role.principalId, sessionName: input.roleSessionName, sessionArn },
      input.durationSeconds,
    );
    // For the audit record: never the secret access key or the session token.
    record.output = {
      Credentials: { AccessKeyId: issued.session.accessKeyId, Expiration: isoSeconds(issued.session.expiresAt) },
      AssumedRoleUser: { AssumedRoleId: `${role.principalId}:${input.roleSessionName}`, Arn: sessionArn },
    };
    const inner =
      "    <AssumedRoleUser>\n" +
      elements("      ", [
        ["AssumedRoleId", `${role.principalId}:${input.roleSessionName}`],
        ["Arn", sessionArn],
      ]) +
      "    </AssumedRoleUser>\n" +
      "    <Credentials>\n" +
      elements("      ", [
        ["AccessKeyId", issued.session.accessKeyId],
        ["SecretAccessKey", issued.secretAccessKey],
        ["SessionToken", issued.sessionToken],
        ["Expiration", isoSeconds(issued.session.expiresAt)],
      ]) +
      "    </Credentials>\n";
    return successXml("AssumeRole", inner, requestId);
  }
}

/** Account, Arn and UserId as STS returns them: the account id for a root, ROLEID:SESSION for a session. */
function getCallerIdentity(caller: Caller, requestId: string): string {
  const arn = caller.principalType === "Root" ? accountRootArn(caller.accountId) : caller.principalArn;
  const userId = caller.principalType === "Root" ? caller.accountId : caller.principalId;
  return successXml(
    "GetCallerIdentity",
    elements("    ", [
      ["Arn", arn],
      ["UserId", userId],
      ["Account", caller.accountId],
    ]),
    requestId,
  );
}


function unaudited(): StsError {
  return new StsError("InternalFailure", "The audit log cannot be written; Trent refuses requests rather than run unaudited.", 500, "Receiver");
}

function headerText(v: string | string[] | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}
