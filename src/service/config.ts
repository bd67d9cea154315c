import { join } from "node:path";

export type Mode = "dev" | "production";

export interface TrentConfig {
  readonly mode: Mode;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly devAccountId: string;
  /** How often the scheduler looks for due deletions, rotations and expiries. */
  readonly sweepIntervalMs: number;
}

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 4599,
  devAccountId: "111122223333",
  sweepIntervalMs: 60_000,
} as const;

export function defaultDataDir(): string {
  return join(process.cwd(), ".trent");
}

/** Flags win over environment variables, which win over defaults. */
export function resolveConfig(
  flags: { mode?: string; host?: string; port?: string; dataDir?: string; devAccountId?: string },
  env: NodeJS.ProcessEnv,
): TrentConfig {
  const mode = (flags.mode ?? env["TRENT_MODE"] ?? "dev") as Mode;
  if (mode !== "dev" && mode !== "production") throw new Error(`--mode must be dev or production, not ${String(mode)}`);
  const port = Number(flags.port ?? env["TRENT_PORT"] ?? DEFAULTS.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${String(flags.port ?? env["TRENT_PORT"])}`);
  const devAccountId = flags.devAccountId ?? env["TRENT_DEV_ACCOUNT_ID"] ?? DEFAULTS.devAccountId;
  if (!/^\d{12}$/.test(devAccountId)) throw new Error(`the dev account id must be 12 digits, not ${devAccountId}`);
  return {
    mode,
    host: flags.host ?? env["TRENT_HOST"] ?? DEFAULTS.host,
    port,
    dataDir: flags.dataDir ?? env["TRENT_DATA_DIR"] ?? defaultDataDir(),
    devAccountId,
    sweepIntervalMs: Number(env["TRENT_SWEEP_INTERVAL_MS"] ?? DEFAULTS.sweepIntervalMs),
  };
}
