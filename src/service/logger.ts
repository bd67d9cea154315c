import { pino, type DestinationStream, type Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

/** One JSON log line: `level` and `msg`, then whatever fields the line carries. */
export type LogLine = Record<string, unknown>;
export type LogFn = (line: LogLine) => void;

const SECRET_NAMES = [
  "Plaintext",
  "PrivateKeyPlaintext",
  "SharedSecret",
  "plaintext",
  "secret",
  "secretAccessKey",
  "SecretAccessKey",
  "share",
  "shares",
  "pin",
  "PIN",
  "password",
  "authorization",
];

/**
 * Members pino replaces with "[redacted]" wherever they appear, at the top of a line or one or
 * two levels down. Defence in depth: no code path logs these (test/e2e/no-secrets.test.ts checks
 * the lines themselves); this catches a careless `log({ ...input })` added later.
 */
export const REDACT_PATHS: readonly string[] = SECRET_NAMES.flatMap((n) => [n, `*.${n}`, `*.*.${n}`]);

export interface LoggerOptions {
  readonly level: LogLevel;
  /** Receives every line as a parsed object instead of the process's stdout (tests). */
  readonly sink?: LogFn;
}

/**
 * The service's structured logger: one JSON object per line on stdout, `level` as a name, `time`
 * as ISO 8601, `msg`, and the line's fields; secrets redacted by name.
 */
export function createLogger(opts: LoggerOptions): Logger {
  const sink = opts.sink;
  const destination: DestinationStream =
    sink !== undefined
      ? { write: (s: string) => sink(JSON.parse(s) as LogLine) }
      : pino.destination({ dest: 1, sync: true });
  return pino(
    {
      level: opts.level,
      base: null,
      messageKey: "msg",
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
    },
    destination,
  );
}

/**
 * The `log({ level, msg, ...fields })` function the service's parts take, written through `logger`.
 * A line without a known level is logged at info.
 */
export function lineLogger(logger: Logger): LogFn {
  return (line) => {
    const { level, msg, ...fields } = line;
    const at = typeof level === "string" && isLogLevel(level) && level !== "silent" ? level : "info";
    if (typeof msg === "string") logger[at](fields, msg);
    else logger[at](fields);
  };
}
