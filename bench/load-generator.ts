/**
 * The load generator, run as its own process (forked by bench/run.ts) so that it never shares
 * an event loop with the orchestrator. It answers messages of bench/load-protocol.ts one at a
 * time: define a key set, prepare a Decrypt pool, take a pool of prepared requests (Verify), run a phase.
 */
import { randomBytes } from "node:crypto";
import { AgentClient, RawConnection, type Call, type ClientKind, type LoadClient } from "./http-clients.js";
import type { FromLoadGen, PhaseResult, PhaseSpec, ToLoadGen } from "./load-protocol.js";
import { clockTicksPerSecond, processCpuTicks, systemCpuTicks } from "./proc-stats.js";
import { SigV4Signer } from "./sigv4-signer.js";
import { LatencyRecorder } from "./stats.js";
import { makeWorkload, poolEncryptBody, type PoolEntry, type Workload } from "./workloads.js";

const REQUEST_TIMEOUT_MS = 10_000;
/** After the measured window, loops still waiting this long are abandoned. */
const DRAIN_MS = 12_000;
const MAX_SAMPLES = 5;
const LATENCY_CAPACITY = 4_000_000;

const keySets = new Map<string, readonly string[]>();
const pools = new Map<string, readonly PoolEntry[]>();
const signers = new Map<string, SigV4Signer>();

function signer(region: string, credentials: PhaseSpec["credentials"] = { accessKeyId: "test", secretAccessKey: "test" }): SigV4Signer {
  const id = `${credentials.accessKeyId}/${region}`;
  let s = signers.get(id);
  if (s === undefined) {
    s = new SigV4Signer({ ...credentials, region });
    signers.set(id, s);
  }
  return s;
}

function hostPort(endpoint: string): { host: string; port: number } {
  const u = new URL(endpoint);
  return { host: u.hostname, port: Number(u.port) };
}

function makeClients(kind: ClientKind, endpoint: string, n: number): LoadClient[] {
  const { host, port } = hostPort(endpoint);
  if (kind === "agent") {
    const shared = new AgentClient(host, port, n, REQUEST_TIMEOUT_MS);
    return Array.from({ length: n }, () => shared);
  }
  return Array.from({ length: n }, () => new RawConnection(host, port));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Encrypts `count` random plaintexts through Trent and keeps the Decrypt bodies. */
async function preparePool(m: Extract<ToLoadGen, { kind: "pool" }>): Promise<string> {
  const keyIds = keySets.get(m.keySet);
  if (keyIds === undefined || keyIds.length === 0) throw new Error(`unknown key set ${m.keySet}`);
  const { host, port } = hostPort(m.endpoint);
  const hostHeader = `${host}:${port}`;
  const s = signer(m.region);
  const conns = Array.from({ length: 4 }, () => new RawConnection(host, port));
  const entries: PoolEntry[] = [];
  let next = 0;
  let blobBytes = 0;
  const deadline = Date.now() + 30_000;
  await Promise.all(
    conns.map(async (c) => {
      while (next < m.count && Date.now() < deadline) {
        const i = next++;
        const keyId = keyIds[i % keyIds.length] ?? "";
        const plaintextB64 = randomBytes(m.plaintextBytes).toString("base64");
        const body = poolEncryptBody(keyId, plaintextB64);
        const target = "TrentService.Encrypt";
        const reply = await c.send({ target, body, signature: s.sign(hostHeader, target, body) });
        if (reply.status !== 200) throw new Error(`Encrypt for the Decrypt pool failed: HTTP ${reply.status} ${reply.body.slice(0, 200)}`);
        const blob = (JSON.parse(reply.body) as { CiphertextBlob?: unknown }).CiphertextBlob;
        if (typeof blob !== "string") throw new Error("Encrypt for the Decrypt pool returned no CiphertextBlob");
        blobBytes = Buffer.from(blob, "base64").length;
        entries.push({ keyId, plaintextB64, body: `{"CiphertextBlob":"${blob}"}` });
      }
      c.close();
    }),
  );
  if (entries.length < m.count) throw new Error(`Decrypt pool: only ${entries.length} of ${m.count} ciphertexts in 30 s`);
  pools.set(m.name, entries);
  return `${entries.length} ciphertexts of ${blobBytes} bytes`;
}

interface Marks {
  t: number;
  server: number | undefined;
  self: NodeJS.CpuUsage;
  sys: { busy: number; steal: number; total: number };
}

function marks(serverPid: number): Marks {
  return { t: performance.now(), server: processCpuTicks(serverPid), self: process.cpuUsage(), sys: systemCpuTicks() };
}

async function runPhase(spec: PhaseSpec): Promise<PhaseResult> {
  const keyIds = keySets.get(spec.keySet);
  if (keyIds === undefined) throw new Error(`unknown key set ${spec.keySet}`);
  const pool = spec.pool === undefined ? undefined : pools.get(spec.pool);
  if (spec.pool !== undefined && pool === undefined) throw new Error(`unknown pool ${spec.pool}`);
  const workload: Workload = makeWorkload(spec.workload, keyIds, pool, spec.echo);
  const { host, port } = hostPort(spec.endpoint);
  const hostHeader = `${host}:${port}`;
  const s = signer(spec.region, spec.credentials);
  const clients = makeClients(spec.client, spec.endpoint, spec.concurrency);
  const latencies = new LatencyRecorder(LATENCY_CAPACITY);

  let measuring = false;
  let stopped = false;
  let completed = 0;
  let failures = 0;
  const samples: string[] = [];
  let start: Marks | undefined;
  let end: Marks | undefined;
  let final = { completed: 0, failures: 0 };

  const fail = (why: string): void => {
    if (!measuring) return;
    failures++;
    if (samples.length < MAX_SAMPLES) samples.push(why);
  };

  const loop = async (client: LoadClient): Promise<void> => {
    while (!stopped) {
      const req = workload.next();
      const call: Call = { target: workload.target, body: req.body, signature: s.sign(hostHeader, workload.target, req.body) };
      const sent = performance.now();
      let problem: string | undefined;
      try {
        const reply = await client.send(call);
        problem = workload.check(reply, req);
      } catch (e) {
        problem = `transport: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (stopped) break;
      if (measuring) {
        completed++;
        latencies.record(performance.now() - sent);
      }
      if (problem !== undefined) {
        fail(problem);
        if (problem.startsWith("transport:")) await sleep(10); // do not spin on a dead server
      }
    }
  };

  const warmupTimer = setTimeout(() => {
    measuring = true;
    start = marks(spec.serverPid);
  }, spec.warmupMs);
  const endTimer = setTimeout(() => {
    end = marks(spec.serverPid);
    final = { completed, failures };
    stopped = true;
  }, spec.warmupMs + spec.durationMs);
  const watchdog = setInterval(() => {
    const now = performance.now();
    for (const c of clients) c.abortStale(now, REQUEST_TIMEOUT_MS);
  }, 1000);

  const loops = clients.map((c) => loop(c));
  const all = Promise.all(loops).then(() => 0);
  let abandoned = 0;
  // Bounded in time: the window itself, then at most DRAIN_MS for replies still in flight.
  await new Promise<void>((r) => setTimeout(r, spec.warmupMs + spec.durationMs + 5));
  const settled = await Promise.race([all, sleep(DRAIN_MS).then(() => -1)]);
  if (settled === -1) abandoned = loops.length;
  clearTimeout(warmupTimer);
  clearTimeout(endTimer);
  clearInterval(watchdog);
  for (const c of new Set(clients)) c.close();

  if (start === undefined || end === undefined) throw new Error("phase timers did not fire");
  const seconds = (end.t - start.t) / 1000;
  const n = final.completed;
  const [p50 = NaN, p90 = NaN, p99 = NaN, max = NaN] = latencies.percentiles([50, 90, 99, 100]);
  const hz = clockTicksPerSecond();
  const serverSec = start.server !== undefined && end.server !== undefined ? (end.server - start.server) / hz : NaN;
  const selfSec = (end.self.user + end.self.system - start.self.user - start.self.system) / 1e6;
  const busySec = (end.sys.busy - start.sys.busy) / hz;
  return {
    completed: n,
    failures: final.failures,
    failureSamples: samples,
    seconds,
    reqPerSec: n / seconds,
    p50Ms: p50,
    p90Ms: p90,
    p99Ms: p99,
    maxMs: max,
    serverCpuUsPerReq: n > 0 ? (serverSec * 1e6) / n : NaN,
    serverCores: serverSec / seconds,
    loadCpuUsPerReq: n > 0 ? (selfSec * 1e6) / n : NaN,
    otherCores: Math.max(0, (busySec - serverSec - selfSec) / seconds),
    stealCores: (end.sys.steal - start.sys.steal) / hz / seconds,
    abandoned,
  };
}

async function handle(m: ToLoadGen): Promise<FromLoadGen> {
  switch (m.kind) {
    case "keyset":
      keySets.set(m.name, m.keyIds);
      return { id: m.id, ok: true, info: `${m.keyIds.length} keys` };
    case "pool":
      return { id: m.id, ok: true, info: await preparePool(m) };
    case "entries":
      pools.set(m.name, m.entries);
      return { id: m.id, ok: true, info: `${m.entries.length} prepared requests` };
    case "phase":
      return { id: m.id, ok: true, result: await runPhase(m.spec) };
    case "exit":
      setImmediate(() => process.exit(0));
      return { id: m.id, ok: true };
  }
}

let queue: Promise<void> = Promise.resolve();
process.on("message", (raw: unknown) => {
  const m = raw as ToLoadGen;
  queue = queue.then(async () => {
    let reply: FromLoadGen;
    try {
      reply = await handle(m);
    } catch (e) {
      reply = { id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    process.send?.(reply);
  });
});
process.on("disconnect", () => process.exit(0));
