import { randomBytes } from "node:crypto";
import type { Reply } from "./http-clients.js";

export type OpName = "Encrypt" | "Decrypt" | "GenerateDataKey" | "Sign" | "Verify" | "GenerateMac" | "GenerateDataKeyPair";

/** Key specs of the asymmetric, HMAC and key-pair workloads (the key's KeySpec; for GenerateDataKeyPair the pair's KeyPairSpec). */
export type KeyTypeSpec = "ECC_NIST_P256" | "RSA_2048" | "HMAC_256";

/**
 * What a phase drives: an operation and, for Encrypt/Decrypt, the plaintext size (for Sign,
 * Verify and GenerateMac, the message size). Sign, Verify and GenerateMac also name the key
 * spec and algorithm; GenerateDataKeyPair names the pair's spec (it runs under a symmetric key).
 */
export interface WorkloadSpec {
  readonly op: OpName;
  readonly plaintextBytes: number;
  readonly keySpec?: KeyTypeSpec;
  /** SigningAlgorithm (Sign, Verify) or MacAlgorithm (GenerateMac). */
  readonly algorithm?: string;
}

function size(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KB` : `${bytes} B`;
}

export function workloadLabel(w: WorkloadSpec): string {
  switch (w.op) {
    case "GenerateDataKey":
      return "GenerateDataKey (AES_256)";
    case "Sign":
    case "Verify":
      return `${w.op} ${w.keySpec ?? "?"} ${w.algorithm ?? "?"} (RAW, ${size(w.plaintextBytes)})`;
    case "GenerateMac":
      return `GenerateMac ${w.keySpec ?? "?"} ${w.algorithm ?? "?"} (${size(w.plaintextBytes)})`;
    case "GenerateDataKeyPair":
      return `GenerateDataKeyPair ${w.keySpec ?? "?"} (under a symmetric key)`;
    case "Encrypt":
    case "Decrypt":
      return `${w.op} ${size(w.plaintextBytes)}`;
  }
}

/** Whether a workload belongs to the asymmetric, HMAC and key-pair section (its own keys; no echo comparison). */
export function isKeyTypeWorkload(w: WorkloadSpec): boolean {
  return w.op === "Sign" || w.op === "Verify" || w.op === "GenerateMac" || w.op === "GenerateDataKeyPair";
}

/**
 * A prepared request: the body (for Decrypt built from a real Encrypt, for Verify from a real
 * Sign) and what must come back (Decrypt: the plaintext; Verify: nothing beyond SignatureValid).
 */
export interface PoolEntry {
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
  preparedPool: readonly PoolEntry[] | undefined,
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
      const pool = preparedPool ?? [];
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
    case "Sign": {
      const algorithm = spec.algorithm ?? "";
      const messages = Array.from({ length: 64 }, () => randomBytes(spec.plaintextBytes).toString("base64"));
      // DER ECDSA P-256 signatures are 8..72 bytes; RSA 2048 signatures exactly 256.
      const [minLen, maxLen] = spec.keySpec === "RSA_2048" ? [256, 256] : [8, 72];
      return {
        target,
        next() {
          const keyId = pick(keyIds);
          return {
            body: `{"KeyId":"${keyId}","Message":"${pick(messages)}","MessageType":"RAW","SigningAlgorithm":"${algorithm}"}`,
            expect: { keyId, plaintextB64: NO_PLAINTEXT },
          };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          const sig = j["Signature"];
          const n = typeof sig === "string" ? Buffer.from(sig, "base64").length : 0;
          if (n < minLen || n > maxLen) return `Sign returned no signature of ${minLen}..${maxLen} bytes (${n} bytes)`;
          if (j["SigningAlgorithm"] !== algorithm) return `Sign answered SigningAlgorithm ${String(j["SigningAlgorithm"])}`;
          return keyIdFailure(j, req.expect.keyId);
        },
      };
    }
    case "Verify": {
      const pool = preparedPool ?? [];
      if (pool.length === 0) throw new Error("Verify needs a prepared pool of signatures");
      return {
        target,
        next() {
          const e = pick(pool);
          return { body: e.body, expect: { keyId: e.keyId, plaintextB64: NO_PLAINTEXT } };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          if (j["SignatureValid"] !== true) return `Verify answered SignatureValid ${String(j["SignatureValid"])}`;
          return keyIdFailure(j, req.expect.keyId);
        },
      };
    }
    case "GenerateMac": {
      const algorithm = spec.algorithm ?? "";
      const messages = Array.from({ length: 64 }, () => randomBytes(spec.plaintextBytes).toString("base64"));
      return {
        target,
        next() {
          const keyId = pick(keyIds);
          return { body: `{"KeyId":"${keyId}","Message":"${pick(messages)}","MacAlgorithm":"${algorithm}"}`, expect: { keyId, plaintextB64: NO_PLAINTEXT } };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          const mac = j["Mac"];
          if (typeof mac !== "string" || Buffer.from(mac, "base64").length !== 32) return "GenerateMac returned no 32-byte MAC";
          return keyIdFailure(j, req.expect.keyId);
        },
      };
    }
    case "GenerateDataKeyPair": {
      const pairSpec = spec.keySpec ?? "";
      return {
        target,
        next() {
          const keyId = pick(keyIds);
          return { body: `{"KeyId":"${keyId}","KeyPairSpec":"${pairSpec}"}`, expect: { keyId, plaintextB64: NO_PLAINTEXT } };
        },
        check(reply, req) {
          if (echo) return checkEcho(target, reply, req);
          if (reply.status !== 200) return statusFailure(reply);
          const j = parse(reply.body);
          if (j === undefined) return "reply is not JSON";
          const pub = j["PublicKey"];
          // A P-256 SubjectPublicKeyInfo is 91 bytes; RSA ones are longer.
          if (typeof pub !== "string" || Buffer.from(pub, "base64").length < 91) return "GenerateDataKeyPair returned no public key";
          const blob = j["PrivateKeyCiphertextBlob"];
          if (typeof blob !== "string" || blob.length < 40) return "GenerateDataKeyPair returned no encrypted private key";
          const priv = j["PrivateKeyPlaintext"];
          if (typeof priv !== "string" || priv.length < 40) return "GenerateDataKeyPair returned no plaintext private key";
          if (j["KeyPairSpec"] !== pairSpec) return `GenerateDataKeyPair answered KeyPairSpec ${String(j["KeyPairSpec"])}`;
          return keyIdFailure(j, req.expect.keyId);
        },
      };
    }
  }
}

/** The Verify body of a signature made at set-up. */
export function verifyBody(keyId: string, messageB64: string, signingAlgorithm: string, signatureB64: string): string {
  return `{"KeyId":"${keyId}","Message":"${messageB64}","MessageType":"RAW","Signature":"${signatureB64}","SigningAlgorithm":"${signingAlgorithm}"}`;
}

/** The Encrypt body used to build a Decrypt pool entry. */
export function poolEncryptBody(keyId: string, plaintextB64: string): string {
  return `{"KeyId":"${keyId}","Plaintext":"${plaintextB64}"}`;
}
