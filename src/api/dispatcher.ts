import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";
import { OPERATIONS, isOperationName } from "../ops/registry.js";
import type { Caller, OpContext, ServiceLimits } from "../ops/context.js";
import type { CustomKeyStores } from "../ops/support/custom-key-stores.js";
import type { KeyMaterials } from "../ops/support/key-materials.js";
import type { Authorizer } from "../policy/authorizer.js";
import type { Store } from "../store/store.js";
import { resolveSession } from "../sts/session-caller.js";
import { SESSION_KEY_ID, type SessionCredentials } from "../sts/session-credentials.js";
import type { CredentialCache } from "./credentials.js";
import type { SigV4Verifier } from "./sigv4.js";
import { decodeInput } from "./wire-decode.js";
import { encodeOutput } from "./wire-encode.js";

export interface RawRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly headersDistinct?: Record<string, string[] | undefined>;
  readonly body: Buffer;
  readonly remoteAddress: string;
  readonly secure: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly requestId: string;
  /** Defaults to application/x-amz-json-1.1. */
  readonly contentType?: string;
}

/** What happened, for logs and audit: never plaintext. */
export interface CallOutcome {
  readonly requestId: string;
  readonly operation: string | undefined;
  readonly caller: Caller | undefined;
  readonly errorCode: string | undefined;
  readonly errorMessage: string | undefined;
  readonly input: unknown;
  readonly output: unknown;
  readonly startedAt: number;
  /** Known even when authentication failed. */
  readonly sourceIp: string;
  readonly userAgent: string;
  /** From the Authorization header's credential scope, when it could be read. */
  readonly accessKeyId?: string | undefined;
  readonly region?: string | undefined;
  /** ARNs of the keys the operation resolved (for the audit record's resources). */
  readonly keyArns?: readonly string[] | undefined;
}

/** Where every call is recorded. In durable mode the response waits for the record. */
export interface AuditSink {
  readonly durable: boolean;
  healthy(): boolean;
  /** Write-ahead line before a state-changing call (durable mode). */
  intent(requestId: string, operation: string): Promise<void>;
  record(outcome: CallOutcome): Promise<void>;
}

export interface DispatcherDeps {
  readonly verifier: SigV4Verifier;
  readonly credentials: CredentialCache;
  /** STS role sessions (AssumeRole); absent, no session key is known. */
  readonly sessions?: SessionCredentials;
  readonly store: Store;
  readonly materials: KeyMaterials;
  readonly authorizer: Authorizer;
  readonly now: () => number;
  readonly random: (n: number) => Buffer;
  readonly limits: ServiceLimits;
  /** Custom key stores and their tokens, handed to every operation. */
  readonly customKeyStores?: CustomKeyStores;
  /** Refuses every KMS call (e.g. a sealed keystore) with this error when set. */
  readonly unavailable?: () => KmsError | undefined;
  /** The audit trail; absent only in unit tests. */
  readonly audit?: AuditSink;
  /** Tells whether an operation changes state (those get a write-ahead intent in durable mode). */
  readonly isReadOnly?: (operation: string) => boolean;
  /** Observes every call once it is answered (metrics, logs). */
  readonly onOutcome?: (outcome: CallOutcome) => void;
  /** Reports errors that are bugs (not KmsError) without their data. */
  readonly onInternalError?: (requestId: string, err: unknown) => void;
}

const TARGET_PREFIX = "TrentService.";
const JSON_TYPES = new Set(["application/x-amz-json-1.1", "application/x-amz-json-1.0", "application/json"]);

function errorBody(e: KmsError): string {
  return JSON.stringify({ __type: e.code, message: e.message });
}

/**
 * One AWS JSON 1.1 call: authenticate (SigV4), decode and validate the input against the model,
 * run the operation (which authorizes through the policy engine), encode, map errors.
 */
export class Dispatcher {
  readonly #d: DispatcherDeps;

  constructor(deps: DispatcherDeps) {
    this.#d = deps;
  }

  async handle(req: RawRequest): Promise<RawResponse> {
    const requestId = randomUUID();
    const startedAt = this.#d.now();
    const call = newOutcome(requestId, startedAt, req);
    const audit = this.#d.audit;
    try {
      // Coral's order: route (method, target, content type), parse, then authenticate.
      const contentType = (headerValue(req.headers["content-type"]) ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (req.method !== "POST" || !JSON_TYPES.has(contentType)) {
        call.errorCode = "UnknownOperationException";
        await this.#finish(call, req);
        return { status: 404, body: "<UnknownOperationException/>", requestId, contentType: "application/xml" };
      }
      const target = headerValue(req.headers["x-amz-target"]);
      if (target === undefined || !target.startsWith(TARGET_PREFIX)) throw new KmsError("UnknownOperationException", "");
      const opName = target.slice(TARGET_PREFIX.length);
      if (!isOperationName(opName)) throw new KmsError("UnknownOperationException", "");
      call.operation = opName;
      let body: unknown;
      try {
        body = req.body.length === 0 ? {} : JSON.parse(req.body.toString("utf8"));
      } catch {
        throw new KmsError("SerializationException", "");
      }
      // A sealed root cannot even read the secrets SigV4 needs: refuse before authenticating.
      const unavailable = this.#d.unavailable?.();
      if (unavailable !== undefined) throw unavailable;
      const verified = await this.#d.verifier.verify(req);
      const callInfo = { region: verified.region, sourceIp: req.remoteAddress, userAgent: call.userAgent, secureTransport: req.secure };
      let caller: Caller;
      // Only session keys (ASIA...) look further: long-term keys keep the synchronous fast path.
      const session = SESSION_KEY_ID.test(verified.accessKeyId)
        ? await resolveSession(this.#d.sessions, this.#d.store, verified.accessKeyId, callInfo)
        : undefined;
      if (session !== undefined) caller = session;
      else {
        const cred = this.#d.credentials.peek(verified.accessKeyId) ?? (await this.#d.credentials.get(verified.accessKeyId));
        if (cred === undefined) {
          throw new KmsError("UnrecognizedClientException", "The security token included in the request is invalid.");
        }
        caller = {
          accountId: cred.principal.accountId,
          region: verified.region,
          principalArn: cred.principal.arn,
          principalId: cred.principal.principalId,
          principalType: cred.principal.type,
          accessKeyId: verified.accessKeyId,
          sourceIp: req.remoteAddress,
          userAgent: call.userAgent,
          secureTransport: req.secure,
        };
      }
      call.caller = caller;
      const handler = OPERATIONS[opName];
      const input = decodeInput(opName, body);
      call.input = input;
      if (handler === undefined) {
        throw new KmsError("UnsupportedOperationException", `${opName} is not supported by Trent.`);
      }
      if (audit?.durable === true) {
        // Fail closed: no state change and no key use that the audit log cannot record.
        if (!audit.healthy()) throw auditUnavailable();
        if (this.#d.isReadOnly?.(opName) === false) await audit.intent(requestId, opName).catch(() => Promise.reject(auditUnavailable()));
      }
      const ctx: OpContext = {
        caller,
        requestId,
        now: this.#d.now,
        random: this.#d.random,
        store: this.#d.store,
        materials: this.#d.materials,
        authorizer: this.#d.authorizer,
        authorized: { count: 0 },
        resolvedKeys: [],
        limits: this.#d.limits,
        customKeyStores: this.#d.customKeyStores,
      };
      try {
        call.output = await (handler as (c: OpContext, i: unknown) => Promise<unknown>)(ctx, input);
      } finally {
        call.keyArns = ctx.resolvedKeys;
      }
      if (ctx.authorized.count === 0) {
        // Every operation must consult the policy engine; reaching here without a decision is a bug.
        throw new Error(`${opName} returned without an authorization decision`);
      }
      const body200 = encodeOutput(opName, call.output as never);
      disposeSecrets(call.output);
      if (!(await this.#finish(call, req))) {
        const err = auditUnavailable();
        return { status: err.status, body: errorBody(err), requestId };
      }
      return { status: 200, body: body200, requestId };
    } catch (e) {
      disposeSecrets(call.output);
      const err = e instanceof KmsError ? e : this.#internal(requestId, e);
      call.errorCode = err.code;
      call.errorMessage = err.message;
      await this.#finish(call, req);
      return { status: err.status, body: errorBody(err), requestId };
    }
  }

  #internal(requestId: string, e: unknown): KmsError {
    this.#d.onInternalError?.(requestId, e);
    return new KmsError("KMSInternalException", "An internal error occurred.");
  }

  /** Records the call (waiting for durability in durable mode); false when the record was lost. */
  async #finish(call: MutableOutcome, req: RawRequest): Promise<boolean> {
    if (call.caller === undefined) {
      // Who tried, as far as the SigV4 credential scope tells, for the record of a failed authentication.
      const scope = credentialScope(headerValue(req.headers["authorization"]));
      call.accessKeyId = scope.accessKeyId;
      call.region = scope.region;
    }
    try {
      this.#d.onOutcome?.(call);
    } catch {
      // Observers never break a response.
    }
    return recordOutcome(this.#d.audit, call);
  }
}

/**
 * Writes a call's audit record. True at once in buffered (dev) mode; in durable mode, once the
 * record is on disk, and false when the log could not take it (the caller then answers an error).
 */
export function recordOutcome(audit: AuditSink | undefined, call: CallOutcome): Promise<boolean> {
  if (audit === undefined) return Promise.resolve(true);
  const written = audit.record(call).then(
    () => true,
    () => false,
  );
  return audit.durable ? written : Promise.resolve(true);
}

export type MutableOutcome = { -readonly [K in keyof CallOutcome]: CallOutcome[K] };

/** The outcome of a call just received: nothing known yet but who sent it and when. */
export function newOutcome(requestId: string, startedAt: number, req: RawRequest): MutableOutcome {
  return {
    requestId,
    operation: undefined,
    caller: undefined,
    errorCode: undefined,
    errorMessage: undefined,
    input: undefined,
    output: undefined,
    startedAt,
    sourceIp: req.remoteAddress,
    userAgent: headerValue(req.headers["user-agent"]) ?? "",
    // Read from the Authorization header only for calls that end unauthenticated (see credentialScope).
    accessKeyId: undefined,
    region: undefined,
    keyArns: undefined,
  };
}

function auditUnavailable(): KmsError {
  return new KmsError("KMSInternalException", "The audit log cannot be written; Trent refuses requests rather than run unaudited.");
}

/** Access key id and region from `Credential=AKID/date/region/SERVICE/aws4_request`, for auditing failed calls. */
export function credentialScope(authorization: string | undefined): { accessKeyId?: string; region?: string } {
  const m = authorization === undefined ? null : /Credential=([^/,\s]{1,128})\/\d{8}\/([a-z0-9-]{1,32})\//.exec(authorization);
  return m === null ? {} : { accessKeyId: m[1] ?? "", region: m[2] ?? "" };
}

/** Zeroes plaintext a response carried (data keys, random bytes, decrypted plaintext) once encoded. */
function disposeSecrets(output: unknown): void {
  if (typeof output !== "object" || output === null) return;
  for (const v of Object.values(output)) if (v instanceof SecretBytes) v.dispose();
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
