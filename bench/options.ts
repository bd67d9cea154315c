import type { ClientKind } from "./http-clients.js";
import { isKeyTypeWorkload, type WorkloadSpec } from "./workloads.js";

export interface BenchOptions {
  readonly quick: boolean;
  readonly warmupMs: number;
  /** Unmeasured load given to each server before its first measured phase (JIT warm-up). */
  readonly primeMs: number;
  readonly durationMs: number;
  readonly concurrency: readonly number[];
  readonly workloads: readonly WorkloadSpec[];
  /** Keys in the large store of the scale phase; 0 skips the scale phase. */
  readonly scaleKeys: number;
  /** Keys in the store of the main phases (and the small side of the scale comparison). */
  readonly smallKeys: number;
  /** Alternating small/large Encrypt rounds in the scale comparison. */
  readonly scaleRounds: number;
  readonly client: ClientKind;
  /** Also run a CPU-profiled Encrypt 64 B pass and print the top self-time functions. */
  readonly profile: boolean;
  readonly dataRoot: string | undefined;
  readonly keep: boolean;
  /** Seed the large store again even when an earlier run's copy could be reused. */
  readonly freshSeed: boolean;
  /** Alternating default-policy / realistic-policy Encrypt rounds (bench/authz-bench.ts); 0 skips them. */
  readonly authzRounds: number;
  /** Measured milliseconds of each phase of those rounds (short phases, many rounds: pairs share the machine's mood). */
  readonly authzDurationMs: number;
  /** Alternating software-key / HSM-key Encrypt 4 KB rounds (bench/cks-bench.ts); 0 skips them. */
  readonly cksRounds: number;
  /** Sign, Verify, GenerateMac and GenerateDataKeyPair workloads chosen with --ops (bench/key-types-bench.ts). */
  readonly keyTypeWorkloads: readonly WorkloadSpec[];
  /** Rounds of those workloads beside Encrypt 64 B (order reversed every other round); 0 skips them. */
  readonly keyTypeRounds: number;
  readonly keyTypeDurationMs: number;
  readonly keyTypeConcurrency: readonly number[];
  /** Alternating dev / production (durable audit) Encrypt rounds per concurrency (bench/audit-bench.ts); 0 skips them. */
  readonly auditRounds: number;
  readonly auditDurationMs: number;
  readonly auditConcurrency: readonly number[];
  /** A directory on a real disk for the durable-audit comparison (fsync costs there); also runs on /dev/shm. */
  readonly auditDiskRoot: string | undefined;
}

export const USAGE = `usage: npm run bench -- [options]
  --quick                 short phases (about 85 s in all)
  --warmup S              warm-up seconds per phase        (env TRENT_BENCH_WARMUP, default 0.5)
  --prime S               unmeasured load per server before measuring (default 5, quick 1.5)
  --duration S            measured seconds per phase       (env TRENT_BENCH_DURATION, default 4)
  --concurrency 1,16,64   keep-alive connections per phase
  --ops LIST              encrypt64,encrypt4k,decrypt,gdk (the main table, beside the echo server) and
                          sign-ecc,verify-ecc,sign-rsa,verify-rsa,mac,dkp-ecc (their own section, beside Encrypt 64 B)
  --scale-keys N          keys in the large store, 0 skips the scale phase (env TRENT_BENCH_SCALE_KEYS, default 100000)
  --scale-rounds N        alternating 10-key / large-store Encrypt rounds (default 4, quick 1)
  --client raw|agent      load generator HTTP client (env TRENT_BENCH_CLIENT, default raw)
  --profile               add a CPU-profiled Encrypt 64 B pass (node --cpu-prof) and list hot functions
  --data-root DIR         where data directories go (default /dev/shm when writable)
  --fresh-seed            seed the large store again instead of reusing the copy an earlier run left in the data root
  --authz-rounds N        alternating default-policy / 20-statement-policy Encrypt rounds, 0 skips them (default 12, quick 4)
  --authz-duration S      measured seconds of each of those phases (default 1.5, quick 0.6)
  --cks-rounds N          alternating software-key / SoftHSM-key Encrypt 4 KB rounds, 0 skips them (default 4, quick 2)
  --keytype-rounds N      rounds of the sign/verify/mac/dkp ops beside Encrypt 64 B, 0 skips them (default 2, quick 1)
  --keytype-duration S    measured seconds of each of those phases (default 1, quick 0.5)
  --keytype-concurrency L connections for those phases (default 16,1)
  --audit-rounds N        alternating dev / production (durable audit) Encrypt 64 B rounds per concurrency and
                          filesystem, 0 skips them (default 4, quick 2)
  --audit-duration S      measured seconds of each of those phases (default 1.5, quick 0.5)
  --audit-concurrency L   connections for those phases (default 16,64)
  --audit-disk-root DIR   disk directory for that comparison besides /dev/shm (default: --data-root if it is
                          not tmpfs, else the OS temp directory if it is not tmpfs, else the project directory)
  --keep                  keep the data directories`;

const WORKLOADS: Record<string, WorkloadSpec> = {
  encrypt64: { op: "Encrypt", plaintextBytes: 64 },
  encrypt4k: { op: "Encrypt", plaintextBytes: 4096 },
  decrypt: { op: "Decrypt", plaintextBytes: 64 },
  gdk: { op: "GenerateDataKey", plaintextBytes: 0 },
  "sign-ecc": { op: "Sign", plaintextBytes: 64, keySpec: "ECC_NIST_P256", algorithm: "ECDSA_SHA_256" },
  "verify-ecc": { op: "Verify", plaintextBytes: 64, keySpec: "ECC_NIST_P256", algorithm: "ECDSA_SHA_256" },
  "sign-rsa": { op: "Sign", plaintextBytes: 64, keySpec: "RSA_2048", algorithm: "RSASSA_PSS_SHA_256" },
  "verify-rsa": { op: "Verify", plaintextBytes: 64, keySpec: "RSA_2048", algorithm: "RSASSA_PSS_SHA_256" },
  mac: { op: "GenerateMac", plaintextBytes: 64, keySpec: "HMAC_256", algorithm: "HMAC_SHA_256" },
  "dkp-ecc": { op: "GenerateDataKeyPair", plaintextBytes: 0, keySpec: "ECC_NIST_P256" },
};

function list(name: string, v: string | undefined): number[] {
  return (v ?? "").split(",").map((s) => positive(name, s, 1));
}

function positive(name: string, v: string | undefined, min = 0): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n < min) throw new Error(`${name} needs a number >= ${min}, not ${String(v)}`);
  return n;
}

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes("--quick") || env["TRENT_BENCH_QUICK"] === "1";
  let warmupS = Number(env["TRENT_BENCH_WARMUP"] ?? (quick ? 0.25 : 0.5));
  let primeS = quick ? 1.5 : 5;
  let durationS = Number(env["TRENT_BENCH_DURATION"] ?? (quick ? 0.6 : 4));
  let concurrency = [1, 16, 64];
  let ops = Object.keys(WORKLOADS);
  let scaleKeys = Number(env["TRENT_BENCH_SCALE_KEYS"] ?? 100_000);
  let scaleRounds = quick ? 1 : 4;
  let client = (env["TRENT_BENCH_CLIENT"] ?? "raw") as ClientKind;
  let profile = false;
  let dataRoot: string | undefined;
  let keep = false;
  let freshSeed = false;
  let authzRounds = quick ? 4 : 12;
  let authzDurationS = quick ? 0.6 : 1.5;
  let cksRounds = quick ? 2 : 4;
  let keyTypeRounds = quick ? 1 : 2;
  let keyTypeDurationS = quick ? 0.5 : 1;
  let keyTypeConcurrency = [16, 1];
  let auditRounds = quick ? 2 : 4;
  let auditDurationS = quick ? 0.5 : 1.5;
  let auditConcurrency = [16, 64];
  let auditDiskRoot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case "--quick":
        break;
      case "--warmup":
        warmupS = positive(a, value());
        break;
      case "--prime":
        primeS = positive(a, value());
        break;
      case "--duration":
        durationS = positive(a, value(), 0.1);
        break;
      case "--concurrency":
        concurrency = list(a, value());
        break;
      case "--ops":
        ops = (value() ?? "").split(",");
        break;
      case "--scale-keys":
        scaleKeys = positive(a, value());
        break;
      case "--scale-rounds":
        scaleRounds = positive(a, value(), 1);
        break;
      case "--client":
        client = (value() ?? "") as ClientKind;
        break;
      case "--profile":
        profile = true;
        break;
      case "--data-root":
        dataRoot = value();
        break;
      case "--fresh-seed":
        freshSeed = true;
        break;
      case "--keep":
        keep = true;
        break;
      case "--authz-rounds":
        authzRounds = positive(a, value());
        break;
      case "--authz-duration":
        authzDurationS = positive(a, value(), 0.1);
        break;
      case "--cks-rounds":
        cksRounds = positive(a, value());
        break;
      case "--keytype-rounds":
        keyTypeRounds = positive(a, value());
        break;
      case "--keytype-duration":
        keyTypeDurationS = positive(a, value(), 0.1);
        break;
      case "--keytype-concurrency":
        keyTypeConcurrency = list(a, value());
        break;
      case "--audit-rounds":
        auditRounds = positive(a, value());
        break;
      case "--audit-duration":
        auditDurationS = positive(a, value(), 0.1);
        break;
      case "--audit-concurrency":
        auditConcurrency = list(a, value());
        break;
      case "--audit-disk-root":
        auditDiskRoot = value();
        if (auditDiskRoot === undefined) throw new Error("--audit-disk-root needs a directory");
        break;
      case "--help":
      case "-h":
        throw new Error(USAGE);
      default:
        throw new Error(`unknown option ${String(a)}\n${USAGE}`);
    }
  }
  if (client !== "raw" && client !== "agent") throw new Error(`--client must be raw or agent, not ${String(client)}`);
  if (!Number.isFinite(warmupS) || !Number.isFinite(durationS) || durationS <= 0) throw new Error("bad --warmup/--duration");
  const chosen = ops.map((o) => {
    const w = WORKLOADS[o];
    if (w === undefined) throw new Error(`unknown op ${o}; known: ${Object.keys(WORKLOADS).join(",")}`);
    return w;
  });
  const workloads = chosen.filter((w) => !isKeyTypeWorkload(w));
  const keyTypeWorkloads = chosen.filter(isKeyTypeWorkload);
  return {
    quick,
    warmupMs: Math.round(warmupS * 1000),
    primeMs: Math.round(primeS * 1000),
    durationMs: Math.round(durationS * 1000),
    concurrency,
    workloads,
    scaleKeys: Math.floor(scaleKeys),
    smallKeys: 10,
    scaleRounds: Math.floor(scaleRounds),
    client,
    profile,
    dataRoot,
    keep,
    freshSeed,
    authzRounds: Math.floor(authzRounds),
    authzDurationMs: Math.round(authzDurationS * 1000),
    cksRounds: Math.floor(cksRounds),
    keyTypeWorkloads,
    keyTypeRounds: Math.floor(keyTypeRounds),
    keyTypeDurationMs: Math.round(keyTypeDurationS * 1000),
    keyTypeConcurrency,
    auditRounds: Math.floor(auditRounds),
    auditDurationMs: Math.round(auditDurationS * 1000),
    auditConcurrency,
    auditDiskRoot,
  };
}
