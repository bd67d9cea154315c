import { strict as assert } from "node:assert";
import { describe, test } from "node:test";
import { cloudTrailRecord, serviceEvent } from "./cloudtrail-record.js";
import { canonicalJson } from "./hash-chain.js";
import { ALICE, KEY_IDS, T0, keyArnOf } from "./audit-test-helpers.js";

/** canonicalJson as first written: sorted keys, JSON.stringify for strings and numbers. The fast path must agree with it. */
function reference(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string" || typeof v === "number") return JSON.stringify(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (Array.isArray(v)) return `[${v.map((x: unknown) => reference(x === undefined ? null : x)).join(",")}]`;
  const o = v as Record<string, unknown>;
  const parts: string[] = [];
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) parts.push(`${JSON.stringify(k)}:${reference(o[k])}`);
  return `{${parts.join(",")}}`;
}

/** A small deterministic generator (xorshift) so that failures reproduce. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const KEYS = ["a", "b", "B", "10", "9", "0", "1", "__proto__", "é", "\u2028", 'z"q', "𝄞", "", "toJSON", "length", "ARN", "accountId"];

function value(r: () => number, depth: number): unknown {
  const p = r();
  if (depth > 3 || p < 0.35) {
    const q = r();
    if (q < 0.3) return KEYS[Math.floor(r() * KEYS.length)];
    if (q < 0.5) return Math.floor(r() * 1e9) / 7;
    if (q < 0.6) return r() < 0.5;
    if (q < 0.7) return null;
    if (q < 0.8) return undefined;
    return `s\n"\u0001${r()}`;
  }
  if (p < 0.55) return Array.from({ length: Math.floor(r() * 4) }, () => value(r, depth + 1));
  const o: Record<string, unknown> = r() < 0.5 ? {} : (JSON.parse("{}") as Record<string, unknown>);
  for (let i = Math.floor(r() * 5); i > 0; i--) {
    const k = KEYS[Math.floor(r() * KEYS.length)] ?? "k";
    Object.defineProperty(o, k, { value: value(r, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return o;
}

describe("canonical JSON fast path", () => {
  test("writes exactly what the sorting encoder writes, for any key order, integer-like keys and __proto__ members", () => {
    const r = rng(20261201);
    for (let i = 0; i < 20_000; i++) {
      const v = { x: value(r, 0) };
      assert.equal(canonicalJson(v), reference(v), JSON.stringify(v));
    }
  });

  test("records are built in canonical order, so that their canonical form is plain JSON.stringify", () => {
    const records = [
      cloudTrailRecord({
        requestId: "r1",
        operation: "Encrypt",
        caller: ALICE,
        errorCode: undefined,
        errorMessage: undefined,
        input: { KeyId: KEY_IDS[0], EncryptionContext: { z: "1", a: "2" }, GrantTokens: ["t"] },
        output: { KeyId: keyArnOf(KEY_IDS[0]), KeyMaterialId: "m" },
        startedAt: T0,
        keyArns: [keyArnOf(KEY_IDS[0])],
      }),
      cloudTrailRecord({
        requestId: "r2",
        operation: "Decrypt",
        caller: undefined,
        errorCode: "AccessDeniedException",
        errorMessage: "no",
        input: { EncryptionContext: { b: "x" } },
        output: undefined,
        startedAt: T0,
        accessKeyId: "AKIA",
        sourceIp: "::ffff:10.0.0.1",
        region: "eu-west-1",
      }),
      cloudTrailRecord({
        requestId: "r3",
        operation: "CreateKey",
        caller: ALICE,
        errorCode: undefined,
        errorMessage: undefined,
        input: { Description: "d", Tags: [{ TagKey: "k", TagValue: "v" }], KeyUsage: "ENCRYPT_DECRYPT" },
        output: { KeyMetadata: { KeyId: KEY_IDS[1], Arn: keyArnOf(KEY_IDS[1]), Enabled: true, CreationDate: new Date(T0) } },
        startedAt: T0,
      }),
      serviceEvent({ eventName: "RotateKey", keyArn: keyArnOf(KEY_IDS[2]), accountId: ALICE.accountId, region: "us-east-1", at: T0 }),
    ];
    for (const rec of records.slice(0, 2)) assert.equal(JSON.stringify(rec), canonicalJson(rec));
    for (const rec of records) assert.equal(canonicalJson(rec), reference(rec));
  });
});
