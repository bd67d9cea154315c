import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { SecretBytes } from "../crypto/secret-bytes.js";
import { KmsError } from "../domain/errors.js";
import { OPERATIONS, isOperationName } from "../ops/registry.js";
import type { Caller, OpContext, ServiceLimits } from "../ops/context.js";
import type { KeyMaterials } from "../ops/support/key-materials.js";
import type { Authorizer } from "../policy/authorizer.js";
import type { Store } from "../store/store.js";
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
}

export interface DispatcherDeps {
  readonly verifier: SigV4Verifier;
  readonly credentials: CredentialCache;
  readonly store: Store;
  readonly materials: KeyMaterials;
  readonly authorizer: Authorizer;
  readonly now: () => number;
  readonly random: (n: number) => Buffer;
  readonly limits: ServiceLimits;
  /** Refuses every KMS call (e.g. a sealed keystore) with this error when set. */
  readonly unavailable?: () => KmsError | undefined;
  /** Observes every call once it is answered (audit, metrics, logs). */
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
    let operation: string | undefined;
    let caller: Caller | undefined;
    let input: unknown;
    let output: unknown;
    try {
      // Coral's order: route (method, target, content type), parse, then authenticate.
      const contentType = (headerValue(req.headers["content-type"]) ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
      if (req.method !== "POST" || !JSON_TYPES.has(contentType)) {
        this.#report({ requestId, operation, caller, errorCode: "UnknownOperationException", errorMessage: "", input, output, startedAt });
        return { status: 404, body: "<UnknownOperationException/>", requestId, contentType: "application/xml" };
      }
      const target = headerValue(req.headers["x-amz-target"]);
      if (target === undefined || !target.startsWith(TARGET_PREFIX)) throw new KmsError("UnknownOperationException", "");
      const opName = target.slice(TARGET_PREFIX.length);
      if (!isOperationName(opName)) throw new KmsError("UnknownOperationException", "");
      operation = opName;
      let body: unknown;
      try {
        body = req.body.length === 0 ? {} : JSON.parse(req.body.toString("utf8"));
      } catch {
        throw new KmsError("SerializationException", "");
      }
      const verified = await this.#d.verifier.verify(req);
      const cred = await this.#d.credentials.get(verified.accessKeyId);
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
        userAgent: headerValue(req.headers["user-agent"]) ?? "",
        secureTransport: req.secure,
      };
      const unavailable = this.#d.unavailable?.();
      if (unavailable !== undefined) throw unavailable;
      const handler = OPERATIONS[opName];
      input = decodeInput(opName, body);
      if (handler === undefined) {
        throw new KmsError("UnsupportedOperationException", `${opName} is not supported by Trent.`);
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
        limits: this.#d.limits,
      };
      output = await (handler as (c: OpContext, i: unknown) => Promise<unknown>)(ctx, input);
      if (ctx.authorized.count === 0) {
        // Every operation must consult the policy engine; reaching here without a decision is a bug.
        throw new Error(`${opName} returned without an authorization decision`);
      }
      const body200 = encodeOutput(opName, output as never);
      disposeSecrets(output);
      this.#report({ requestId, operation, caller, errorCode: undefined, errorMessage: undefined, input, output, startedAt });
      return { status: 200, body: body200, requestId };
    } catch (e) {
      const err = e instanceof KmsError ? e : this.#internal(requestId, e);
      this.#report({ requestId, operation, caller, errorCode: err.code, errorMessage: err.message, input, output, startedAt });
      return { status: err.status, body: errorBody(err), requestId };
    }
  }

  #internal(requestId: string, e: unknown): KmsError {
    this.#d.onInternalError?.(requestId, e);
    return new KmsError("KMSInternalException", "An internal error occurred.");
  }

  #report(outcome: CallOutcome): void {
    try {
      this.#d.onOutcome?.(outcome);
    } catch {
      // Observers never break a response.
    }
  }
}

/** Zeroes plaintext a response carried (data keys, random bytes, decrypted plaintext) once encoded. */
function disposeSecrets(output: unknown): void {
  if (typeof output !== "object" || output === null) return;
  for (const v of Object.values(output)) if (v instanceof SecretBytes) v.dispose();
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
