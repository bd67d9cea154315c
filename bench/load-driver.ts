import { fork, type ChildProcess } from "node:child_process";
import type { FromLoadGen, ToLoadGen } from "./load-protocol.js";

type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;
export type LoadRequest = WithoutId<ToLoadGen>;
type Ok = Extract<FromLoadGen, { ok: true }>;

/** The orchestrator's handle on the load generator process (bench/load-generator.ts). */
export class LoadDriver {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (m: Ok) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  #exited = false;
  readonly #exit: Promise<void>;

  constructor(script: string) {
    this.#child = fork(script, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    this.#exit = new Promise<void>((r) => this.#child.once("exit", () => r()));
    this.#child.on("message", (raw: unknown) => {
      const m = raw as FromLoadGen;
      const w = this.#waiting.get(m.id);
      if (w === undefined) return;
      this.#waiting.delete(m.id);
      clearTimeout(w.timer);
      if (m.ok) w.resolve(m);
      else w.reject(new Error(m.error));
    });
    this.#child.on("exit", (code) => {
      this.#exited = true;
      for (const w of this.#waiting.values()) {
        clearTimeout(w.timer);
        w.reject(new Error(`load generator exited (code ${String(code)})`));
      }
      this.#waiting.clear();
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  call(req: LoadRequest, timeoutMs: number): Promise<Ok> {
    if (this.#exited) return Promise.reject(new Error("load generator is not running"));
    const id = this.#next++;
    return new Promise<Ok>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        reject(new Error(`load generator did not answer ${req.kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiting.set(id, { resolve, reject, timer });
      this.#child.send({ ...req, id } as ToLoadGen);
    });
  }

  /** Immediate, for interrupts. */
  kill(): void {
    if (!this.#exited) this.#child.kill("SIGKILL");
  }

  async stop(): Promise<void> {
    if (this.#exited) return;
    try {
      await this.call({ kind: "exit" }, 5000);
    } catch {
      // already gone or stuck: killed below
    }
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 5000);
    await this.#exit;
    clearTimeout(timer);
  }
}
