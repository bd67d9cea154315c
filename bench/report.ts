import type { HotFunction } from "./cpu-profile.js";
import type { PhaseResult } from "./load-protocol.js";
import type { MemoryUse } from "./proc-stats.js";
import { mean } from "./stats.js";
import { workloadLabel, type WorkloadSpec } from "./workloads.js";

export interface Row {
  readonly workload: WorkloadSpec;
  readonly concurrency: number;
  readonly trent: PhaseResult;
  readonly echo: PhaseResult;
}

export interface Startup {
  /** Spawn to the "listening" line. */
  readonly listeningMs: number;
  /** Spawn to the first successful signed Encrypt. */
  readonly firstOkMs: number;
}

export interface StoreSide {
  readonly keys: number;
  readonly startup: Startup;
  readonly rounds: readonly PhaseResult[];
  readonly memoryAfterStart: MemoryUse | undefined;
  readonly memoryAfterLoad: MemoryUse | undefined;
}

export interface ScaleReport {
  readonly seedMs: number;
  readonly seedReused: boolean;
  readonly concurrency: number;
  readonly small: StoreSide;
  readonly large: StoreSide;
}

export interface ProfileReport {
  readonly label: string;
  readonly phase: PhaseResult;
  readonly top: readonly HotFunction[];
  readonly inclusive: readonly HotFunction[];
}

export interface ReportInput {
  readonly header: readonly string[];
  readonly rows: readonly Row[];
  readonly scale: ScaleReport | undefined;
  readonly profiles: readonly ProfileReport[];
  readonly problems: readonly string[];
  /** Target lines of sections rendered elsewhere (the durable-audit comparison). */
  readonly extraTargets?: readonly string[];
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "n/a");

function failures(r: PhaseResult): string {
  return r.failures === 0 && r.abandoned === 0 ? "0" : `**${r.failures}${r.abandoned > 0 ? ` (+${r.abandoned} abandoned)` : ""}**`;
}

export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : NaN;
}

export function targetLines(input: ReportInput): string[] {
  const out: string[] = [];
  const enc64 = input.rows.filter((r) => r.workload.op === "Encrypt" && r.workload.plaintextBytes === 64);
  const at64 = enc64.find((r) => r.concurrency === 64);
  if (at64 !== undefined) {
    const q = ratio(at64.trent.reqPerSec, at64.echo.reqPerSec);
    out.push(
      `- Encrypt 64 B at 64 connections: **${f2(q)}** of the echo server's req/s (target ≥ 0.60): ${q >= 0.6 ? "met" : "**missed**"}` +
        ` (by CPU per request: ${f2(ratio(at64.echo.serverCpuUsPerReq, at64.trent.serverCpuUsPerReq))})`,
    );
  }
  for (const r of input.rows.filter((x) => x.concurrency === 16)) {
    out.push(
      `- ${workloadLabel(r.workload)} p99 at 16 connections: **${f2(r.trent.p99Ms)} ms** (target ≤ 10 ms): ${r.trent.p99Ms <= 10 ? "met" : "**missed**"}`,
    );
  }
  const s = input.scale;
  if (s !== undefined) {
    const q = ratio(mean(s.large.rounds.map((r) => r.reqPerSec)), mean(s.small.rounds.map((r) => r.reqPerSec)));
    out.push(
      `- Encrypt 64 B at ${s.concurrency} connections, ${f0(s.large.keys)} keys vs ${s.small.keys} keys: **${f2(q)}** (target ≥ 0.90): ${q >= 0.9 ? "met" : "**missed**"}` +
        ` (by CPU per request: ${f2(ratio(mean(s.small.rounds.map((r) => r.serverCpuUsPerReq)), mean(s.large.rounds.map((r) => r.serverCpuUsPerReq))))})`,
    );
    const rss = s.large.memoryAfterLoad?.rssMb ?? NaN;
    out.push(`- resident memory with ${f0(s.large.keys)} keys after load: **${f0(rss)} MB** (target < 300 MB): ${rss < 300 ? "met" : "**missed**"}`);
    const st = s.large.startup.firstOkMs / 1000;
    out.push(`- start-up with ${f0(s.large.keys)} keys (spawn to first successful Encrypt): **${f2(st)} s** (target < 2 s): ${st < 2 ? "met" : "**missed**"}`);
  }
  return out;
}

export function renderReport(input: ReportInput): string {
  const all = [...input.rows.flatMap((r) => [r.trent, r.echo]), ...(input.scale ? [...input.scale.small.rounds, ...input.scale.large.rounds] : [])];
  const others = all.map((r) => r.otherCores);
  const L: string[] = [...input.header];
  if (all.length > 0) {
    L.push(
      `- machine noise during the measured phases: other processes kept ${f2(mean(others))} cores busy on average ` +
        `(${f2(Math.min(...others))} to ${f2(Math.max(...others))}); hypervisor steal ${f2(Math.max(...all.map((r) => r.stealCores)))} cores at most`,
    );
  }
  L.push("");
  if (input.problems.length > 0) {
    L.push("## PROBLEMS", "");
    for (const p of input.problems) L.push(`- **${p}**`);
    L.push("");
  }
  L.push("## Targets", "", ...targetLines(input), ...(input.extraTargets ?? []), "");
  L.push(
    "## Throughput, latency and server CPU (Trent beside the bare node:http echo server)",
    "",
    "| Operation | Conns | Trent req/s | Echo req/s | Trent / echo | Trent p50 / p99 ms | Echo p50 / p99 ms | Trent CPU µs/req | Echo CPU µs/req | Echo / Trent CPU | Trent cores | Loadgen µs/req T / E | Other load (cores) | Failures T / E |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of input.rows) {
    const t = r.trent;
    const e = r.echo;
    L.push(
      `| ${workloadLabel(r.workload)} | ${r.concurrency} | ${f0(t.reqPerSec)} | ${f0(e.reqPerSec)} | **${f2(ratio(t.reqPerSec, e.reqPerSec))}** | ` +
        `${f2(t.p50Ms)} / ${f2(t.p99Ms)} | ${f2(e.p50Ms)} / ${f2(e.p99Ms)} | ${f1(t.serverCpuUsPerReq)} | ${f1(e.serverCpuUsPerReq)} | ` +
        `${f2(ratio(e.serverCpuUsPerReq, t.serverCpuUsPerReq))} | ${f2(t.serverCores)} | ${f1(t.loadCpuUsPerReq)} / ${f1(e.loadCpuUsPerReq)} | ` +
        `${f2(t.otherCores)} / ${f2(e.otherCores)} | ${failures(t)} / ${failures(e)} |`,
    );
  }
  L.push("");
  const s = input.scale;
  if (s !== undefined) {
    L.push(
      `## Scale: ${f0(s.large.keys)} keys beside ${s.small.keys} keys (Encrypt 64 B, ${s.concurrency} connections, a random key per request)`,
      "",
      `Seeding ${f0(s.large.keys)} keys through SqliteStore + SoftwareKeystore took ${f1(s.seedMs / 1000)} s (${f1((s.seedMs * 1000) / s.large.keys)} µs per key)` +
        `${s.seedReused ? "; this run reused that seeded copy (same code), \`--fresh-seed\` seeds again" : ""}.`,
      "",
      "| Store | Start-up: listening / first OK (ms) | RSS after start (MB) | RSS after load / peak (MB) | req/s per round | mean req/s | CPU µs/req | p50 / p99 ms | Failures |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const side of [s.small, s.large]) {
      const rounds = side.rounds;
      L.push(
        `| ${f0(side.keys)} keys | ${f0(side.startup.listeningMs)} / ${f0(side.startup.firstOkMs)} | ${f0(side.memoryAfterStart?.rssMb ?? NaN)} | ` +
          `${f0(side.memoryAfterLoad?.rssMb ?? NaN)} / ${f0(side.memoryAfterLoad?.hwmMb ?? NaN)} | ${rounds.map((r) => f0(r.reqPerSec)).join(", ")} | ` +
          `${f0(mean(rounds.map((r) => r.reqPerSec)))} | ${f1(mean(rounds.map((r) => r.serverCpuUsPerReq)))} | ` +
          `${f2(mean(rounds.map((r) => r.p50Ms)))} / ${f2(mean(rounds.map((r) => r.p99Ms)))} | ${rounds.map(failures).join(", ")} |`,
      );
    }
    L.push("");
  }
  for (const p of input.profiles) {
    L.push(
      `## Where Trent spends its CPU (node --cpu-prof; ${p.label}: ${f0(p.phase.reqPerSec)} req/s, ${f1(p.phase.serverCpuUsPerReq)} µs/req under the profiler)`,
      "",
      "| Self time | Function | Where |",
      "|---:|---|---|",
    );
    for (const h of p.top) L.push(`| ${f1(h.selfPct)} % | \`${h.name}\` | ${h.where} |`);
    L.push(
      "",
      "Trent's own functions by inclusive time (share of samples with the function on the stack; async continuations",
      "are attributed to the function that resumed them). V8's sampler counts a thread that was preempted inside a",
      "system call (writev waking the load generator) at that call, so on a busy 2-core machine `writev` is overstated.",
      "",
      "| Inclusive | Function | Where |",
      "|---:|---|---|",
    );
    for (const h of p.inclusive) L.push(`| ${f1(h.selfPct)} % | \`${h.name}\` | ${h.where} |`);
    L.push("");
  }
  const failed = input.rows.flatMap((r) => [
    ...r.trent.failureSamples.map((x) => `Trent ${workloadLabel(r.workload)} c=${r.concurrency}: ${x}`),
    ...r.echo.failureSamples.map((x) => `echo ${workloadLabel(r.workload)} c=${r.concurrency}: ${x}`),
  ]);
  const scaleFailed = s === undefined ? [] : [...s.small.rounds, ...s.large.rounds].flatMap((r) => r.failureSamples.map((x) => `scale: ${x}`));
  if (failed.length + scaleFailed.length > 0) {
    L.push("## Failure samples", "");
    for (const x of [...failed, ...scaleFailed].slice(0, 20)) L.push(`- ${x}`);
    L.push("");
  }
  return L.join("\n");
}
