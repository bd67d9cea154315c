/**
 * Asymmetric, HMAC and key-pair operations: Sign and Verify (ECC_NIST_P256 with ECDSA_SHA_256,
 * RSA_2048 with RSASSA_PSS_SHA_256; RAW 64-byte messages), GenerateMac (HMAC_256,
 * HMAC_SHA_256, 64-byte messages) and GenerateDataKeyPair (ECC_NIST_P256 under a symmetric
 * key), each beside Encrypt 64 B on the same Trent in the same rounds. The keys are made through
 * CreateKey at the start of the section; Verify checks signatures made through Sign at set-up.
 */
import { randomBytes } from "node:crypto";
import { kmsCall } from "./kms-call.js";
import type { PhaseResult } from "./load-protocol.js";
import { mean } from "./stats.js";
import { verifyBody, workloadLabel, type PoolEntry, type WorkloadSpec } from "./workloads.js";

/** Keys made per key spec (and symmetric keys for GenerateDataKeyPair). */
export const KEYS_PER_SPEC = 4;
/** Signatures made at set-up per key, for Verify. */
export const SIGNATURES_PER_KEY = 16;

/** The key set a workload of this section draws from (defined in the load generator by `setUpKeyTypes`). */
export function keySetFor(w: WorkloadSpec): string {
  return w.op === "GenerateDataKeyPair" ? "kt-symmetric" : `kt-${w.keySpec ?? "?"}`;
}

/** The pool of prepared Verify requests of a workload, or undefined. */
export function poolFor(w: WorkloadSpec): string | undefined {
  return w.op === "Verify" ? `kt-verify-${w.keySpec ?? "?"}-${w.algorithm ?? "?"}` : undefined;
}

export interface KeyTypeSetup {
  readonly keySets: ReadonlyMap<string, readonly string[]>;
  readonly pools: ReadonlyMap<string, readonly PoolEntry[]>;
  readonly ms: number;
}

async function call(endpoint: string, region: string, op: string, payload: unknown): Promise<Record<string, unknown>> {
  const r = await kmsCall(endpoint, region, op, payload, 30_000);
  if (r.status !== 200) throw new Error(`${op}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  return r.json;
}

function keyIdOf(j: Record<string, unknown>): string {
  const id = (j["KeyMetadata"] as Record<string, unknown> | undefined)?.["KeyId"];
  if (typeof id !== "string") throw new Error(`CreateKey returned no KeyId: ${JSON.stringify(j).slice(0, 300)}`);
  return id;
}

/**
 * Makes the keys the chosen workloads need through CreateKey (as the dev root), and for Verify
 * signs SIGNATURES_PER_KEY random 64-byte messages per key through Sign (one of them checked
 * through Verify at once).
 */
export async function setUpKeyTypes(endpoint: string, region: string, workloads: readonly WorkloadSpec[]): Promise<KeyTypeSetup> {
  const t0 = performance.now();
  const keySets = new Map<string, string[]>();
  const pools = new Map<string, PoolEntry[]>();
  for (const w of workloads) {
    const set = keySetFor(w);
    if (keySets.has(set)) continue;
    const params: Record<string, string> =
      w.op === "GenerateDataKeyPair"
        ? {}
        : w.op === "GenerateMac"
          ? { KeySpec: w.keySpec ?? "", KeyUsage: "GENERATE_VERIFY_MAC" }
          : { KeySpec: w.keySpec ?? "", KeyUsage: "SIGN_VERIFY" };
    const ids: string[] = [];
    for (let i = 0; i < KEYS_PER_SPEC; i++) {
      ids.push(keyIdOf(await call(endpoint, region, "CreateKey", { ...params, Description: `bench: ${set}` })));
    }
    keySets.set(set, ids);
  }
  for (const w of workloads) {
    const name = poolFor(w);
    if (name === undefined || pools.has(name)) continue;
    const entries: PoolEntry[] = [];
    for (const keyId of keySets.get(keySetFor(w)) ?? []) {
      for (let i = 0; i < SIGNATURES_PER_KEY; i++) {
        const message = randomBytes(w.plaintextBytes).toString("base64");
        const signed = await call(endpoint, region, "Sign", { KeyId: keyId, Message: message, MessageType: "RAW", SigningAlgorithm: w.algorithm });
        const signature = signed["Signature"];
        if (typeof signature !== "string") throw new Error(`Sign returned no signature: ${JSON.stringify(signed).slice(0, 300)}`);
        entries.push({ keyId, body: verifyBody(keyId, message, w.algorithm ?? "", signature), plaintextB64: "" });
      }
    }
    const first = entries[0];
    if (first === undefined) throw new Error(`no signatures for ${workloadLabel(w)}`);
    const checked = await call(endpoint, region, "Verify", JSON.parse(first.body) as unknown);
    if (checked["SignatureValid"] !== true) throw new Error(`a signature made at set-up does not verify: ${JSON.stringify(checked).slice(0, 300)}`);
    pools.set(name, entries);
  }
  return { keySets, pools, ms: performance.now() - t0 };
}

export interface KeyTypeSeries {
  readonly workload: WorkloadSpec;
  readonly concurrency: number;
  /** One phase per round. */
  readonly phases: readonly PhaseResult[];
}

export interface KeyTypeReport {
  readonly rounds: number;
  readonly phaseSeconds: number;
  readonly setupMs: number;
  /** Keys in the main store (Encrypt 64 B draws from them). */
  readonly storeKeys: number;
  /** Encrypt 64 B (the reference) first, per concurrency, then the section's workloads. */
  readonly series: readonly KeyTypeSeries[];
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "n/a");

const meanOf = (xs: readonly PhaseResult[], f: (r: PhaseResult) => number): number => mean(xs.map(f));

export interface KeyTypeRatios {
  /** Operation ÷ Encrypt 64 B, means over the rounds. */
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU per request, operation µs ÷ Encrypt µs: how many Encrypts' worth of server CPU one call costs. */
  readonly cpu: number;
}

export function keyTypeRatios(s: KeyTypeSeries, ref: KeyTypeSeries): KeyTypeRatios {
  const q = (f: (r: PhaseResult) => number): number => meanOf(s.phases, f) / meanOf(ref.phases, f);
  return { reqPerSec: q((r) => r.reqPerSec), p50: q((r) => r.p50Ms), p99: q((r) => r.p99Ms), cpu: q((r) => r.serverCpuUsPerReq) };
}

export const isReference = (w: WorkloadSpec): boolean => w.op === "Encrypt" && w.plaintextBytes === 64 && w.keySpec === undefined;

/** The report's section (markdown). */
export function renderKeyTypes(r: KeyTypeReport): string {
  const L: string[] = [
    "",
    "## Asymmetric, HMAC and key-pair operations beside Encrypt 64 B",
    "",
    `On the main Trent (${r.storeKeys} seeded keys), after its other phases: ${KEYS_PER_SPEC} keys per key spec made through CreateKey at the start of the section ` +
      `(GenerateDataKeyPair: ${KEYS_PER_SPEC} symmetric keys), a random key per request; messages are 64 random bytes, MessageType RAW. ` +
      `Verify checks ${SIGNATURES_PER_KEY} signatures per key made through Sign at set-up (every reply must say SignatureValid true); ` +
      "Sign replies must carry a signature (8–72 bytes DER for ECDSA P-256, 256 bytes for RSA 2048), GenerateMac a 32-byte MAC, " +
      "GenerateDataKeyPair a public key, an encrypted and a plaintext private key. RSA uses RSASSA_PSS_SHA_256 (salt 32 bytes). " +
      `${r.rounds} round(s) of ${r.phaseSeconds} s phases; every round runs Encrypt 64 B (same Trent, same keys as the main table) and each ` +
      `operation back to back, in reverse order every other round. Ratios are the operation's mean over the rounds ÷ Encrypt 64 B's ` +
      `(CPU: operation µs ÷ Encrypt µs, so 3.0 means one call costs the server three Encrypts). Set-up took ${f1(r.setupMs / 1000)} s.`,
    "",
    "| Operation | Conns | req/s per round | mean req/s | req/s ÷ Encrypt | p50 / p99 ms | p50 / p99 ÷ Encrypt | CPU µs/req | CPU ÷ Encrypt | Trent cores | Other load (cores) | Failures |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const concurrencies = [...new Set(r.series.map((s) => s.concurrency))];
  for (const c of concurrencies) {
    const ref = r.series.find((s) => s.concurrency === c && isReference(s.workload));
    for (const s of r.series.filter((x) => x.concurrency === c)) {
      const q = ref === undefined ? undefined : keyTypeRatios(s, ref);
      const p = s.phases;
      const fails = p.reduce((n, x) => n + x.failures + x.abandoned, 0);
      L.push(
        `| ${workloadLabel(s.workload)} | ${c} | ${p.map((x) => f0(x.reqPerSec)).join(", ")} | ${f0(meanOf(p, (x) => x.reqPerSec))} | ` +
          `**${f2(q?.reqPerSec ?? NaN)}** | ${f2(meanOf(p, (x) => x.p50Ms))} / ${f2(meanOf(p, (x) => x.p99Ms))} | ${f2(q?.p50 ?? NaN)} / ${f2(q?.p99 ?? NaN)} | ` +
          `${f1(meanOf(p, (x) => x.serverCpuUsPerReq))} | **${f2(q?.cpu ?? NaN)}** | ${f2(meanOf(p, (x) => x.serverCores))} | ` +
          `${f2(meanOf(p, (x) => x.otherCores))} | ${fails === 0 ? "0" : `**${fails}**`} |`,
      );
    }
  }
  const failed = r.series.flatMap((s) => s.phases.flatMap((p) => p.failureSamples.map((x) => `${workloadLabel(s.workload)} c=${s.concurrency}: ${x}`)));
  if (failed.length > 0) {
    L.push("", "Failure samples:", "");
    for (const x of failed.slice(0, 10)) L.push(`- ${x}`);
  }
  return L.join("\n");
}
