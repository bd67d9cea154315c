import { randomBytes } from "node:crypto";
import type { Reply } from "./http-clients.js";

export type OpName = "Encrypt" | "Decrypt" | "GenerateDataKey";

/** What a phase drives: an operation and, for Encrypt/Decrypt, the plaintext size. */
export interface WorkloadSpec {
  readonly op: OpName;
  readonly plaintextBytes: number;
}

export function workloadLabel(w: WorkloadSpec): string {
  if (w.op === "GenerateDataKey") return "GenerateDataKey (AES_256)";
  const size = w.plaintextBytes >= 1024 ? `${w.plaintextBytes / 1024} KB` : `${w.plaintextBytes} B`;
  return `${w.op} ${size}`;
}

/** A Decrypt pool entry: the request body (built from a real Encrypt) and what must come back. */
export interface DecryptEntry {
  readonly keyId: string;
  readonly body: string;
  readonly plaintextB64: string;
}

export interface NextRequest {
  readonly body: string;
  /** Opaque expectation handed back to `check`. */
  readonly expect: Expectation;
}

interface Expectation {
  readonly keyId: string;
  readonly plaintextB64: string;
}

/** Builds request bodies and checks replies; `check` returns a failure description or undefined. */
export interface Workload {
  readonly target: string;
  next(): NextRequest;
  check(reply: Reply, req: NextRequest): string | undefined;
}

function pick<T>(xs: readonly T[]): T {
  const x = xs[Math.floor(Math.random() * xs.length)];
  if (x === undefined) throw new Error("empty choice");
  return x;
}

function parse(body: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function statusFailure(reply: Reply): string {
  return `HTTP ${reply.status}: ${reply.body.slice(0, 200)}`;
}

function keyIdFailure(j: Record<string, unknown>, keyId: string): string | undefined {
  const got = j["KeyId"];
  return typeof got === "string" && got.endsWith(`:key/${keyId}`) ? undefined : `KeyId ${String(got)} is not key ${keyId}`;
}

/** The bare echo server answers {target, bytes, fields}: it must have read and parsed our body. */
function checkEcho(target: string, reply: Reply, req: NextRequest): string | undefined {
  if (reply.status !== 200) return statusFailure(reply);
  const j = parse(reply.body);
  if (j === undefined) return "echo reply is not JSON";
  if (j["target"] !== target || j["bytes"] !== Buffer.byteLength(req.body) || typeof j["fields"] !== "number" || j["fields"] < 1) {
    return `echo reply does not match the request: ${reply.body.slice(0, 200)}`;
  }
  return undefined;
}

const NO_PLAINTEXT = "";

/**
 * The workload against Trent (`echo` false: every field checked) or against the echo server
 * (`echo` true: same bodies, the echo's own reply checked).
 */
export function makeWorkload(
  spec: WorkloadSpec,
  keyIds: readonly string[],
  decryptPool: readonly DecryptEntry[] | undefined,
  echo: boolean,
): Workload {
  const target = `TrentService.${spec.op}`;
  if (keyIds.length === 0) throw new Error("no key ids for the workload");
  switch (spec.op) {
    case "Encrypt": {
      const plaintexts = Array.from({ length: 64 }, () => randomBytes(spec.plaintextBytes).toString("base64"));
      return {
        target,
        next() {
          const keyId = pick(keyIds);
          return { body: `{"KeyId":"${keyId}","Plaintext":"${pick(plaintexts)}"}`, expect: { keyId, plaintextB64: NO_PLAINTEXT } };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          const blob = j["CiphertextBlob"];
          if (typeof blob !== "string" || blob.length < 40) return "no CiphertextBlob in the Encrypt reply";
          return keyIdFailure(j, req.expect.keyId);
        },
      };
    }
    case "Decrypt": {
      const pool = decryptPool ?? [];
      if (pool.length === 0) throw new Error("Decrypt needs a prepared pool of ciphertexts");
      return {
        target,
        next() {
          const e = pick(pool);
          return { body: e.body, expect: { keyId: e.keyId, plaintextB64: e.plaintextB64 } };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          if (j["Plaintext"] !== req.expect.plaintextB64) return "Decrypt returned a plaintext other than the one encrypted";
          return keyIdFailure(j, req.expect.keyId);
        },
      };
    }
    case "GenerateDataKey":
      return {
        target,
        next() {
          const keyId = pick(keyIds);
          return { body: `{"KeyId":"${keyId}","KeySpec":"AES_256"}`, expect: { keyId, plaintextB64: NO_PLAINTEXT } };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          const pt = j["Plaintext"];
          if (typeof pt !== "string" || Buffer.from(pt, "base64").length !== 32) return "GenerateDataKey plaintext is not 32 bytes";
          const blob = j["CiphertextBlob"];
          if (typeof blob !== "string" || blob.length < 40) return "no CiphertextBlob in the GenerateDataKey reply";
          return keyIdFailure(j, req.expect.keyId);
        },
      };
  }
}

/** The Encrypt body used to build a Decrypt pool entry. */
export function poolEncryptBody(keyId: string, plaintextB64: string): string {
  return `{"KeyId":"${keyId}","Plaintext":"${plaintextB64}"}`;
}
