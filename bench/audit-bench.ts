/**
 * The durable audit trail's cost: Encrypt 64 B against a production-mode Trent (sealed root,
 * audit records on disk before a call is answered: group commit with one fdatasync per batch)
 * and against a dev-mode Trent (audit records buffered, flushed within 200 ms), in alternating
 * rounds, with both data directories on one filesystem. Run on tmpfs (/dev/shm: fdatasync costs
 * nothing, so only the CPU of the durable path shows) and on a disk directory (fdatasync real).
 * The issue's target: production keeps at least 0.8 of dev mode's Encrypt throughput.
 *
 * The production data directory is made as an operator would: `trent operator init` (2 shares,
 * threshold 2: Trent refuses a threshold below 2), `trent account create` and `trent access-key
 * create` offline with the shares piped on stdin, then `serve --mode production` and the shares
 * submitted to POST /_trent/operator/unseal.
 */
import { execFileSync } from "node:child_process";
import { closeSync, fdatasyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statfsSync, writeSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { firstSuccess, kmsCall, DEV_CREDENTIALS, type Credentials } from "./kms-call.js";
import type { PhaseResult } from "./load-protocol.js";
import { ServerProcess } from "./server-process.js";
import { mean } from "./stats.js";

const TMPFS_MAGIC = 0x01021994;
const SHARES = 2;
const THRESHOLD = 2; // the least Trent accepts
export const AUDIT_KEYS = 10;

export interface AuditRoot {
  readonly dir: string;
  /** "tmpfs" or the filesystem's magic number in hex (ext4, xfs, overlay, ... are all "disk" here). */
  readonly fs: string;
  readonly tmpfs: boolean;
}

function fsOf(dir: string): AuditRoot {
  const type = statfsSync(dir).type;
  const known: Record<number, string> = { [TMPFS_MAGIC]: "tmpfs", 0xef53: "ext4", 0x58465342: "xfs", 0x794c7630: "overlayfs", 0x9123683e: "btrfs" };
  return { dir, fs: known[type] ?? `0x${type.toString(16)}`, tmpfs: type === TMPFS_MAGIC };
}

/**
 * Where the comparison runs: /dev/shm (tmpfs) when writable, and a disk directory: `diskRoot`
 * if given, else the run's data root if it is not tmpfs, else the OS temp directory if it is not
 * tmpfs, else the project directory.
 */
export function auditRoots(tmpfsRoot: string | undefined, diskRoot: string | undefined, candidates: readonly string[]): AuditRoot[] {
  const roots: AuditRoot[] = [];
  if (tmpfsRoot !== undefined) {
    const r = fsOf(tmpfsRoot);
    if (r.tmpfs) roots.push(r);
  }
  if (diskRoot !== undefined) {
    mkdirSync(diskRoot, { recursive: true });
    roots.push(fsOf(diskRoot));
  } else {
    const disk = candidates.map((c) => {
      try {
        return fsOf(c);
      } catch {
        return undefined;
      }
    }).find((r) => r !== undefined && !r.tmpfs);
    if (disk !== undefined) roots.push(disk);
  }
  return roots;
}

export interface FsyncProbe {
  readonly calls: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Appends `calls` blocks of 16 KB (about 16 audit records) to a file in `dir`, each followed by fdatasync: what one group commit waits for. */
export function probeFsync(dir: string, calls = 100): FsyncProbe {
  const path = join(dir, `fsync-probe-${process.pid}`);
  const fd = openSync(path, "a");
  const line = Buffer.alloc(16 * 1024, 0x61);
  const ms: number[] = [];
  try {
    for (let i = 0; i < calls; i++) {
      writeSync(fd, line);
      const t = performance.now();
      fdatasyncSync(fd);
      ms.push(performance.now() - t);
    }
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
  ms.sort((a, b) => a - b);
  const at = (p: number): number => ms[Math.min(ms.length - 1, Math.ceil((p / 100) * ms.length) - 1)] ?? NaN;
  return { calls, meanMs: mean(ms), p50Ms: at(50), p99Ms: at(99) };
}

export interface AuditTrent {
  readonly mode: "dev" | "production";
  readonly proc: ServerProcess;
  readonly dataDir: string;
  readonly credentials: Credentials;
  readonly keyIds: readonly string[];
}

function cli(trentMain: string, args: readonly string[], input?: string): string {
  return execFileSync(process.execPath, [trentMain, ...args], {
    encoding: "utf8",
    input: input ?? "",
    timeout: 60_000,
    env: { ...process.env, TRENT_DATABASE_URL: undefined, TRENT_MODE: undefined, TRENT_KEYSTORE: undefined },
  });
}

function postJson(endpoint: string, path: string, body: unknown): Promise<{ status: number; text: string }> {
  const u = new URL(path, endpoint);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      u,
      { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error(`POST ${path}: no answer within 30 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

function getText(endpoint: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, endpoint), { agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      res.on("error", reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${path}: no answer within 10 s`)));
    req.on("error", reject);
    req.end();
  });
}

async function createKeys(endpoint: string, region: string, credentials: Credentials, count: number): Promise<string[]> {
  // The first call also waits for the service to answer (production: the audit log opens on unseal).
  await firstSuccess(endpoint, region, "ListKeys", {}, 15_000, credentials);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await kmsCall(endpoint, region, "CreateKey", { Description: "bench: audit" }, 15_000, credentials);
    const id = (r.json["KeyMetadata"] as Record<string, unknown> | undefined)?.["KeyId"];
    if (r.status !== 200 || typeof id !== "string") throw new Error(`CreateKey failed: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
    ids.push(id);
  }
  await firstSuccess(endpoint, region, "Encrypt", { KeyId: ids[0], Plaintext: Buffer.from("probe").toString("base64") }, 15_000, credentials);
  return ids;
}

/** A dev-mode Trent on a fresh data directory under `base`, with AUDIT_KEYS keys made through CreateKey. */
export async function startDevTrent(trentMain: string, base: string, region: string): Promise<AuditTrent> {
  const dataDir = join(base, "dev");
  const proc = await ServerProcess.start("trent-dev", trentMain, ["serve", "--mode", "dev", "--port", "0", "--data-dir", dataDir], { timeoutMs: 30_000 });
  try {
    const keyIds = await createKeys(proc.endpoint, region, DEV_CREDENTIALS, AUDIT_KEYS);
    return { mode: "dev", proc, dataDir, credentials: DEV_CREDENTIALS, keyIds };
  } catch (e) {
    await proc.stop();
    throw e;
  }
}

/**
 * A production-mode Trent on a fresh data directory under `base`: sealed root (`operator init`),
 * the account and a root access key made offline with the shares on stdin, then started, unsealed
 * through the operator endpoint, and given AUDIT_KEYS keys through CreateKey.
 */
export async function startProductionTrent(trentMain: string, base: string, region: string, account: string): Promise<AuditTrent> {
  const dataDir = join(base, "production");
  const init = JSON.parse(cli(trentMain, ["operator", "init", "--data-dir", dataDir, "--shares", String(SHARES), "--threshold", String(THRESHOLD)])) as {
    shares?: unknown;
  };
  const shares = Array.isArray(init.shares) ? init.shares.filter((s): s is string => typeof s === "string") : [];
  if (shares.length !== SHARES) throw new Error(`operator init printed ${shares.length} shares, not ${SHARES}`);
  const stdin = `${shares.slice(0, THRESHOLD).join("\n")}\n`;
  cli(trentMain, ["account", "create", "--account-id", account, "--data-dir", dataDir, "--output", "json"], stdin);
  const key = JSON.parse(cli(trentMain, ["access-key", "create", "--arn", `arn:aws:iam::${account}:root`, "--data-dir", dataDir, "--output", "json"], stdin)) as {
    AccessKeyId?: unknown;
    SecretAccessKey?: unknown;
  };
  if (typeof key.AccessKeyId !== "string" || typeof key.SecretAccessKey !== "string") throw new Error("access-key create printed no credentials");
  const credentials: Credentials = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  const proc = await ServerProcess.start("trent-production", trentMain, ["serve", "--mode", "production", "--port", "0", "--data-dir", dataDir], {
    timeoutMs: 30_000,
  });
  try {
    let sealed = true;
    for (const share of shares.slice(0, THRESHOLD)) {
      const r = await postJson(proc.endpoint, "/_trent/operator/unseal", { share });
      if (r.status !== 200) throw new Error(`unseal: HTTP ${r.status} ${r.text.slice(0, 300)}`);
      sealed = (JSON.parse(r.text) as { sealed?: unknown }).sealed !== false;
    }
    if (sealed) throw new Error("the shares did not unseal the production Trent");
    const keyIds = await createKeys(proc.endpoint, region, credentials, AUDIT_KEYS);
    return { mode: "production", proc, dataDir, credentials, keyIds };
  } catch (e) {
    await proc.stop();
    throw e;
  }
}

/** A fresh directory for one filesystem's pair of Trents. */
export function auditBase(root: string): string {
  return mkdtempSync(join(root, "trent-bench-audit-"));
}

export interface AppendStats {
  readonly sum: number;
  readonly count: number;
}

/** trent_audit_append_duration_seconds sum and count from /metrics. */
export async function appendStats(endpoint: string): Promise<AppendStats | undefined> {
  try {
    const text = await getText(endpoint, "/metrics");
    const num = (name: string): number => Number(new RegExp(`^${name}(?:\\{\\})? ([0-9.eE+-]+)$`, "m").exec(text)?.[1] ?? NaN);
    const sum = num("trent_audit_append_duration_seconds_sum");
    const count = num("trent_audit_append_duration_seconds_count");
    return Number.isFinite(sum) && Number.isFinite(count) ? { sum, count } : undefined;
  } catch {
    return undefined;
  }
}

/** Requests answered so far: the sum of trent_requests_total over its labels (/metrics). */
export async function requestsServed(endpoint: string): Promise<number> {
  try {
    const text = await getText(endpoint, "/metrics");
    let n = 0;
    for (const m of text.matchAll(/^trent_requests_total(?:\{[^}]*\})? ([0-9.eE+-]+)$/gm)) n += Number(m[1]);
    return n;
  } catch {
    return NaN;
  }
}

/** Lines in the audit segments of a data directory (events, digests, ...). */
export function auditLines(dataDir: string): number {
  const dir = join(dataDir, "audit");
  let lines = 0;
  const buf = Buffer.alloc(1 << 20);
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".jsonl"))) {
    const fd = openSync(join(dir, name), "r");
    try {
      for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) {
        for (let i = buf.indexOf(10); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
      }
    } finally {
      closeSync(fd);
    }
  }
  return lines;
}

export interface AuditPhase {
  readonly result: PhaseResult;
  /** Mean time an audit append took to resolve over the phase (warm-up included), ms; NaN when unknown. */
  readonly appendMs: number;
  /** The server's read + write system calls per request over the phase (warm-up included). */
  readonly syscallsPerReq: number;
  /** The server's voluntary context switches (all threads) per request over the phase (warm-up included). */
  readonly switchesPerReq: number;
}

export interface AuditSeries {
  readonly concurrency: number;
  readonly dev: readonly AuditPhase[];
  readonly production: readonly AuditPhase[];
}

export interface AuditRootReport {
  readonly root: AuditRoot;
  /** fdatasync measured in the section's directory just before and just after its phases. */
  readonly fsync: FsyncProbe;
  readonly fsyncAfter: FsyncProbe;
  readonly series: readonly AuditSeries[];
  /** Requests each side answered over the whole section (priming and set-up included) and the audit lines it wrote. */
  readonly served: { readonly dev: number; readonly production: number };
  readonly lines: { readonly dev: number; readonly production: number };
}

export interface AuditReport {
  readonly rounds: number;
  readonly phaseSeconds: number;
  readonly roots: readonly AuditRootReport[];
  /** Roots that could not be measured, with the reason. */
  readonly skipped: readonly string[];
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "n/a");
const f3 = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : "n/a");

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

export interface AuditRatios {
  /** Production ÷ dev, means over the rounds. */
  readonly reqPerSec: number;
  /** Production µs ÷ dev µs per request (above 1: production costs more). */
  readonly cpu: number;
  /** Medians of the per-round production ÷ dev ratios. */
  readonly pairedReqPerSec: number;
  readonly pairedCpu: number;
}

export function auditRatios(s: AuditSeries): AuditRatios {
  const m = (xs: readonly AuditPhase[], f: (r: PhaseResult) => number): number => mean(xs.map((x) => f(x.result)));
  const pairs = s.production.map((p, i) => [p.result, s.dev[i]?.result] as const).filter((x): x is readonly [PhaseResult, PhaseResult] => x[1] !== undefined);
  return {
    reqPerSec: m(s.production, (r) => r.reqPerSec) / m(s.dev, (r) => r.reqPerSec),
    cpu: m(s.production, (r) => r.serverCpuUsPerReq) / m(s.dev, (r) => r.serverCpuUsPerReq),
    pairedReqPerSec: median(pairs.map(([p, d]) => p.reqPerSec / d.reqPerSec)),
    pairedCpu: median(pairs.map(([p, d]) => p.serverCpuUsPerReq / d.serverCpuUsPerReq)),
  };
}

/** One line per filesystem for the report's Targets list. */
export function auditTargetLines(r: AuditReport): string[] {
  return r.roots.map((root) => {
    const parts = root.series.map((s) => {
      const q = auditRatios(s);
      return `${s.concurrency} connections **${f2(q.reqPerSec)}** (CPU per request ${f2(q.cpu)})${q.reqPerSec >= 0.8 ? "" : " **missed**"}`;
    });
    return `- Encrypt 64 B, production (durable audit) ÷ dev req/s, target ≥ 0.80, ${root.root.tmpfs ? "tmpfs" : `disk (${root.root.fs})`}: ${parts.join("; ")}`;
  });
}

/** The report's section (markdown). */
export function renderAudit(r: AuditReport): string {
  const L: string[] = [
    "",
    "## Durable audit: production mode beside dev mode (Encrypt 64 B)",
    "",
    "Two Trents started for this section on one filesystem, each with its own data directory and 10 keys made through CreateKey: " +
      "**production** (`serve --mode production`: sealed root made by `trent operator init --shares 2 --threshold 2`, account and root " +
      "access key made offline with the shares on stdin, unsealed through POST /_trent/operator/unseal; an Encrypt is answered only once its " +
      "audit record is on disk: group commit, one write + fdatasync per batch) and **dev** (`serve`: software root, audit records buffered " +
      "and written within 200 ms, not synced per request). Each is primed, then Encrypt 64 B runs in alternating rounds (order swapped every " +
      `round: dev, production, production, dev, ...), ${r.rounds} rounds of ${r.phaseSeconds} s phases per concurrency. ` +
      "Ratios are production ÷ dev for req/s and for CPU per request (CPU above 1: production costs more per request). " +
      '"Audit append" is the mean of `trent_audit_append_duration_seconds` over the phase (/metrics): how long a call waited for its record. ' +
      '"Syscalls / req" (read + write system calls, /proc/<pid>/io: sockets and files) and "blocking switches / req" (voluntary context ' +
      "switches of all the server's threads) are counted around each phase, warm-up included. " +
      '"fdatasync" is measured apart just before and just after the phases: 100 appends of 16 KB (about one group commit of 16 records) to a file in that directory, each followed by fdatasync.',
  ];
  for (const s of r.skipped) L.push("", `Skipped: ${s}`);
  for (const root of r.roots) {
    L.push(
      "",
      `### ${root.root.tmpfs ? "tmpfs" : "disk"}: ${root.root.dir} (${root.root.fs}); fdatasync of 16 KB before / after the phases: ` +
        `mean ${f3(root.fsync.meanMs)} / ${f3(root.fsyncAfter.meanMs)} ms, p50 ${f3(root.fsync.p50Ms)} / ${f3(root.fsyncAfter.p50Ms)}, p99 ${f3(root.fsync.p99Ms)} / ${f3(root.fsyncAfter.p99Ms)}`,
      "",
      "| Mode | Conns | req/s per round | mean req/s | CPU µs/req | p50 / p99 ms | audit append ms | syscalls / req | blocking switches / req | Trent cores | Other load (cores) | Failures |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    );
    for (const s of root.series) {
      for (const [label, xs] of [
        ["dev", s.dev],
        ["production", s.production],
      ] as const) {
        const m = (f: (p: AuditPhase) => number): number => mean(xs.map(f));
        const fails = xs.reduce((n, x) => n + x.result.failures + x.result.abandoned, 0);
        L.push(
          `| ${label} | ${s.concurrency} | ${xs.map((x) => f0(x.result.reqPerSec)).join(", ")} | ${f0(m((x) => x.result.reqPerSec))} | ` +
            `${f1(m((x) => x.result.serverCpuUsPerReq))} | ${f2(m((x) => x.result.p50Ms))} / ${f2(m((x) => x.result.p99Ms))} | ${f3(m((x) => x.appendMs))} | ` +
            `${f2(m((x) => x.syscallsPerReq))} | ${f2(m((x) => x.switchesPerReq))} | ` +
            `${f2(m((x) => x.result.serverCores))} | ${f2(m((x) => x.result.otherCores))} | ${fails === 0 ? "0" : `**${fails}**`} |`,
        );
      }
    }
    L.push("");
    for (const s of root.series) {
      const q = auditRatios(s);
      L.push(
        `- ${s.concurrency} connections: production ÷ dev **${f2(q.reqPerSec)}** by mean req/s (target ≥ 0.80: ${q.reqPerSec >= 0.8 ? "met" : "**missed**"}), ` +
          `**${f2(q.cpu)}** by mean CPU per request; medians of the per-round ratios ${f2(q.pairedReqPerSec)} (req/s) and ${f2(q.pairedCpu)} (CPU).`,
      );
    }
    L.push(
      `- audit lines written over the section: dev ${f0(root.lines.dev)} for ${f0(root.served.dev)} requests answered, ` +
        `production ${f0(root.lines.production)} for ${f0(root.served.production)} (every answered request has its record; digests add lines).`,
    );
  }
  const failed = r.roots.flatMap((root) =>
    root.series.flatMap((s) => [...s.dev, ...s.production].flatMap((p) => p.result.failureSamples.map((x) => `${root.root.dir} c=${s.concurrency}: ${x}`))),
  );
  if (failed.length > 0) {
    L.push("", "Failure samples:", "");
    for (const x of failed.slice(0, 10)) L.push(`- ${x}`);
  }
  return L.join("\n");
}
