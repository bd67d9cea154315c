import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CredentialCache } from "../api/credentials.js";
import { Dispatcher, type CallOutcome } from "../api/dispatcher.js";
import { HttpFront } from "../api/http-server.js";
import { SigV4Verifier } from "../api/sigv4.js";
import { randomPool } from "../crypto/random-pool.js";
import { KmsError } from "../domain/errors.js";
import type { Keystore } from "../keystore/keystore.js";
import { CustomKeyStores } from "../ops/support/custom-key-stores.js";
import { KeyMaterials } from "../ops/support/key-materials.js";
import type { Authorizer } from "../policy/authorizer.js";
import { CachedStore } from "../store/cached-store.js";
import { PostgresStore } from "../store/postgres-store.js";
import { SqliteStore } from "../store/sqlite-store.js";
import type { Store } from "../store/store.js";
import { timedStore } from "../store/timed-store.js";
import type { Logger } from "pino";
import type { TrentConfig } from "./config.js";
import { isReadOnlyOperation } from "../audit/index.js";
import { CacheWarmer } from "./cache-warmer.js";
import { keyArn } from "../domain/arn.js";
import { seedDevAccount } from "./dev-seed.js";
import { logDenials, ServiceAuthorizer } from "./authorization.js";
import { explainEndpoint } from "./explain.js";
import { ServiceAudit } from "./service-audit.js";
import { KeyUsageTracker } from "./key-usage.js";
import { keyUsageReport } from "./key-usage-report.js";
import { createLogger, lineLogger, type LogFn } from "./logger.js";
import { TrentMetrics } from "./metrics.js";
import { readiness } from "./readiness.js";
import { rewrapUnderCurrentRoot, rotateRoot, rotationPending } from "./root-rotation.js";
import { openKeystore } from "./open-keystore.js";
import { operatorRoutes } from "./operator-routes.js";
import { Scheduler } from "./scheduler.js";
import { SESSION_KEY_ID, SessionCredentials } from "../sts/session-credentials.js";
import { StsDispatcher } from "../sts/sts-dispatcher.js";

export interface TrentDeps {
  /** Clock in epoch milliseconds (tests inject one). */
  readonly now?: () => number;
  readonly random?: (n: number) => Buffer;
  readonly store?: Store;
  readonly keystore?: Keystore;
  readonly authorizer?: Authorizer;
  readonly onOutcome?: (o: CallOutcome) => void;
  /** Receives every log line as an object instead of stdout (the level still applies: config.logLevel). */
  readonly log?: LogFn;
}

/** A running Trent: store, keystore, policy engine, scheduler and HTTP front, started together. */
export class Trent {
  readonly config: TrentConfig;
  readonly store: Store;
  readonly keystore: Keystore;
  readonly materials: KeyMaterials;
  readonly scheduler: Scheduler;
  readonly credentials: CredentialCache;
  /** STS role sessions: a cache in front of the store's (every node sees every session). */
  readonly sessions: SessionCredentials;
  readonly audit: ServiceAudit;
  /** The policy engine over this store (KmsAuthorizer), noting denials for the log. */
  readonly authorizer: ServiceAuthorizer;
  /** Structured JSON logs (pino). */
  readonly logger: Logger;
  readonly metrics: TrentMetrics;
  /** Key usage counted in memory and flushed to the store (GetKeyLastUsage). */
  readonly usage: KeyUsageTracker;
  /** Custom key stores: their PKCS#11 tokens (TRENT_HSM_CLUSTERS) and the keys in them. */
  readonly customKeyStores: CustomKeyStores;
  readonly #log: LogFn;
  readonly #front: HttpFront;
  readonly #warmer: CacheWarmer | undefined;
  #port = 0;
  #stopped = false;

  private constructor(config: TrentConfig, deps: TrentDeps, backend: Store, keystore: Keystore) {
    const now = deps.now ?? Date.now;
    this.logger = createLogger({ level: config.logLevel, ...(deps.log !== undefined ? { sink: deps.log } : {}) });
    const log = lineLogger(this.logger);
    this.#log = log;
    const metrics = new TrentMetrics(
      {
        caches: {
          credential: () => this.credentials.stats(),
          material: () => this.materials.stats(),
          store: () => cached.stats(),
        },
        keysByState: () => store.countKeysByState(),
        sealed: () => keystore.status().sealed,
        auditHealthy: () => this.audit.healthy(),
      },
      { now },
    );
    this.metrics = metrics;
    // Writes are timed for the metrics; getKeyUsage also sees usage not flushed yet.
    // Keys, aliases, principals, access keys and grants served from memory (see CachedStore).
    const cached = new CachedStore(backend, { ttlMs: config.cacheTtlMs, maxEntries: config.cacheMaxKeys });
    const timed = timedStore(cached, (method, seconds, ok) => metrics.observeStoreWrite(method, seconds, ok));
    const usage = new KeyUsageTracker(timed);
    this.usage = usage;
    const store = usage.storeView(timed);
    this.config = config;
    this.store = store;
    this.keystore = keystore;
    this.materials = new KeyMaterials(store, keystore, config.cacheMaxKeys);
    const customKeyStores = new CustomKeyStores({
      store,
      keystore,
      clusters: config.hsmClusters ?? {},
      loopbackHttpProxies: config.mode === "dev",
      now,
      cacheTtlMs: config.cacheTtlMs,
      log: (line) => log(line),
    });
    this.customKeyStores = customKeyStores;
    const warmer =
      config.warmCaches !== true
        ? undefined
        : new CacheWarmer({
            store: cached,
            materials: this.materials,
            keystore,
            maxKeys: config.cacheMaxKeys,
            onStop: (reason) => log({ level: "info", msg: "cache warming stopped", reason }),
          });
    this.#warmer = warmer;
    // The credential cache keeps its own entries for cacheTtlMs: it reads the backend directly.
    this.credentials = new CredentialCache(backend, keystore, { now, ttlMs: config.cacheTtlMs });
    const audit = new ServiceAudit({
      dataDir: config.dataDir,
      durable: config.mode === "production",
      now,
      notice: (message) => log({ level: "warn", msg: "audit", detail: message }),
      observeAppend: (seconds, ok) => metrics.observeAuditAppend(seconds, ok),
    });
    this.audit = audit;
    const random = deps.random ?? randomPool();
    this.scheduler = new Scheduler({
      store,
      materials: this.materials,
      now,
      random,
      onEvent: (e) => {
        log({ level: "info", msg: "scheduled event", event: e.kind, keyId: e.key.keyId });
        if (e.kind === "DeleteKey" && e.key.customKeyStoreId !== undefined) {
          // AWS: a best effort to delete the key material from the cluster once the key is deleted.
          const customKeyStoreId = e.key.customKeyStoreId;
          void customKeyStores.destroyKeyMaterial(e.key).then(
            (gone) => {
              if (!gone) log({ level: "warn", msg: "key material left in the custom key store's token", keyId: e.key.keyId, customKeyStoreId });
            },
            () => log({ level: "warn", msg: "key material left in the custom key store's token", keyId: e.key.keyId, customKeyStoreId }),
          );
        }
        void audit
          .serviceEvent({
            eventName: e.kind,
            keyArn: keyArn(e.key.region, e.key.accountId, e.key.keyId),
            accountId: e.key.accountId,
            region: e.key.region,
            at: e.at,
            ...(e.keyMaterialId !== undefined ? { keyMaterialId: e.keyMaterialId } : {}),
          })
          .catch(() => log({ level: "error", msg: "audit service event not written", event: e.kind }));
      },
      maintenance: async () => {
        // Expired STS sessions are refused already; this only frees their rows.
        const swept = await store.deleteExpiredRoleSessions(now(), 1_000);
        if (swept > 0) log({ level: "debug", msg: "expired role sessions deleted", count: swept });
        if (!rotationPending(keystore)) return;
        const r = await rewrapUnderCurrentRoot(store, keystore, config.dataDir);
        log({ level: "info", msg: "root rotation progress", rewrapped: r.rewrapped, failed: r.failed, retired: r.retired.length });
      },
    });
    const authorizer = ServiceAuthorizer.forStore(store);
    this.authorizer = authorizer;
    const sessions = new SessionCredentials({ store, keystore, now, ttlMs: config.cacheTtlMs });
    this.sessions = sessions;
    // Answered without waiting when the credential is cached (almost every request); session keys
    // (ASIA...) from the STS sessions (cached in front of the store).
    const lookupSecret = (id: string) =>
      SESSION_KEY_ID.test(id) ? sessions.secret(id) : (this.credentials.peek(id)?.secret ?? this.credentials.get(id).then((c) => c?.secret));
    const checkToken = (id: string, token: string | undefined): void | Promise<void> => sessions.checkToken(id, token);
    const verifier = new SigV4Verifier({ now, lookupSecret, checkToken });
    const sealedError = (): KmsError | undefined =>
      keystore.status().sealed
        ? new KmsError("KMSInternalException", "The service is sealed: submit unseal shares with `trent operator unseal`.")
        : undefined;
    const sts = new StsDispatcher({
      verifier: new SigV4Verifier({ now, lookupSecret, checkToken, service: "sts" }),
      credentials: this.credentials,
      sessions,
      store,
      engine: authorizer.engine,
      now,
      unavailable: sealedError,
      audit,
      onOutcome: (o) => {
        if (o.errorCode === "AccessDenied") {
          log({ level: "info", msg: "sts denied", requestId: o.requestId, action: o.action, caller: o.caller, ...(o.reason !== undefined ? { reason: o.reason } : {}) });
        }
      },
    });
    const traceRequests = this.logger.isLevelEnabled("debug");
    const dispatcher = new Dispatcher({
      verifier,
      credentials: this.credentials,
      sessions,
      store,
      materials: this.materials,
      authorizer: deps.authorizer ?? this.authorizer,
      now,
      random,
      limits: { maxPlaintextBytes: 4096 },
      customKeyStores,
      audit,
      isReadOnly: isReadOnlyOperation,
      unavailable: sealedError,
      onOutcome: (o) => {
        if (o.caller !== undefined) warmer?.seen(o.caller.accountId, o.caller.region);
        metrics.observeCall(o);
        usage.observe(o);
        if (traceRequests) {
          const done = { requestId: o.requestId, operation: o.operation, errorCode: o.errorCode, ms: now() - o.startedAt };
          this.logger.debug(done, "request");
        }
        logDenials(authorizer, o, log);
        deps.onOutcome?.(o);
      },
      onInternalError: (requestId, err) =>
        log({ level: "error", msg: "internal error", requestId, error: err instanceof Error ? err.name : "unknown" }),
    });
    this.#front = new HttpFront(
      dispatcher,
      {
      ready: () =>
        readiness({
          store: backend, // not through the cache: the database itself must answer
          sealed: () => keystore.status().sealed,
          auditHealthy: () => audit.healthy(),
          stopping: () => this.#stopped,
        }),
      metrics: async () => ({ contentType: metrics.contentType, body: await metrics.text() }),
      keyUsage: async (keyId) => {
        await usage.flush().catch((e: unknown) => log({ level: "error", msg: "key usage not flushed", error: errorName(e) }));
        // From the store itself (not the view that adds pending uses): every count has its version.
        return keyUsageReport(timed, keyId) as Promise<Record<string, unknown> | undefined>;
      },
      explain: explainEndpoint(store, authorizer.explainer(), now),
      sts: (req) => sts.handle(req),
      operator: operatorRoutes(keystore, log, {
        onUnsealed: () => audit.activate(keystore),
        rotateRoot: () => rotateRoot(store, keystore, config.dataDir),
      }),
      ...(config.mode === "dev"
        ? {
            reset: async () => {
              await store.resetKeys();
              this.materials.clear();
              usage.clear();
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
    await store.startKeyUsageTracking(Math.floor(now()));
    const trent = new Trent(config, deps, store, keystore);
    if (!keystore.status().sealed) await trent.audit.activate(keystore);
    // Custom key stores recorded as CONNECTED stay connected across restarts (as on AWS). A sealed
    // root cannot read their passwords yet: their tokens open on first use after the unseal.
    if (!keystore.status().sealed) {
      const r = await trent.customKeyStores.reconnectAll().catch((e: unknown) => {
        trent.#log({ level: "error", msg: "custom key stores not reconnected", error: errorName(e) });
        return undefined;
      });
      if (r !== undefined && r.connected + r.failed > 0) trent.#log({ level: "info", msg: "custom key stores reconnected", ...r });
    }
    const addr = await trent.#front.listen(config.port, config.host);
    trent.#port = addr.port;
    await trent.scheduler.runOnce();
    trent.scheduler.start(config.sweepIntervalMs);
    trent.usage.start(config.usageFlushIntervalMs, (e) =>
      trent.#log({ level: "error", msg: "key usage not flushed", error: errorName(e) }),
    );
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
    await this.#warmer?.stop();
    await this.scheduler.stop();
    await this.usage.stop().catch((e: unknown) => this.#log({ level: "error", msg: "key usage not flushed at stop", error: errorName(e) }));
    await this.audit.close();
    await this.customKeyStores.close();
    this.materials.clear();
    this.credentials.clear();
    this.sessions.clear();
    await this.store.close();
    await this.keystore.close();
  }
}

/** An error's name, never its message (which could quote data). */
function errorName(e: unknown): string {
  return e instanceof Error ? e.name : "unknown";
}
