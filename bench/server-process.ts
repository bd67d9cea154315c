import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";

/** A server run as a child process; it must print a JSON line with `endpoint` on stdout. */
export class ServerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  readonly endpoint: string;
  /** ms from spawn to the endpoint line. */
  readonly listeningAfterMs: number;
  readonly spawnedAt: number;
  readonly #stderr: string[];
  #exit: Promise<number | null>;

  private constructor(
    name: string,
    child: ChildProcess,
    endpoint: string,
    spawnedAt: number,
    listeningAfterMs: number,
    stderr: string[],
    exit: Promise<number | null>,
  ) {
    this.name = name;
    this.child = child;
    this.pid = child.pid ?? -1;
    this.endpoint = endpoint;
    this.spawnedAt = spawnedAt;
    this.listeningAfterMs = listeningAfterMs;
    this.#stderr = stderr;
    this.#exit = exit;
  }

  /** Spawns `node [nodeArgs] script [args]` and waits (at most timeoutMs) for the endpoint line. */
  static async start(
    name: string,
    script: string,
    args: readonly string[],
    opts: { nodeArgs?: readonly string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
  ): Promise<ServerProcess> {
    const spawnedAt = performance.now();
    const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), script, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.env !== undefined ? { env: opts.env } : {}),
    });
    const stderr: string[] = [];
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (s: string) => {
      stderr.push(s);
      if (stderr.length > 50) stderr.shift();
    });
    const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const endpoint = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`${name} printed no endpoint within ${timeoutMs} ms; stderr: ${stderr.join("").slice(-2000)}`));
      }, timeoutMs);
      const lines = createInterface({ input: child.stdout ?? process.stdin });
      lines.on("line", (line) => {
        try {
          const j = JSON.parse(line) as { endpoint?: unknown };
          if (typeof j.endpoint === "string") {
            clearTimeout(timer);
            resolve(j.endpoint);
          }
        } catch {
          // not a JSON line
        }
      });
      void exit.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (code ${String(code)}) before listening; stderr: ${stderr.join("").slice(-2000)}`));
      });
    });
    return new ServerProcess(name, child, endpoint, spawnedAt, performance.now() - spawnedAt, stderr, exit);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stderrTail(): string {
    return this.#stderr.join("").slice(-2000);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.running) this.child.kill("SIGTERM");
    const timer = setTimeout(() => this.child.kill("SIGKILL"), graceMs);
    try {
      return await this.#exit;
    } finally {
      clearTimeout(timer);
    }
  }
}
