/**
 * A throwaway PostgreSQL server for tests: a fresh cluster in a temp directory, listening on
 * 127.0.0.1 on a free port (and on a unix socket in the same directory), fsync off. One server per
 * test file; `stop()` shuts it down fast and removes the directory.
 *
 * initdb and pg_ctl refuse to run as root, so when the tests run as root every server command runs
 * as the `postgres` user (runuser) in a directory chowned to it.
 */
import { execFile } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface PostgresServer {
  /** postgresql://trent@127.0.0.1:PORT/postgres */
  readonly connectionString: string;
  /** Connection string of another database on the same server. */
  readonly urlFor: (database: string) => string;
  readonly port: number;
  readonly dir: string;
  /** Milliseconds from the start of initdb to a server accepting connections. */
  readonly startMillis: number;
  /** Fast shutdown, then removes the directory. Safe to call twice. */
  readonly stop: () => Promise<void>;
}

/**
 * The bin directory of the newest PostgreSQL under /usr/lib/postgresql (Debian layout), or the one
 * named by TRENT_PG_BINDIR; undefined when no initdb is there (the tests then skip).
 */
export function postgresBinDir(): string | undefined {
  const forced = process.env["TRENT_PG_BINDIR"];
  if (forced !== undefined && forced !== "") return existsSync(join(forced, "initdb")) ? forced : undefined;
  const root = "/usr/lib/postgresql";
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return undefined;
  }
  const found = versions
    .filter((v) => existsSync(join(root, v, "bin", "initdb")) && existsSync(join(root, v, "bin", "pg_ctl")))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return found[0] === undefined ? undefined : join(root, found[0], "bin");
}

/** Why the PostgreSQL tests skip, or undefined when they can run. */
export function postgresSkipReason(): string | undefined {
  return postgresBinDir() === undefined
    ? "PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin/initdb); install the `postgresql` package to run these tests"
    : undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
    });
  });
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

/** Runs a server binary, as `postgres` when we are root. */
async function pgRun(bin: string, args: readonly string[]): Promise<void> {
  const [file, argv] = isRoot ? ["runuser", ["-u", "postgres", "--", bin, ...args]] : [bin, [...args]];
  try {
    await run(file, argv, { env: { ...process.env, LC_ALL: "C", LANG: "C" }, timeout: 60_000 });
  } catch (e) {
    const err = e as { stderr?: string; stdout?: string; message?: string };
    throw new Error(`${bin} failed: ${err.message ?? ""}\n${err.stderr ?? ""}${err.stdout ?? ""}`);
  }
}

function postgresIds(): { uid: number; gid: number } {
  const line = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .find((l) => l.startsWith("postgres:"));
  const f = line?.split(":");
  const uid = Number(f?.[2]);
  const gid = Number(f?.[3]);
  if (f === undefined || !Number.isInteger(uid) || !Number.isInteger(gid)) {
    throw new Error("running as root, but there is no `postgres` user to run initdb and pg_ctl as");
  }
  return { uid, gid };
}

const running = new Set<string>();
let exitHookInstalled = false;

/**
 * If the test process ends without stop() (a failed assertion in a hook, a timeout, Ctrl-C), the
 * postmasters it started are told to shut down fast (best effort; SIGKILL leaves them running).
 */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const stopAll = (): void => {
    for (const dir of running) {
      try {
        const pid = Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGINT");
      } catch {
        // already gone
      }
    }
    running.clear();
  };
  process.on("exit", stopAll);
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.once(sig, () => {
      stopAll();
      // Whoever else listens (the test runner) decides what happens next; if nobody does, the
      // signal's default action (terminate) is restored and taken.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    });
  }
}

/** Starts a fresh server. Throws when the binaries are missing or the server does not come up. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (bin === undefined) throw new Error(postgresSkipReason());
  const t0 = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "trent-pg-"));
  const data = join(dir, "data");
  const log = join(dir, "server.log");
  try {
    if (isRoot) {
      const { uid, gid } = postgresIds();
      chownSync(dir, uid, gid);
    }
    await pgRun(join(bin, "initdb"), [
      "-D", data, "-U", "trent", "--auth=trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions",
    ]);
    // The port is free when we look; another process may take it before the server binds it,
    // so a failed start is retried on a new port.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const opts = [
        "-c listen_addresses=127.0.0.1",
        `-p ${port}`,
        `-k ${dir}`,
        "-c fsync=off",
        "-c synchronous_commit=on",
        "-c full_page_writes=off",
        "-c max_connections=200",
      ].join(" ");
      try {
        running.add(dir);
        installExitHook();
        await pgRun(join(bin, "pg_ctl"), ["-D", data, "-l", log, "-w", "-t", "30", "-o", opts, "start"]);
        break;
      } catch (e) {
        running.delete(dir);
        if (attempt >= 3) {
          let tail = "";
          try {
            tail = readFileSync(log, "utf8").split("\n").slice(-20).join("\n");
          } catch {
            // no log
          }
          throw new Error(`${(e as Error).message}\nserver log:\n${tail}`);
        }
      }
    }
    const startMillis = Math.round(performance.now() - t0);
    const urlFor = (database: string): string => `postgresql://trent@127.0.0.1:${port}/${encodeURIComponent(database)}`;
    let stopped = false;
    return {
      connectionString: urlFor("postgres"),
      urlFor,
      port,
      dir,
      startMillis,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          await pgRun(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
        } finally {
          running.delete(dir);
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
