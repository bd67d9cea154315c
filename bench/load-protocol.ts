import type { ClientKind } from "./http-clients.js";
import type { PoolEntry, WorkloadSpec } from "./workloads.js";

/** One measured phase: a workload at one concurrency against one server. */
export interface PhaseSpec {
  readonly endpoint: string;
  /** The server's pid: its CPU time is read from /proc at the edges of the measured window. */
  readonly serverPid: number;
  /** Trent (replies fully checked) or the bare echo server. */
  readonly echo: boolean;
  readonly workload: WorkloadSpec;
  /** Name of a key set defined earlier (keys are picked at random from it). */
  readonly keySet: string;
  /** Name of a pool of prepared requests defined earlier (Decrypt: ciphertexts; Verify: signatures). */
  readonly pool?: string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly client: ClientKind;
  readonly region: string;
  /** Who signs the requests; the dev root (test/test) when absent. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface PhaseResult {
  /** Responses completed inside the measured window (failures included). */
  readonly completed: number;
  readonly failures: number;
  readonly failureSamples: readonly string[];
  readonly seconds: number;
  readonly reqPerSec: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server CPU (user + system, all threads) per completed request, µs; NaN when unknown. */
  readonly serverCpuUsPerReq: number;
  /** Cores the server kept busy on average. */
  readonly serverCores: number;
  /** The load generator's own CPU per request, µs. */
  readonly loadCpuUsPerReq: number;
  /** Cores kept busy by every other process on the machine during the window (noise). */
  readonly otherCores: number;
  /** Cores' worth of time the hypervisor gave to other guests (steal). */
  readonly stealCores: number;
  /** Requests still unanswered when the phase ended (their loops were abandoned). */
  readonly abandoned: number;
}

export type ToLoadGen =
  | { readonly id: number; readonly kind: "keyset"; readonly name: string; readonly keyIds: readonly string[] }
  | {
      readonly id: number;
      readonly kind: "pool";
      readonly name: string;
      readonly endpoint: string;
      readonly region: string;
      readonly keySet: string;
      readonly plaintextBytes: number;
      readonly count: number;
    }
  /** A pool of requests prepared by the orchestrator (Verify: signatures made at set-up). */
  | { readonly id: number; readonly kind: "entries"; readonly name: string; readonly entries: readonly PoolEntry[] }
  | { readonly id: number; readonly kind: "phase"; readonly spec: PhaseSpec }
  | { readonly id: number; readonly kind: "exit" };

export type FromLoadGen =
  | { readonly id: number; readonly ok: true; readonly result?: PhaseResult; readonly info?: string }
  | { readonly id: number; readonly ok: false; readonly error: string };
