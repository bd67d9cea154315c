/**
 * `npm run bench`: Trent's load benchmark. Starts Trent and a bare node:http echo server as
 * child processes, drives them from a third process (bench/load-generator.ts) over keep-alive
 * HTTP with real SigV4, checks every reply, and prints a markdown report: req/s, p50/p99, server
 * CPU per request (from /proc), Trent as a fraction of the echo server, and the scale figures
 * (100,000 keys against 10: Encrypt throughput, resident memory, start-up), then its sections:
 * Sign/Verify/GenerateMac/GenerateDataKeyPair beside Encrypt 64 B (key-types-bench.ts), the
 * authorization cost (authz-bench.ts), the custom key store (cks-bench.ts) and production mode's
 * durable audit beside dev mode on tmpfs and on a disk (audit-bench.ts).
 * `npm run bench -- --help` lists the options.
 */
import { accessSync, constants, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { snapshotCode } from "./code-snapshot.js";
import { topInclusive, topSelfTime } from "./cpu-profile.js";
import { firstSuccess, kmsCall } from "./kms-call.js";
import { LoadDriver } from "./load-driver.js";
import type { PhaseResult, PhaseSpec } from "./load-protocol.js";
import { parseOptions, type BenchOptions } from "./options.js";
import { processActivity, processMemory, type ProcessActivity } from "./proc-stats.js";
import { renderReport, type ProfileReport, type Row, type ScaleReport, type Startup, type StoreSide } from "./report.js";
import { seedKeys, seedKeysCached } from "./seed-keys.js";
import { ServerProcess } from "./server-process.js";
import { workloadLabel, type WorkloadSpec } from "./workloads.js";
import { AUTHZ_ACCESS_KEY, createPolicyKeys, renderAuthz, seedAuthzPrincipals, type AuthzReport } from "./authz-bench.js";
import { cksSkipReason, renderCks, setUpCustomKeyStore, type CksReport } from "./cks-bench.js";
import { isReference, keySetFor, poolFor, renderKeyTypes, setUpKeyTypes, type KeyTypeReport, type KeyTypeSeries } from "./key-types-bench.js";
import {
  appendStats,
  auditBase,
  auditTargetLines,
  auditLines,
  auditRoots,
  probeFsync,
  renderAudit,
  requestsServed,
  startDevTrent,
  startProductionTrent,
  type AuditPhase,
  type AuditReport,
  type AuditRootReport,
  type AuditSeries,
  type AuditTrent,
  type FsyncProbe,
} from "./audit-bench.js";

const HERE = dirname(fileURLToPath(import.meta.url)); // dist/bench
const ROOT = resolve(HERE, "..", "..");
/** Scripts, resolved inside the run's code snapshot (see code-snapshot.ts). */
const trentMain = (dist: string): string => join(dist, "src", "cli", "main.js");
const echoScript = (dist: string): string => join(dist, "bench", "echo-server.js");
const loadScript = (dist: string): string => join(dist, "bench", "load-generator.js");
const REGION = "us-east-1";
const ACCOUNT = "111122223333"; // Trent's default dev account
const SCALE_CONCURRENCY = 16;
const DECRYPT_POOL = 256;
const ENCRYPT_64: WorkloadSpec = { op: "Encrypt", plaintextBytes: 64 };
const AUTHZ_CONCURRENCY = 16;
const CKS_CONCURRENCY = 16;
const ENCRYPT_4K: WorkloadSpec = { op: "Encrypt", plaintextBytes: 4096 };

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const problems: string[] = [];
/** Run on SIGINT/SIGTERM: children must not outlive the benchmark. */
const onInterrupt: Array<() => void> = [];
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    log(`\n${signal}: stopping the servers and the load generator`);
    for (const f of onInterrupt) {
      try {
        f();
      } catch {
        // best effort
      }
    }
    process.exit(130);
  });
}

function writableShm(): string | undefined {
  try {
    accessSync("/dev/shm", constants.W_OK);
    return "/dev/shm";
  } catch {
    return undefined;
  }
}

function chooseDataRoot(opts: BenchOptions): string {
  return opts.dataRoot ?? writableShm() ?? os.tmpdir();
}

interface RunningTrent {
  readonly proc: ServerProcess;
  readonly startup: Startup;
}

let codeDist = join(ROOT, "dist");

async function startTrent(dataDir: string, probeKeyId: string, nodeArgs: readonly string[] = []): Promise<RunningTrent> {
  const proc = await ServerProcess.start("trent", trentMain(codeDist), ["serve", "--port", "0", "--data-dir", dataDir], { nodeArgs, timeoutMs: 30_000 });
  try {
    await firstSuccess(proc.endpoint, REGION, "Encrypt", { KeyId: probeKeyId, Plaintext: Buffer.from("probe").toString("base64") });
  } catch (e) {
    await proc.stop();
    throw e;
  }
  return { proc, startup: { listeningMs: proc.listeningAfterMs, firstOkMs: performance.now() - proc.spawnedAt } };
}

function summary(r: PhaseResult): string {
  return (
    `${Math.round(r.reqPerSec)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ` +
    `server ${r.serverCpuUsPerReq.toFixed(1)} µs/req, other load ${r.otherCores.toFixed(2)} cores`
  );
}

async function runPhase(lg: LoadDriver, what: string, spec: PhaseSpec, server: ServerProcess): Promise<PhaseResult> {
  if (!server.running) throw new Error(`${server.name} is no longer running; stderr: ${server.stderrTail()}`);
  const m = await lg.call({ kind: "phase", spec }, spec.warmupMs + spec.durationMs + 40_000);
  const r = m.result;
  if (r === undefined) throw new Error("the load generator returned no result");
  log(`  ${what}: ${summary(r)}`);
  if (r.failures > 0 || r.abandoned > 0 || r.completed === 0) {
    const msg = `${what}: ${r.failures} failed responses of ${r.completed}${r.abandoned > 0 ? `, ${r.abandoned} loops abandoned` : ""}; first: ${r.failureSamples[0] ?? "none completed"}`;
    log(`\n!!!!! FAILURES !!!!! ${msg}\n`);
    problems.push(msg);
  }
  if (!server.running) throw new Error(`${server.name} exited during ${what}; stderr: ${server.stderrTail()}`);
  return r;
}

/**
 * Unmeasured load before the first measured phase of a server, so that every phase sees a
 * server whose JIT has settled (Trent needs several seconds of load to reach steady state).
 */
async function prime(lg: LoadDriver, server: ServerProcess, totalMs: number, specs: readonly PhaseSpec[]): Promise<void> {
  const each = Math.max(100, Math.round(totalMs / Math.max(1, specs.length)));
  for (const spec of specs) {
    if (!server.running) throw new Error(`${server.name} is no longer running; stderr: ${server.stderrTail()}`);
    const m = await lg.call({ kind: "phase", spec: { ...spec, warmupMs: 0, durationMs: each } }, each + 40_000);
    const r = m.result;
    if (r !== undefined && (r.failures > 0 || r.completed === 0)) {
      problems.push(`priming ${server.name} with ${workloadLabel(spec.workload)}: ${r.failures} failures; first: ${r.failureSamples[0] ?? "none completed"}`);
    }
  }
}

/** A key created through CreateKey and a seeded key must describe the same apart from ids and dates. */
async function checkSeededShape(dataRoot: string): Promise<void> {
  const dir = join(dataRoot, "shape-check");
  const seeded = await seedKeys(dir, 1, ACCOUNT, REGION, 10_000);
  const probe = seeded.keyIds[0] ?? "";
  const t = await startTrent(dir, probe);
  try {
    const created = await kmsCall(t.proc.endpoint, REGION, "CreateKey", {});
    const apiKey = (created.json["KeyMetadata"] as Record<string, unknown> | undefined)?.["KeyId"];
    if (created.status !== 200 || typeof apiKey !== "string") throw new Error(`CreateKey failed: ${JSON.stringify(created.json)}`);
    const norm = async (keyId: string): Promise<string> => {
      const d = await kmsCall(t.proc.endpoint, REGION, "DescribeKey", { KeyId: keyId });
      const meta = { ...(d.json["KeyMetadata"] as Record<string, unknown>) };
      for (const k of ["KeyId", "Arn", "CreationDate", "CurrentKeyMaterialId"]) delete meta[k];
      return JSON.stringify(meta, Object.keys(meta).sort());
    };
    const [a, b] = [await norm(apiKey), await norm(probe)];
    const pa = await kmsCall(t.proc.endpoint, REGION, "GetKeyPolicy", { KeyId: apiKey, PolicyName: "default" });
    const pb = await kmsCall(t.proc.endpoint, REGION, "GetKeyPolicy", { KeyId: probe, PolicyName: "default" });
    if (a !== b || JSON.stringify(pa.json) !== JSON.stringify(pb.json)) {
      problems.push(`seeded keys differ from CreateKey keys: API ${a} vs seeded ${b}`);
      log(`!!!!! seeded key shape differs from CreateKey's:\n  API:    ${a}\n  seeded: ${b}`);
    }
  } finally {
    await t.proc.stop();
  }
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2), process.env);
  } catch (e) {
    log(e instanceof Error ? e.message : String(e));
    return 2;
  }
  if (!existsSync(trentMain(codeDist))) {
    log(`${trentMain(codeDist)} is missing: build first (npm run bench runs tsc -p . before this)`);
    return 2;
  }
  const started = new Date();
  const t0 = performance.now();
  const dataRoot = chooseDataRoot(opts);
  const base = mkdtempSync(join(dataRoot, "trent-bench-"));
  const code = snapshotCode(ROOT, join(base, "code"));
  codeDist = code.dist;
  const cpu = os.cpus();
  const phaseSeconds = `${opts.warmupMs / 1000} s warm-up + ${opts.durationMs / 1000} s measured`;
  const header = [
    `# Trent benchmark, ${started.toISOString()}`,
    "",
    `- command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\``,
    `- code: commit ${code.commit} plus the working tree as built (fingerprint ${code.fingerprint} of the compiled code; ` +
      `every process of the run executes one snapshot of dist/)`,
    `- machine: ${cpu[0]?.model ?? "unknown CPU"}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB RAM, ` +
      `Linux ${os.release()}, Node ${process.version}; load average at start ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
    `- method: Trent (\`node dist/src/cli/main.js serve\`, dev mode, SQLite) and a bare node:http JSON echo server run as child ` +
      `processes; a third process drives N keep-alive connections with N request loops (${opts.client === "raw" ? "a raw HTTP/1.1 client on node:net" : "node:http with http.Agent keepAlive"}), ` +
      `every request SigV4-signed (Trent verifies it; the echo server only parses the JSON) and every reply checked. ` +
      `Each server is first primed with ${opts.primeMs / 1000} s of unmeasured load; each phase: ${phaseSeconds}. Server CPU = utime+stime from /proc/<pid>/stat over the measured window. ` +
      `"Other load" = cores kept busy by processes other than the server and the load generator (other users of the machine).`,
    `- data: ${opts.smallKeys} keys in the main store (a random key per request); Decrypt uses ${DECRYPT_POOL} ciphertexts of 64 B plaintexts; ` +
      `data directories under ${dataRoot}${dataRoot === "/dev/shm" ? " (tmpfs)" : ""}`,
  ];

  const servers: ServerProcess[] = [];
  let lg: LoadDriver | undefined;
  const rows: Row[] = [];
  let scale: ScaleReport | undefined;
  let authz: AuthzReport | undefined;
  let cks: CksReport | string | undefined;
  let keyTypes: KeyTypeReport | undefined;
  let audit: AuditReport | undefined;
  const profiles: ProfileReport[] = [];
  /** Directories made outside `base` (the durable-audit section's, on other filesystems). */
  const extraDirs: string[] = [];
  onInterrupt.push(() => {
    for (const s of servers) s.child.kill("SIGKILL");
    lg?.kill();
    if (!opts.keep) for (const d of [base, ...extraDirs]) rmSync(d, { recursive: true, force: true });
  });
  try {
    log(`data directories under ${base}`);
    const small = await seedKeys(join(base, "small"), opts.smallKeys, ACCOUNT, REGION, 30_000);
    if (opts.authzRounds > 0) await seedAuthzPrincipals(join(base, "small"), ACCOUNT, REGION);
    let large: { keyIds: string[]; ms: number; reused: boolean } | undefined;
    if (opts.scaleKeys > 0) {
      log(`seeding ${opts.scaleKeys} keys (or reusing an earlier run's seeded copy) ...`);
      large = await seedKeysCached(codeDist, dataRoot, join(base, "large"), opts.scaleKeys, ACCOUNT, REGION, 600_000, opts.freshSeed, (n) =>
        log(`  ${n} keys`),
      );
      log(`  ${large.reused ? "reused a copy seeded earlier in" : "seeded in"} ${(large.ms / 1000).toFixed(1)} s`);
    }
    await checkSeededShape(base);

    lg = new LoadDriver(loadScript(codeDist));
    const echo = await ServerProcess.start("echo", echoScript(codeDist), []);
    servers.push(echo);
    const trentSmall = await startTrent(join(base, "small"), small.keyIds[0] ?? "");
    servers.push(trentSmall.proc);
    const smallMemoryAfterStart = processMemory(trentSmall.proc.pid);
    log(`trent ${trentSmall.proc.endpoint} (pid ${trentSmall.proc.pid}), echo ${echo.endpoint} (pid ${echo.pid}), load generator pid ${lg.pid}`);

    await lg.call({ kind: "keyset", name: "small", keyIds: small.keyIds }, 10_000);
    const pool = await lg.call(
      { kind: "pool", name: "decrypt64", endpoint: trentSmall.proc.endpoint, region: REGION, keySet: "small", plaintextBytes: 64, count: DECRYPT_POOL },
      60_000,
    );
    log(`Decrypt pool: ${pool.info ?? ""}`);

    const spec = (w: WorkloadSpec, c: number, server: ServerProcess, echoTarget: boolean, keySet: string): PhaseSpec => {
      const pool = w.op === "Decrypt" ? "decrypt64" : poolFor(w);
      return {
        endpoint: server.endpoint,
        serverPid: server.pid,
        echo: echoTarget,
        workload: w,
        keySet,
        ...(pool !== undefined ? { pool } : {}),
        concurrency: c,
        warmupMs: opts.warmupMs,
        durationMs: opts.durationMs,
        client: opts.client,
        region: REGION,
      };
    };

    log(`priming both servers (${opts.primeMs / 1000} s each, not measured)`);
    await prime(lg, trentSmall.proc, opts.primeMs, opts.workloads.map((w) => spec(w, 16, trentSmall.proc, false, "small")));
    await prime(lg, echo, opts.primeMs, opts.workloads.map((w) => spec(w, 16, echo, true, "small")));

    for (const w of opts.workloads) {
      for (const c of opts.concurrency) {
        log(`${workloadLabel(w)}, ${c} connections`);
        const trent = await runPhase(lg, "trent", spec(w, c, trentSmall.proc, false, "small"), trentSmall.proc);
        const echoResult = await runPhase(lg, "echo ", spec(w, c, echo, true, "small"), echo);
        rows.push({ workload: w, concurrency: c, trent, echo: echoResult });
      }
    }

    if (large !== undefined) {
      log(`scale: starting Trent on ${opts.scaleKeys} keys`);
      const trentLarge = await startTrent(join(base, "large"), large.keyIds[0] ?? "");
      servers.push(trentLarge.proc);
      const largeMemoryAfterStart = processMemory(trentLarge.proc.pid);
      log(`  start-up ${trentLarge.startup.firstOkMs.toFixed(0)} ms, RSS ${largeMemoryAfterStart?.rssMb.toFixed(0) ?? "?"} MB`);
      await lg.call({ kind: "keyset", name: "large", keyIds: large.keyIds }, 30_000);
      const largeSpec = spec(ENCRYPT_64, SCALE_CONCURRENCY, trentLarge.proc, false, "large");
      await prime(lg, trentLarge.proc, opts.primeMs, [largeSpec]);
      const smallRounds: PhaseResult[] = [];
      const largeRounds: PhaseResult[] = [];
      const smallRound = async (): Promise<void> => {
        smallRounds.push(await runPhase(lg as LoadDriver, `${opts.smallKeys} keys`, spec(ENCRYPT_64, SCALE_CONCURRENCY, trentSmall.proc, false, "small"), trentSmall.proc));
      };
      const largeRound = async (): Promise<void> => {
        largeRounds.push(await runPhase(lg as LoadDriver, `${opts.scaleKeys} keys`, largeSpec, trentLarge.proc));
      };
      // ABBA order: drift on the machine weighs on both sides alike.
      for (let r = 0; r < opts.scaleRounds; r++) {
        log(`scale round ${r + 1}: Encrypt 64 B, ${SCALE_CONCURRENCY} connections, a random key of ${opts.smallKeys} / ${opts.scaleKeys}`);
        if (r % 2 === 0) {
          await smallRound();
          await largeRound();
        } else {
          await largeRound();
          await smallRound();
        }
      }
      const side = (keys: number, t: RunningTrent, rounds: PhaseResult[], afterStart: StoreSide["memoryAfterStart"]): StoreSide => ({
        keys,
        startup: t.startup,
        rounds,
        memoryAfterStart: afterStart,
        memoryAfterLoad: processMemory(t.proc.pid),
      });
      scale = {
        seedMs: large.ms,
        seedReused: large.reused,
        concurrency: SCALE_CONCURRENCY,
        small: side(opts.smallKeys, trentSmall, smallRounds, smallMemoryAfterStart),
        large: side(opts.scaleKeys, trentLarge, largeRounds, largeMemoryAfterStart),
      };
      await trentLarge.proc.stop();
    }

    if (opts.keyTypeRounds > 0 && opts.keyTypeWorkloads.length > 0) {
      // After the scale section (whose 10-key side reports this Trent's memory), before authorization.
      log(`asymmetric, HMAC and key-pair operations: keys through CreateKey, signatures for Verify through Sign`);
      const setup = await setUpKeyTypes(trentSmall.proc.endpoint, REGION, opts.keyTypeWorkloads);
      for (const [name, keyIds] of setup.keySets) await lg.call({ kind: "keyset", name, keyIds }, 10_000);
      for (const [name, entries] of setup.pools) await lg.call({ kind: "entries", name, entries }, 30_000);
      log(`  set-up ${(setup.ms / 1000).toFixed(1)} s: ${[...setup.keySets].map(([n, ids]) => `${n} ${ids.length} keys`).join(", ")}`);
      const short = { durationMs: opts.keyTypeDurationMs, warmupMs: Math.min(opts.warmupMs, 250) };
      const ktSpec = (w: WorkloadSpec, c: number): PhaseSpec => ({ ...spec(w, c, trentSmall.proc, false, isReference(w) ? "small" : keySetFor(w)), ...short });
      const list = [ENCRYPT_64, ...opts.keyTypeWorkloads];
      await prime(lg, trentSmall.proc, opts.primeMs, list.map((w) => ktSpec(w, 16)));
      const series: Array<KeyTypeSeries & { phases: PhaseResult[] }> = [];
      for (const c of opts.keyTypeConcurrency) {
        const here = list.map((w) => ({ workload: w, concurrency: c, phases: [] as PhaseResult[] }));
        series.push(...here);
        for (let r = 0; r < opts.keyTypeRounds; r++) {
          log(`key types round ${r + 1}, ${c} connections`);
          for (const s of r % 2 === 0 ? here : [...here].reverse()) {
            s.phases.push(await runPhase(lg, `  ${workloadLabel(s.workload)}`, ktSpec(s.workload, c), trentSmall.proc));
          }
        }
      }
      keyTypes = { rounds: opts.keyTypeRounds, phaseSeconds: opts.keyTypeDurationMs / 1000, setupMs: setup.ms, storeKeys: opts.smallKeys, series };
    }

    if (opts.authzRounds > 0) {
      // Last on the 10-key Trent, so that its extra keys weigh on no other figure.
      log(`authorization: ${opts.smallKeys} keys with a 20-statement key policy, an IAM user with an identity policy`);
      const policyKeys = await createPolicyKeys(trentSmall.proc.endpoint, REGION, ACCOUNT, opts.smallKeys);
      await lg.call({ kind: "keyset", name: "authz", keyIds: policyKeys }, 10_000);
      const short = { durationMs: opts.authzDurationMs, warmupMs: Math.min(opts.warmupMs, 250) };
      const baseSpec: PhaseSpec = { ...spec(ENCRYPT_64, AUTHZ_CONCURRENCY, trentSmall.proc, false, "small"), ...short };
      const policySpec: PhaseSpec = { ...spec(ENCRYPT_64, AUTHZ_CONCURRENCY, trentSmall.proc, false, "authz"), ...short, credentials: AUTHZ_ACCESS_KEY };
      await prime(lg, trentSmall.proc, opts.primeMs, [policySpec, baseSpec]);
      const baseline: PhaseResult[] = [];
      const policy: PhaseResult[] = [];
      for (let r = 0; r < opts.authzRounds; r++) {
        log(`authorization round ${r + 1}: Encrypt 64 B, ${AUTHZ_CONCURRENCY} connections`);
        const order = r % 2 === 0 ? (["base", "policy"] as const) : (["policy", "base"] as const);
        for (const side of order) {
          if (side === "base") baseline.push(await runPhase(lg, "default policy, root", baseSpec, trentSmall.proc));
          else policy.push(await runPhase(lg, "20 statements + IAM user", policySpec, trentSmall.proc));
        }
      }
      authz = { concurrency: AUTHZ_CONCURRENCY, phaseSeconds: opts.authzDurationMs / 1000, statements: 20, baseline, policy };
    }

    const smallExit = await trentSmall.proc.stop();
    if (smallExit !== 0) problems.push(`Trent exited with code ${String(smallExit)}; stderr: ${trentSmall.proc.stderrTail()}`);

    if (opts.cksRounds > 0) {
      // Its own Trent (TRENT_HSM_CLUSTERS naming a fresh SoftHSM token), after the 10-key one stopped.
      const skipCks = cksSkipReason();
      if (skipCks !== undefined) {
        cks = skipCks;
        log(`custom key store: skipped (${skipCks})`);
      } else {
        log("custom key store: a SoftHSM token, a connected AWS_CLOUDHSM store, one key in it and one software key");
        const setup = await setUpCustomKeyStore(trentMain(codeDist), base, REGION);
        servers.push(setup.proc);
        try {
          await lg.call({ kind: "keyset", name: "cks-software", keyIds: [setup.softwareKeyId] }, 10_000);
          await lg.call({ kind: "keyset", name: "cks-hsm", keyIds: [setup.hsmKeyId] }, 10_000);
          const softSpec = spec(ENCRYPT_4K, CKS_CONCURRENCY, setup.proc, false, "cks-software");
          const hsmSpec = spec(ENCRYPT_4K, CKS_CONCURRENCY, setup.proc, false, "cks-hsm");
          await prime(lg, setup.proc, opts.primeMs, [softSpec, hsmSpec]);
          const software: PhaseResult[] = [];
          const hsm: PhaseResult[] = [];
          for (let r = 0; r < opts.cksRounds; r++) {
            log(`custom key store round ${r + 1}: Encrypt 4 KB, ${CKS_CONCURRENCY} connections`);
            const order = r % 2 === 0 ? (["software", "hsm"] as const) : (["hsm", "software"] as const);
            for (const side of order) {
              if (side === "software") software.push(await runPhase(lg, "software key", softSpec, setup.proc));
              else hsm.push(await runPhase(lg, "SoftHSM key ", hsmSpec, setup.proc));
            }
          }
          cks = { concurrency: CKS_CONCURRENCY, software, hsm };
        } finally {
          await setup.close();
        }
      }
    }

    if (opts.auditRounds > 0) {
      // Its own pairs of Trents (dev and production), one pair per filesystem, after the others stopped.
      const roots = auditRoots(writableShm(), opts.auditDiskRoot, [dataRoot, os.tmpdir(), ROOT]);
      const reports: AuditRootReport[] = [];
      const skipped: string[] = [];
      if (!roots.some((r) => !r.tmpfs)) skipped.push("no disk directory found for the fsync-real side (give --audit-disk-root DIR)");
      for (const [i, root] of roots.entries()) {
        const dir = root.dir === dataRoot ? mkdtempSync(join(base, "audit-")) : auditBase(root.dir);
        if (!dir.startsWith(`${base}/`)) extraDirs.push(dir);
        log(`durable audit on ${root.dir} (${root.fs}): ${dir}`);
        const fsyncLine = (f: FsyncProbe): string => `mean ${f.meanMs.toFixed(3)} ms, p50 ${f.p50Ms.toFixed(3)} ms, p99 ${f.p99Ms.toFixed(3)} ms`;
        const fsync = probeFsync(dir);
        log(`  fdatasync before: ${fsyncLine(fsync)}`);
        let dev: AuditTrent | undefined;
        let prod: AuditTrent | undefined;
        try {
          dev = await startDevTrent(trentMain(codeDist), dir, REGION);
          servers.push(dev.proc);
          prod = await startProductionTrent(trentMain(codeDist), dir, REGION, ACCOUNT);
          servers.push(prod.proc);
          log(`  dev ${dev.proc.endpoint} (pid ${dev.proc.pid}), production ${prod.proc.endpoint} (pid ${prod.proc.pid}), unsealed`);
          const sides = [dev, prod] as const;
          for (const t of sides) await lg.call({ kind: "keyset", name: `audit-${i}-${t.mode}`, keyIds: t.keyIds }, 10_000);
          const short = { durationMs: opts.auditDurationMs, warmupMs: Math.min(opts.warmupMs, 250) };
          const auditSpec = (t: AuditTrent, c: number): PhaseSpec => ({
            ...spec(ENCRYPT_64, c, t.proc, false, `audit-${i}-${t.mode}`),
            ...short,
            credentials: t.credentials,
          });
          for (const t of sides) await prime(lg, t.proc, opts.primeMs, opts.auditConcurrency.map((c) => auditSpec(t, c)));
          const series: Array<AuditSeries & { dev: AuditPhase[]; production: AuditPhase[] }> = [];
          for (const c of opts.auditConcurrency) {
            const s = { concurrency: c, dev: [] as AuditPhase[], production: [] as AuditPhase[] };
            series.push(s);
            for (let r = 0; r < opts.auditRounds; r++) {
              log(`durable audit (${root.fs}) round ${r + 1}: Encrypt 64 B, ${c} connections`);
              for (const t of r % 2 === 0 ? [dev, prod] : [prod, dev]) {
                const before = { append: await appendStats(t.proc.endpoint), served: await requestsServed(t.proc.endpoint), act: processActivity(t.proc.pid) };
                const result = await runPhase(lg, `  ${t.mode.padEnd(10)}`, auditSpec(t, c), t.proc);
                const after = { append: await appendStats(t.proc.endpoint), served: await requestsServed(t.proc.endpoint), act: processActivity(t.proc.pid) };
                const appendMs =
                  before.append !== undefined && after.append !== undefined && after.append.count > before.append.count
                    ? ((after.append.sum - before.append.sum) / (after.append.count - before.append.count)) * 1000
                    : NaN;
                const n = after.served - before.served;
                const per = (f: (a: ProcessActivity) => number): number =>
                  before.act !== undefined && after.act !== undefined && n > 0 ? (f(after.act) - f(before.act)) / n : NaN;
                (t.mode === "dev" ? s.dev : s.production).push({
                  result,
                  appendMs,
                  syscallsPerReq: per((a) => a.syscalls),
                  switchesPerReq: per((a) => a.voluntarySwitches),
                });
              }
            }
          }
          const served = { dev: await requestsServed(dev.proc.endpoint), production: await requestsServed(prod.proc.endpoint) };
          const fsyncAfter = probeFsync(dir);
          log(`  fdatasync after: ${fsyncLine(fsyncAfter)}`);
          for (const t of sides) {
            const code = await t.proc.stop();
            if (code !== 0) problems.push(`${t.proc.name} exited with code ${String(code)}; stderr: ${t.proc.stderrTail()}`);
          }
          const lines = { dev: auditLines(dev.dataDir), production: auditLines(prod.dataDir) };
          for (const t of sides) {
            if (!(lines[t.mode] >= served[t.mode])) problems.push(`durable audit (${root.dir}): ${t.mode} wrote ${lines[t.mode]} audit lines for ${served[t.mode]} requests`);
          }
          reports.push({ root, fsync, fsyncAfter, series, served, lines });
        } finally {
          for (const t of [dev, prod]) if (t?.proc.running === true) await t.proc.stop();
          if (!opts.keep && !dir.startsWith(`${base}/`)) rmSync(dir, { recursive: true, force: true });
        }
      }
      audit = { rounds: opts.auditRounds, phaseSeconds: opts.auditDurationMs / 1000, roots: reports, skipped };
    }

    if (opts.profile) {
      const passes = [
        { label: `Encrypt 64 B at 64 connections, ${opts.smallKeys} keys`, dir: join(base, "small"), keySet: "small", probe: small.keyIds[0] ?? "", c: 64 },
        ...(large === undefined
          ? []
          : [{ label: `Encrypt 64 B at ${SCALE_CONCURRENCY} connections, ${opts.scaleKeys} keys`, dir: join(base, "large"), keySet: "large", probe: large.keyIds[0] ?? "", c: SCALE_CONCURRENCY }]),
      ];
      for (const [i, pass] of passes.entries()) {
        log(`profile: ${pass.label}, Trent under node --cpu-prof`);
        const profDir = join(base, `cpu-profile-${i}`);
        mkdirSync(profDir, { recursive: true });
        const prof = await startTrent(pass.dir, pass.probe, ["--cpu-prof", "--cpu-prof-dir", profDir]);
        servers.push(prof.proc);
        const profSpec = spec(ENCRYPT_64, pass.c, prof.proc, false, pass.keySet);
        await prime(lg, prof.proc, opts.primeMs, [profSpec]);
        const phase = await runPhase(lg, "profiled trent", profSpec, prof.proc);
        await prof.proc.stop();
        profiles.push({ label: pass.label, phase, top: topSelfTime(profDir, 20).top, inclusive: topInclusive(profDir, "/dist/src/", 20) });
      }
    }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    problems.push(`benchmark aborted: ${msg}`);
    log(`\n!!!!! benchmark aborted: ${msg}\n`);
  } finally {
    for (const s of servers) if (s.running) await s.stop();
    await lg?.stop();
    if (!opts.keep) for (const d of [base, ...extraDirs]) rmSync(d, { recursive: true, force: true });
    else log(`kept ${[base, ...extraDirs].join(", ")}`);
  }

  header.push(`- total run time: ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  process.stdout.write(
    `${renderReport({ header, rows, scale, profiles, problems, extraTargets: audit === undefined ? [] : auditTargetLines(audit) })}${authz !== undefined ? `\n${renderAuthz(authz)}` : ""}${cks !== undefined ? `\n${renderCks(cks)}` : ""}` +
      `${keyTypes !== undefined ? `\n${renderKeyTypes(keyTypes)}` : ""}${audit !== undefined ? `\n${renderAudit(audit)}` : ""}\n`,
  );
  if (problems.length > 0) {
    log(`\n!!!!! ${problems.length} problem(s): see PROBLEMS at the top of the report`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    log(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  },
);
