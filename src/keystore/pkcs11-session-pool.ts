/**
 * A small pool of PKCS#11 sessions (or anything session-like) so that concurrent requests never
 * share one: a PKCS#11 session runs one cryptographic operation at a time (C_EncryptInit ...
 * C_Encrypt), and two interleaved operations on one session fail with CKR_OPERATION_ACTIVE.
 *
 * Sessions are opened lazily, up to `size`. A caller takes one with `acquire()` and gives it back
 * with `release()` (healthy) or `discard()` (broken: it is closed and its place freed). When every
 * session is in use, `acquire()` waits in FIFO order. `invalidate()` retires every session opened
 * so far (the token went away, or the login state was lost): idle ones are closed at once, busy
 * ones when they come back.
 *
 * The pool knows nothing of PKCS#11; the owner supplies `open` and `close`.
 */
export interface SessionPoolOptions<S> {
  /** Most sessions open at once (at least 1). */
  readonly size: number;
  /** Opens (and logs in) a new session. May throw; the error reaches the caller of acquire(). */
  open(): S;
  /** Closes a session. Errors are ignored: the session is gone either way. */
  close(session: S): void;
}

export interface SessionPoolStats {
  readonly idle: number;
  readonly busy: number;
  readonly waiting: number;
  readonly size: number;
}

interface Waiter<S> {
  resolve(session: S): void;
  reject(error: Error): void;
}

export class SessionPoolClosedError extends Error {
  constructor() {
    super("the session pool is closed");
    this.name = "SessionPoolClosedError";
  }
}

export class SessionPool<S extends object> {
  readonly #size: number;
  readonly #open: () => S;
  readonly #close: (session: S) => void;
  readonly #idle: S[] = [];
  /** Busy sessions and the generation each was opened in. */
  readonly #busy = new Map<S, number>();
  readonly #generationOf = new WeakMap<S, number>();
  readonly #waiters: Waiter<S>[] = [];
  #generation = 0;
  #closed = false;

  constructor(options: SessionPoolOptions<S>) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new RangeError("pool size must be a positive integer");
    this.#size = options.size;
    this.#open = options.open;
    this.#close = options.close;
  }

  get stats(): SessionPoolStats {
    return { idle: this.#idle.length, busy: this.#busy.size, waiting: this.#waiters.length, size: this.#size };
  }

  /** Sessions currently open (idle + busy). */
  get openCount(): number {
    return this.#idle.length + this.#busy.size;
  }

  /** Takes a session: an idle one, a newly opened one, or (when all are busy) the next one released. */
  acquire(): Promise<S> {
    if (this.#closed) return Promise.reject(new SessionPoolClosedError());
    const idle = this.#idle.pop();
    if (idle !== undefined) return Promise.resolve(this.#markBusy(idle));
    if (this.openCount < this.#size) {
      try {
        return Promise.resolve(this.#markBusy(this.#openNew()));
      } catch (e) {
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
    return new Promise<S>((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Gives a healthy session back. */
  release(session: S): void {
    const gen = this.#busy.get(session);
    if (gen === undefined) return; // not ours, or already returned
    this.#busy.delete(session);
    if (this.#closed || gen !== this.#generation) {
      this.#safeClose(session);
      this.#serveWaiterWithNew();
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter !== undefined) waiter.resolve(this.#markBusy(session));
    else this.#idle.push(session);
  }

  /** Gives a broken session back: it is closed, and a waiter (if any) gets a fresh one. */
  discard(session: S): void {
    if (!this.#busy.delete(session)) return;
    this.#safeClose(session);
    this.#serveWaiterWithNew();
  }

  /** Retires every session opened so far: idle ones now, busy ones when released. */
  invalidate(): void {
    this.#generation++;
    for (const s of this.#idle.splice(0)) this.#safeClose(s);
  }

  /** Runs `fn` with a session; releases it afterwards, or discards it when `isBroken(error)` says so. */
  async use<T>(fn: (session: S) => T | Promise<T>, isBroken: (error: unknown) => boolean = () => true): Promise<T> {
    const session = await this.acquire();
    let result: T;
    try {
      result = await fn(session);
    } catch (e) {
      if (isBroken(e)) this.discard(session);
      else this.release(session);
      throw e;
    }
    this.release(session);
    return result;
  }

  /** Closes idle sessions and refuses waiters and new acquires; busy sessions close when released. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#idle.splice(0)) this.#safeClose(s);
    for (const w of this.#waiters.splice(0)) w.reject(new SessionPoolClosedError());
  }

  #openNew(): S {
    const s = this.#open();
    this.#generationOf.set(s, this.#generation);
    return s;
  }

  #markBusy(session: S): S {
    this.#busy.set(session, this.#generationOf.get(session) ?? this.#generation);
    return session;
  }

  #serveWaiterWithNew(): void {
    if (this.#closed || this.openCount >= this.#size) return;
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    const idle = this.#idle.pop();
    if (idle !== undefined) {
      waiter.resolve(this.#markBusy(idle));
      return;
    }
    try {
      waiter.resolve(this.#markBusy(this.#openNew()));
    } catch (e) {
      waiter.reject(e instanceof Error ? e : new Error(String(e)));
    }
  }

  #safeClose(session: S): void {
    try {
      this.#close(session);
    } catch {
      // already gone
    }
  }
}
