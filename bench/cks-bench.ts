/**
 * The custom key store benchmark: Encrypt 4 KB with a key whose material is a non-extractable
 * AES-256 object in a SoftHSM token (AES-GCM computed by the token through PKCS#11) against
 * Encrypt 4 KB with a software key (SP 800-108 KDF + AES-GCM in node:crypto), in alternating
 * rounds on one Trent started for this section, with its own SoftHSM token.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createSoftHsmToken, SOFTHSM_MODULE, softHsmSkipReason } from "../test/support/softhsm.js";
import { kmsCall } from "./kms-call.js";
import type { PhaseResult } from "./load-protocol.js";
import { ServerProcess } from "./server-process.js";
import { mean } from "./stats.js";

const PIN = "bench-kmsuser-1";
const TOKEN = "trent-bench-cks";
const CLUSTER = "cluster-benchbenchbe";

export interface CksSetup {
  readonly proc: ServerProcess;
  readonly softwareKeyId: string;
  readonly hsmKeyId: string;
  /** Stops Trent and removes the token and the data directory. */
  readonly close: () => Promise<void>;
}

/** Why the section cannot run here (no SoftHSM), or undefined. */
export function cksSkipReason(): string | undefined {
  return softHsmSkipReason();
}

async function call(endpoint: string, region: string, op: string, payload: unknown): Promise<Record<string, unknown>> {
  const r = await kmsCall(endpoint, region, op, payload, 15_000);
  if (r.status !== 200) throw new Error(`${op}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 300)}`);
  return r.json;
}

/**
 * A SoftHSM token, a Trent whose TRENT_HSM_CLUSTERS names it, a connected custom key store, one
 * key in it and one software key, both made through the API.
 */
export async function setUpCustomKeyStore(trentMain: string, dataRoot: string, region: string): Promise<CksSetup> {
  const base = mkdtempSync(join(dataRoot, "trent-bench-cks-"));
  const token = createSoftHsmToken({ label: TOKEN, pin: PIN });
  let proc: ServerProcess | undefined;
  const close = async (): Promise<void> => {
    await proc?.stop();
    token.cleanup();
    rmSync(base, { recursive: true, force: true });
  };
  try {
    proc = await ServerProcess.start("trent-cks", trentMain, ["serve", "--port", "0", "--data-dir", join(base, "data")], {
      timeoutMs: 30_000,
      env: {
        ...token.env,
        TRENT_HSM_CLUSTERS: JSON.stringify({ [CLUSTER]: { modulePath: SOFTHSM_MODULE, tokenLabel: TOKEN } }),
      },
    });
    const endpoint = proc.endpoint;
    const keyIdOf = (j: Record<string, unknown>): string => {
      const id = (j["KeyMetadata"] as Record<string, unknown> | undefined)?.["KeyId"];
      if (typeof id !== "string") throw new Error("CreateKey returned no KeyId");
      return id;
    };
    const softwareKeyId = keyIdOf(await call(endpoint, region, "CreateKey", {}));
    const created = await call(endpoint, region, "CreateCustomKeyStore", {
      CustomKeyStoreName: "bench",
      CloudHsmClusterId: CLUSTER,
      KeyStorePassword: PIN,
      TrustAnchorCertificate: "-----BEGIN CERTIFICATE-----\nbench\n-----END CERTIFICATE-----\n",
    });
    const storeId = created["CustomKeyStoreId"];
    await call(endpoint, region, "ConnectCustomKeyStore", { CustomKeyStoreId: storeId });
    const described = await call(endpoint, region, "DescribeCustomKeyStores", { CustomKeyStoreId: storeId });
    const state = ((described["CustomKeyStores"] as Record<string, unknown>[] | undefined)?.[0] ?? {})["ConnectionState"];
    if (state !== "CONNECTED") throw new Error(`the custom key store did not connect: ${JSON.stringify(described).slice(0, 300)}`);
    const hsmKeyId = keyIdOf(await call(endpoint, region, "CreateKey", { CustomKeyStoreId: storeId, Origin: "AWS_CLOUDHSM" }));
    return { proc, softwareKeyId, hsmKeyId, close };
  } catch (e) {
    await close();
    throw e;
  }
}

export interface CksReport {
  readonly concurrency: number;
  readonly software: readonly PhaseResult[];
  readonly hsm: readonly PhaseResult[];
}

const f0 = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "n/a");
const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : "n/a");
const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : "n/a");

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** HSM ÷ software: by mean req/s, by mean CPU per request (inverted, so that < 1 means slower), and per round. */
export function cksRatios(r: CksReport): { reqPerSec: number; cpu: number; pairedReqPerSec: number } {
  const rps = (xs: readonly PhaseResult[]): number => mean(xs.map((x) => x.reqPerSec));
  const cpu = (xs: readonly PhaseResult[]): number => mean(xs.map((x) => x.serverCpuUsPerReq));
  const pairs = r.hsm.map((h, i) => [h, r.software[i]] as const).filter((x): x is readonly [PhaseResult, PhaseResult] => x[1] !== undefined);
  return {
    reqPerSec: rps(r.hsm) / rps(r.software),
    cpu: cpu(r.software) / cpu(r.hsm),
    pairedReqPerSec: median(pairs.map(([h, s]) => h.reqPerSec / s.reqPerSec)),
  };
}

/** The report's section (markdown). */
export function renderCks(r: CksReport | string): string {
  const title = "## Custom key store (SoftHSM)";
  if (typeof r === "string") return ["", title, "", `Skipped: ${r}`].join("\n");
  const row = (label: string, xs: readonly PhaseResult[]): string =>
    `| ${label} | ${xs.map((x) => f0(x.reqPerSec)).join(", ")} | ${f0(mean(xs.map((x) => x.reqPerSec)))} | ${f1(mean(xs.map((x) => x.serverCpuUsPerReq)))} | ` +
    `${f2(mean(xs.map((x) => x.p50Ms)))} / ${f2(mean(xs.map((x) => x.p99Ms)))} | ${xs.reduce((n, x) => n + x.failures, 0)} |`;
  const ratios = cksRatios(r);
  return [
    "",
    title,
    "",
    `Encrypt 4 KB, ${r.concurrency} connections, alternating rounds on one Trent: a key in an AWS_CLOUDHSM custom key store ` +
      "(AES-256-GCM computed by the SoftHSM token through PKCS#11, ciphertext format 0x02) against a software key (KDF + AES-256-GCM in node:crypto).",
    "",
    "| Key | req/s per round | mean req/s | CPU µs/req | p50 / p99 ms | Failures |",
    "|---|---:|---:|---:|---:|---:|",
    row("software key (origin AWS_KMS)", r.software),
    row("HSM-resident key (origin AWS_CLOUDHSM, SoftHSM)", r.hsm),
    "",
    `Ratio (HSM ÷ software): **${f2(ratios.reqPerSec)}** by mean req/s, **${f2(ratios.cpu)}** by mean CPU per request (software µs ÷ HSM µs); ` +
      `median of the per-round req/s ratios: **${f2(ratios.pairedReqPerSec)}**.`,
  ].join("\n");
}
