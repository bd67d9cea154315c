import { join } from "node:path";
import { parseHsmClusters, type HsmClusterSettings } from "./hsm-clusters.js";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "./logger.js";

export type Mode = "dev" | "production";
export type KeystoreKind = "software" | "sealed" | "pkcs11";

export interface Pkcs11Settings {
  readonly modulePath: string;
  readonly tokenLabel: string;
  /** Where the user PIN comes from: a file, or the name of an environment variable. Never the PIN. */
  readonly pin: { readonly file: string } | { readonly env: string };
}

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TrentConfig {
  readonly mode: Mode;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly devAccountId: string;
  /** Root of trust: software (dev), sealed (Shamir, production default) or pkcs11 (HSM). */
  readonly keystore: KeystoreKind;
  readonly pkcs11?: Pkcs11Settings;
  /** PostgreSQL connection string; SQLite in the data directory when absent. */
  readonly databaseUrl?: string;
  readonly tls?: TlsSettings;
  /** How often the scheduler looks for due deletions, rotations and expiries. */
  readonly sweepIntervalMs: number;
  /** How long cached keys and credentials may be stale (bounds multi-node visibility). */
  readonly cacheTtlMs: number;
  /** Most keys whose records and unwrapped material are kept in memory (bounds resident memory). */
  readonly cacheMaxKeys: number;
  /**
   * Whether a partition's keys are read into the caches in the background after its first call
   * (see CacheWarmer), up to cacheMaxKeys. On unless TRENT_CACHE_WARM=0: a cached key costs about
   * 0.7 KB of heap, and without warming a large key set is served from cold caches for minutes.
   */
  readonly warmCaches?: boolean;
  /** Least severe level logged (fatal, error, warn, info, debug, trace, silent). */
  readonly logLevel: LogLevel;
  /** How often key usage counted in memory is added to the store. */
  readonly usageFlushIntervalMs: number;
  /** Cluster id -> PKCS#11 token, for custom key stores (TRENT_HSM_CLUSTERS); none when absent. */
  readonly hsmClusters?: Readonly<Record<string, HsmClusterSettings>>;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 4599,
  devAccountId: "111122223333",
  sweepIntervalMs: 60_000,
  cacheTtlMs: 1_000,
  cacheMaxKeys: 100_000,
  logLevel: "info",
  usageFlushIntervalMs: 5_000,
} as const;

export function defaultDataDir(): string {
  return join(process.cwd(), ".trent");
}

export interface ConfigFlags {
  mode?: string;
  host?: string;
  port?: string;
  dataDir?: string;
  devAccountId?: string;
  keystore?: string;
  pkcs11Module?: string;
  pkcs11TokenLabel?: string;
  pkcs11PinFile?: string;
  pkcs11PinEnv?: string;
  databaseUrl?: string;
  tlsCert?: string;
  tlsKey?: string;
  logLevel?: string;
  hsmClusters?: string;
}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv): TrentConfig {
  const pick = (flag: string | undefined, name: string): string | undefined => flag ?? env[name];
  const mode = (pick(flags.mode, "TRENT_MODE") ?? "dev") as Mode;
  if (mode !== "dev" && mode !== "production") throw new Error(`--mode must be dev or production, not ${String(mode)}`);
  const portText = pick(flags.port, "TRENT_PORT");
  const port = Number(portText ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${String(portText)}`);
  const devAccountId = pick(flags.devAccountId, "TRENT_DEV_ACCOUNT_ID") ?? DEFAULTS.devAccountId;
  if (!/^\d{12}$/.test(devAccountId)) throw new Error(`the dev account id must be 12 digits, not ${devAccountId}`);
  const keystore = (pick(flags.keystore, "TRENT_KEYSTORE") ?? (mode === "dev" ? "software" : "sealed")) as KeystoreKind;
  if (!["software", "sealed", "pkcs11"].includes(keystore)) throw new Error(`--keystore must be software, sealed or pkcs11`);
  if (mode === "production" && keystore === "software") {
    throw new Error("production mode needs a sealed root (--keystore sealed) or an HSM (--keystore pkcs11)");
  }
  let pkcs11: Pkcs11Settings | undefined;
  const modulePath = pick(flags.pkcs11Module, "TRENT_PKCS11_MODULE");
  const tokenLabel = pick(flags.pkcs11TokenLabel, "TRENT_PKCS11_TOKEN_LABEL");
  const pinFile = pick(flags.pkcs11PinFile, "TRENT_PKCS11_PIN_FILE");
  const pinEnv = pick(flags.pkcs11PinEnv, "TRENT_PKCS11_PIN_ENV") ?? (env["TRENT_PKCS11_PIN"] !== undefined ? "TRENT_PKCS11_PIN" : undefined);
  if (modulePath !== undefined || tokenLabel !== undefined || keystore === "pkcs11") {
    if (modulePath === undefined || tokenLabel === undefined || (pinFile === undefined && pinEnv === undefined)) {
      throw new Error("PKCS#11 needs --pkcs11-module, --pkcs11-token-label and a PIN (--pkcs11-pin-file, or env TRENT_PKCS11_PIN)");
    }
    pkcs11 = { modulePath, tokenLabel, pin: pinFile !== undefined ? { file: pinFile } : { env: pinEnv ?? "TRENT_PKCS11_PIN" } };
  }
  const certFile = pick(flags.tlsCert, "TRENT_TLS_CERT");
  const keyFile = pick(flags.tlsKey, "TRENT_TLS_KEY");
  if ((certFile === undefined) !== (keyFile === undefined)) throw new Error("TLS needs both --tls-cert and --tls-key");
  const databaseUrl = pick(flags.databaseUrl, "TRENT_DATABASE_URL");
  const logLevel = pick(flags.logLevel, "TRENT_LOG_LEVEL") ?? DEFAULTS.logLevel;
  if (!isLogLevel(logLevel)) throw new Error(`the log level must be one of ${LOG_LEVELS.join(", ")}, not ${logLevel}`);
  const usageFlushIntervalMs = Number(env["TRENT_USAGE_FLUSH_MS"] ?? DEFAULTS.usageFlushIntervalMs);
  if (!Number.isInteger(usageFlushIntervalMs) || usageFlushIntervalMs < 1) throw new Error("TRENT_USAGE_FLUSH_MS must be a positive integer");
  const hsmClusters = pick(flags.hsmClusters, "TRENT_HSM_CLUSTERS");
  return {
    ...(hsmClusters !== undefined && hsmClusters !== "" ? { hsmClusters: parseHsmClusters(hsmClusters) } : {}),
    mode,
    host: pick(flags.host, "TRENT_HOST") ?? DEFAULTS.host,
    port,
    dataDir: pick(flags.dataDir, "TRENT_DATA_DIR") ?? defaultDataDir(),
    devAccountId,
    keystore,
    ...(pkcs11 ? { pkcs11 } : {}),
    ...(databaseUrl ? { databaseUrl } : {}),
    ...(certFile && keyFile ? { tls: { certFile, keyFile } } : {}),
    sweepIntervalMs: Number(env["TRENT_SWEEP_INTERVAL_MS"] ?? DEFAULTS.sweepIntervalMs),
    cacheTtlMs: Number(env["TRENT_CACHE_TTL_MS"] ?? DEFAULTS.cacheTtlMs),
    cacheMaxKeys: Number(env["TRENT_CACHE_MAX_KEYS"] ?? DEFAULTS.cacheMaxKeys),
    warmCaches: !["0", "false", "off", "no"].includes((env["TRENT_CACHE_WARM"] ?? "").trim().toLowerCase()),
    logLevel,
    usageFlushIntervalMs,
  };
}
