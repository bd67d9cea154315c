/**
 * Versioned schema of the PostgreSQL store. Migration N brings the database from version N-1 to N
 * and is recorded as a row (version N) in `schema_version`. Never edit a released migration: add a
 * new one.
 *
 * Text columns that are ordered or paged on use COLLATE "C" so that the order is byte order
 * whatever the database's default collation (the same order SQLite gives). Times are epoch
 * milliseconds in BIGINT, except `due_at`, which is derived from the key document and may carry a
 * fractional millisecond, so it is a double. Documents are JSON in TEXT (JSONB rejects \u0000).
 */
export const POSTGRES_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE keys (
    key_id      TEXT COLLATE "C" PRIMARY KEY,
    account_id  TEXT COLLATE "C" NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    revision    INTEGER NOT NULL,
    due_at      DOUBLE PRECISION,
    doc         TEXT NOT NULL
  );
  CREATE INDEX keys_by_partition ON keys (account_id, region, key_id);
  CREATE INDEX keys_by_due ON keys (due_at, key_id) WHERE due_at IS NOT NULL;

  CREATE TABLE key_materials (
    key_id        TEXT COLLATE "C" NOT NULL,
    material_id   TEXT COLLATE "C" NOT NULL,
    created_at    BIGINT NOT NULL,
    origin        TEXT NOT NULL,
    root_version  TEXT NOT NULL,
    wrapped       BYTEA NOT NULL,
    public_key    BYTEA,
    PRIMARY KEY (key_id, material_id)
  );

  CREATE TABLE aliases (
    account_id  TEXT COLLATE "C" NOT NULL,
    region      TEXT COLLATE "C" NOT NULL,
    alias_name  TEXT COLLATE "C" NOT NULL,
    key_id      TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, region, alias_name)
  );
  CREATE INDEX aliases_by_key ON aliases (key_id);

  CREATE TABLE accounts (
    account_id  TEXT COLLATE "C" PRIMARY KEY,
    created_at  BIGINT NOT NULL
  );

  CREATE TABLE principals (
    arn         TEXT COLLATE "C" PRIMARY KEY,
    account_id  TEXT COLLATE "C" NOT NULL,
    doc         TEXT NOT NULL
  );
  CREATE INDEX principals_by_account ON principals (account_id, arn);

  CREATE TABLE access_keys (
    access_key_id  TEXT COLLATE "C" PRIMARY KEY,
    principal_arn  TEXT COLLATE "C" NOT NULL,
    account_id     TEXT COLLATE "C" NOT NULL,
    root_version   TEXT NOT NULL,
    wrapped_secret BYTEA NOT NULL,
    created_at     BIGINT NOT NULL,
    status         TEXT NOT NULL
  );
  CREATE INDEX access_keys_by_principal ON access_keys (principal_arn, access_key_id);
  `,
  // 2: grants; root versions become byte-ordered and indexed (root re-wrap walks them in index
  // order); access keys indexed by account (deleting an account).
  `
  CREATE TABLE grants (
    grant_id            TEXT COLLATE "C" PRIMARY KEY,
    key_id              TEXT COLLATE "C" NOT NULL,
    grantee_principal   TEXT COLLATE "C" NOT NULL,
    retiring_principal  TEXT COLLATE "C",
    doc                 TEXT NOT NULL
  );
  CREATE INDEX grants_by_key ON grants (key_id, grant_id);
  CREATE INDEX grants_by_grantee ON grants (key_id, grantee_principal, grant_id);
  CREATE INDEX grants_by_retiring ON grants (retiring_principal, key_id, grant_id) WHERE retiring_principal IS NOT NULL;

  ALTER TABLE key_materials ALTER COLUMN root_version TYPE TEXT COLLATE "C";
  ALTER TABLE access_keys ALTER COLUMN root_version TYPE TEXT COLLATE "C";
  CREATE INDEX key_materials_by_root ON key_materials (root_version, key_id, material_id);
  CREATE INDEX access_keys_by_root ON access_keys (root_version, access_key_id);
  CREATE INDEX access_keys_by_account ON access_keys (account_id);
  `,
  // 3: key usage (GetKeyLastUsage and per-version counts).
  `
  CREATE TABLE key_usage (
    key_id           TEXT COLLATE "C" NOT NULL,
    material_id      TEXT COLLATE "C" NOT NULL,
    encryptions      BIGINT NOT NULL,
    decryptions      BIGINT NOT NULL,
    last_encrypt_at  BIGINT,
    last_decrypt_at  BIGINT,
    PRIMARY KEY (key_id, material_id)
  );

  CREATE TABLE key_last_usage (
    key_id      TEXT COLLATE "C" PRIMARY KEY,
    used_at     BIGINT NOT NULL,
    operation   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    event_id    TEXT NOT NULL
  );

  CREATE TABLE key_usage_tracking (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    started_at  BIGINT NOT NULL
  );
  `,
  // 4: custom key stores (AWS_CLOUDHSM backed by a PKCS#11 token). The password is wrapped under
  // the root like every other secret; names are unique per account and region, clusters overall.
  `
  CREATE TABLE custom_key_stores (
    custom_key_store_id  TEXT COLLATE "C" PRIMARY KEY,
    account_id           TEXT COLLATE "C" NOT NULL,
    region               TEXT COLLATE "C" NOT NULL,
    name                 TEXT COLLATE "C" NOT NULL,
    cluster_id           TEXT COLLATE "C" NOT NULL,
    root_version         TEXT COLLATE "C" NOT NULL,
    wrapped_password     BYTEA NOT NULL,
    revision             INTEGER NOT NULL,
    doc                  TEXT NOT NULL
  );
  CREATE UNIQUE INDEX custom_key_stores_by_name ON custom_key_stores (account_id, region, name);
  CREATE UNIQUE INDEX custom_key_stores_by_cluster ON custom_key_stores (cluster_id);
  CREATE INDEX custom_key_stores_by_partition ON custom_key_stores (account_id, region, custom_key_store_id);
  CREATE INDEX custom_key_stores_by_root ON custom_key_stores (root_version, custom_key_store_id);
  `,
  // 5: STS role sessions, shared by every node. The secret is wrapped under the root like an
  // access key's; the session token is kept only as its SHA-256.
  `
  CREATE TABLE role_sessions (
    access_key_id   TEXT COLLATE "C" PRIMARY KEY,
    account_id      TEXT COLLATE "C" NOT NULL,
    role_arn        TEXT COLLATE "C" NOT NULL,
    role_id         TEXT COLLATE "C" NOT NULL,
    session_name    TEXT NOT NULL,
    session_arn     TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    root_version    TEXT COLLATE "C" NOT NULL,
    wrapped_secret  BYTEA NOT NULL,
    token_sha256    BYTEA NOT NULL
  );
  CREATE INDEX role_sessions_by_role ON role_sessions (role_arn);
  CREATE INDEX role_sessions_by_expiry ON role_sessions (expires_at);
  CREATE INDEX role_sessions_by_root ON role_sessions (root_version);
  `,
];

/** Every table the migrations create that holds data (not `schema_version`). */
export const POSTGRES_DATA_TABLES: readonly string[] = [
  "keys",
  "key_materials",
  "aliases",
  "accounts",
  "principals",
  "access_keys",
  "grants",
  "key_usage",
  "key_last_usage",
  "key_usage_tracking",
  "custom_key_stores",
  "role_sessions",
];
