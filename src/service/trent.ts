import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CredentialCache } from "../api/credentials.js";
import { Dispatcher, type CallOutcome } from "../api/dispatcher.js";
import { HttpFront } from "../api/http-server.js";
import { SigV4Verifier } from "../api/sigv4.js";
import { KmsError } from "../domain/errors.js";
import type { Keystore } from "../keystore/keystore.js";
import { KeyMaterials } from "../ops/support/key-materials.js";
import { AccountAuthorizer } from "../policy/account-authorizer.js";
import type { Authorizer } from "../policy/authorizer.js";
import { PostgresStore } from "../store/postgres-store.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import type { TrentConfig } from "./config.js";
import { isReadOnlyOperation } from "../audit/index.js";
import { keyArn } from "../domain/arn.js";
import { seedDevAccount } from "./dev-seed.js";
import { ServiceAudit } from "./service-audit.js";
import { rewrapUnderCurrentRoot, rotateRoot, rotationPending } from "./root-rotation.js";
import { openKeystore } from "./open-keystore.js";
import { operatorRoutes } from "./operator-routes.js";
import { Scheduler } from "./scheduler.js";

export interface TrentDeps {
  /** Clock in epoch milliseconds (tests inject one). */
  readonly now?: () => number;
  readonly random?: (n: number) => Buffer;
  readonly store?: Store;
  readonly keystore?: Keystore;
  readonly authorizer?: Authorizer;
  readonly onOutcome?: (o: CallOutcome) => void;
  readonly log?: (line: Record<string, unknown>) => void;
}

/** A running Trent: store, keystore, policy engine, scheduler and HTTP front, started together. */
export class Trent {
  readonly config: TrentConfig;
  readonly store: Store;
  readonly keystore: Keystore;
  readonly materials: KeyMaterials;
  readonly scheduler: Scheduler;
  readonly credentials: CredentialCache;
  readonly audit: ServiceAudit;
  readonly #front: HttpFront;
  #port = 0;
  #stopped = false;

  private constructor(config: TrentConfig, deps: TrentDeps, store: Store, keystore: Keystore) {
    const now = deps.now ?? Date.now;
    const log = deps.log ?? ((line) => process.stderr.write(`${JSON.stringify(line)}\n`));
    this.config = config;
    this.store = store;
    this.keystore = keystore;
    this.materials = new KeyMaterials(store, keystore);
    this.credentials = new CredentialCache(store, keystore, { now });
    const audit = new ServiceAudit({
      dataDir: config.dataDir,
      durable: config.mode === "production",
      now,
      notice: (message) => log({ level: "warn", msg: "audit", detail: message }),
    });
    this.audit = audit;
    const random = deps.random ?? randomBytes;
    this.scheduler = new Scheduler({
      store,
      materials: this.materials,
      now,
      random,
      onEvent: (e) => {
        log({ level: "info", msg: "scheduled event", event: e.kind, keyId: e.key.keyId });
        void audit
          .serviceEvent({
            eventName: e.kind,
            keyArn: keyArn(e.key.region, e.key.accountId, e.key.keyId),
            accountId: e.key.accountId,
            region: e.key.region,
            at: e.at,
          })
          .catch(() => log({ level: "error", msg: "audit service event not written", event: e.kind }));
      },
      maintenance: async () => {
        if (!rotationPending(keystore)) return;
        const r = await rewrapUnderCurrentRoot(store, keystore, config.dataDir);
        log({ level: "info", msg: "root rotation progress", rewrapped: r.rewrapped, failed: r.failed, retired: r.retired.length });
      },
    });
    const verifier = new SigV4Verifier({
      now,
      lookupSecret: async (id) => (await this.credentials.get(id))?.secret,
    });
    const dispatcher = new Dispatcher({
      verifier,
      credentials: this.credentials,
      store,
      materials: this.materials,
      authorizer: deps.authorizer ?? new AccountAuthorizer(),
      now,
      random,
      limits: { maxPlaintextBytes: 4096 },
      audit,
      isReadOnly: isReadOnlyOperation,
      unavailable: () =>
        keystore.status().sealed
          ? new KmsError("KMSInternalException", "The service is sealed: submit unseal shares with `trent operator unseal`.")
          : undefined,
      ...(deps.onOutcome ? { onOutcome: deps.onOutcome } : {}),
      onInternalError: (requestId, err) =>
        log({ level: "error", msg: "internal error", requestId, error: err instanceof Error ? err.name : "unknown" }),
    });
    this.#front = new HttpFront(
      dispatcher,
      {
      ready: async () => !keystore.status().sealed && !this.#stopped,
      operator: operatorRoutes(keystore, log, {
        onUnsealed: () => audit.activate(keystore),
        rotateRoot: () => rotateRoot(store, keystore, config.dataDir),
      }),
      ...(config.mode === "dev"
        ? {
            reset: async () => {
              await store.resetKeys();
              this.materials.clear();
            },
          }
        : {}),
      },
      now,
      config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined,
    );
  }

  /** Opens the store and keystore in the data directory (unless injected), seeds dev mode, listens. */
  static async start(config: TrentConfig, deps: TrentDeps = {}): Promise<Trent> {
    const now = deps.now ?? Date.now;
    const keystore = deps.keystore ?? (await openKeystore(config));
    const store =
      deps.store ??
      (config.databaseUrl !== undefined
        ? await PostgresStore.open(config.databaseUrl)
        : new SqliteStore(join(config.dataDir, "trent.db")));
    if (config.mode === "dev") await seedDevAccount(store, keystore, config.devAccountId, now());
    const trent = new Trent(config, deps, store, keystore);
    if (!keystore.status().sealed) await trent.audit.activate(keystore);
    const addr = await trent.#front.listen(config.port, config.host);
    trent.#port = addr.port;
    await trent.scheduler.runOnce();
    trent.scheduler.start(config.sweepIntervalMs);
    return trent;
  }

  get port(): number {
    return this.#port;
  }

  get endpoint(): string {
    const host = this.config.host.includes(":") ? `[${this.config.host}]` : this.config.host;
    return `${this.config.tls ? "https" : "http"}://${host}:${this.#port}`;
  }

  /** Graceful stop: in-flight requests finish, then the store and keystore close. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#front.close();
    await this.scheduler.stop();
    await this.audit.close();
    this.materials.clear();
    this.credentials.clear();
    await this.store.close();
    await this.keystore.close();
  }
}
