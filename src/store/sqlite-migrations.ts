/**
 * Versioned schema of the SQLite store. Migration N brings `PRAGMA user_version` from N-1 to N.
 * Never edit a released migration: add a new one.
 */
export const SQLITE_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE keys (
    key_id      TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    revision    INTEGER NOT NULL,
    due_at      INTEGER,
    doc         TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX keys_by_partition ON keys(account_id, region, key_id);
  CREATE INDEX keys_by_due ON keys(due_at) WHERE due_at IS NOT NULL;

  CREATE TABLE key_materials (
    key_id        TEXT NOT NULL,
    material_id   TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    origin        TEXT NOT NULL,
    root_version  TEXT NOT NULL,
    wrapped       BLOB NOT NULL,
    public_key    BLOB,
    PRIMARY KEY (key_id, material_id)
  ) WITHOUT ROWID;

  CREATE TABLE aliases (
    account_id  TEXT NOT NULL,
    region      TEXT NOT NULL,
    alias_name  TEXT NOT NULL,
    key_id      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, region, alias_name)
  ) WITHOUT ROWID;
  CREATE INDEX aliases_by_key ON aliases(key_id);

  CREATE TABLE accounts (
    account_id  TEXT PRIMARY KEY,
    created_at  INTEGER NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE principals (
    arn         TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    doc         TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX principals_by_account ON principals(account_id);

  CREATE TABLE access_keys (
    access_key_id  TEXT PRIMARY KEY,
    principal_arn  TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    root_version   TEXT NOT NULL,
    wrapped_secret BLOB NOT NULL,
    created_at     INTEGER NOT NULL,
    status         TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX access_keys_by_principal ON access_keys(principal_arn);
  `,
  // 2: grants; indexes for root re-wrap (by root version) and for deleting an account.
  `
  CREATE TABLE grants (
    grant_id            TEXT PRIMARY KEY,
    key_id              TEXT NOT NULL,
    grantee_principal   TEXT NOT NULL,
    retiring_principal  TEXT,
    doc                 TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX grants_by_key ON grants(key_id, grant_id);
  CREATE INDEX grants_by_grantee ON grants(key_id, grantee_principal);
  CREATE INDEX grants_by_retiring ON grants(retiring_principal, key_id, grant_id) WHERE retiring_principal IS NOT NULL;

  CREATE INDEX key_materials_by_root ON key_materials(root_version, key_id, material_id);
  CREATE INDEX access_keys_by_root ON access_keys(root_version, access_key_id);
  CREATE INDEX access_keys_by_account ON access_keys(account_id);
  `,
  // 3: key usage (GetKeyLastUsage and per-version counts); keys counted by state from an index.
  `
  CREATE TABLE key_usage (
    key_id           TEXT NOT NULL,
    material_id      TEXT NOT NULL,
    encryptions      INTEGER NOT NULL,
    decryptions      INTEGER NOT NULL,
    last_encrypt_at  INTEGER,
    last_decrypt_at  INTEGER,
    PRIMARY KEY (key_id, material_id)
  ) WITHOUT ROWID;

  CREATE TABLE key_last_usage (
    key_id      TEXT PRIMARY KEY,
    used_at     INTEGER NOT NULL,
    operation   TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    event_id    TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE key_usage_tracking (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    started_at  INTEGER NOT NULL
  );

  CREATE INDEX keys_by_state ON keys(json_extract(doc, '$.keyState'));
  `,
  // 4: custom key stores (AWS_CLOUDHSM backed by a PKCS#11 token). The password is wrapped under
  // the root like every other secret; names are unique per account and region, clusters overall.
  `
  CREATE TABLE custom_key_stores (
    custom_key_store_id  TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL,
    region               TEXT NOT NULL,
    name                 TEXT NOT NULL,
    cluster_id           TEXT NOT NULL,
    root_version         TEXT NOT NULL,
    wrapped_password     BLOB NOT NULL,
    revision             INTEGER NOT NULL,
    doc                  TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX custom_key_stores_by_name ON custom_key_stores(account_id, region, name);
  CREATE UNIQUE INDEX custom_key_stores_by_cluster ON custom_key_stores(cluster_id);
  CREATE INDEX custom_key_stores_by_partition ON custom_key_stores(account_id, region, custom_key_store_id);
  CREATE INDEX custom_key_stores_by_root ON custom_key_stores(root_version, custom_key_store_id);
  `,
  // 5: the key ids alone, for existence checks. The keys table keeps each record's document in
  // its rows, so a lookup by primary key reads pages that are mostly documents: with 100,000 keys,
  // 7-9 µs against 2.6 µs in this compact index (key-usage flushes check every key they write).
  `
  CREATE INDEX keys_by_id ON keys(key_id);
  `,
  // 6: STS role sessions, shared by every node. The secret is wrapped under the root like an
  // access key's; the session token is kept only as its SHA-256.
  `
  CREATE TABLE role_sessions (
    access_key_id   TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    role_arn        TEXT NOT NULL,
    role_id         TEXT NOT NULL,
    session_name    TEXT NOT NULL,
    session_arn     TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    root_version    TEXT NOT NULL,
    wrapped_secret  BLOB NOT NULL,
    token_sha256    BLOB NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX role_sessions_by_role ON role_sessions(role_arn);
  CREATE INDEX role_sessions_by_expiry ON role_sessions(expires_at);
  CREATE INDEX role_sessions_by_root ON role_sessions(root_version);
  `,
];
