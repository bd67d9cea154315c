import { DecryptCommand } from "@aws-sdk/client-kms";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Identities } from "../../src/service/identities.js";
import { REGION, startTrent, tempDir, type Harness } from "../support/harness.js";

// Interop smoke test with the Debian AWS CLI v2 (CI installs the `awscli` package). `aws` first
// on PATH may be another CLI (a pyenv v1 here), so /usr/bin/aws is called by its path. Each call
// costs about a second, so the test makes few of them.

const AWS = "/usr/bin/aws";
const SKIP = existsSync(AWS) ? false : `${AWS} not found: install the Debian awscli package to run the AWS CLI smoke test`;
const CALL_TIMEOUT_MS = 60_000;

let h: Harness | undefined;
let work = "";

interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `aws --endpoint-url <trent> kms ...args` with throwaway credentials and config. */
function aws(args: readonly string[], opts: { secret?: string; service?: string; keyId?: string; token?: string } = {}): Promise<CliResult> {
  const empty = join(work, "empty");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: work,
    LANG: "C.UTF-8",
    AWS_ACCESS_KEY_ID: opts.keyId ?? "test",
    AWS_SECRET_ACCESS_KEY: opts.secret ?? "test",
    ...(opts.token !== undefined ? { AWS_SESSION_TOKEN: opts.token } : {}),
    AWS_DEFAULT_REGION: REGION,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_PAGER: "",
    AWS_MAX_ATTEMPTS: "1",
  };
  return new Promise((resolve) => {
    execFile(
      AWS,
      ["--endpoint-url", h?.endpoint ?? "", opts.service ?? "kms", ...args],
      { env, timeout: CALL_TIMEOUT_MS, maxBuffer: 1024 * 1024, encoding: "utf8" },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === "number" ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs a call that must succeed; on failure the message shows the CLI's stderr (never plaintext). */
async function ok(args: readonly string[]): Promise<string> {
  const r = await aws(args);
  assert.equal(r.code, 0, `aws kms ${args[0]} failed (${r.code}): ${r.stderr.slice(0, 1000)}`);
  return r.stdout;
}

before(async () => {
  if (SKIP !== false) return;
  work = tempDir("trent-awscli-");
  writeFileSync(join(work, "empty"), "");
  h = await startTrent();
});
after(async () => {
  await h?.stop();
  if (work !== "") rmSync(work, { recursive: true, force: true });
});

describe("AWS CLI v2 against Trent", { skip: SKIP }, () => {
  test("create-key, encrypt and decrypt with fileb:// round-trip binary plaintext, and the SDK decrypts the CLI's ciphertext", { timeout: 180_000 }, async () => {
    const created = JSON.parse(await ok(["create-key", "--description", "cli smoke"])) as { KeyMetadata?: { KeyId?: string; KeyState?: string } };
    const keyId = created.KeyMetadata?.KeyId;
    assert.ok(keyId);
    assert.equal(created.KeyMetadata?.KeyState, "Enabled");

    const plaintext = Buffer.concat([randomBytes(61), Buffer.of(0x00, 0xff, 0x0a)]); // not valid UTF-8, has a NUL and a newline
    writeFileSync(join(work, "plain.bin"), plaintext);
    const b64 = (
      await ok([
        "encrypt", "--key-id", keyId, "--plaintext", `fileb://${join(work, "plain.bin")}`,
        "--encryption-context", "tenant=acme,purpose=cli",
        "--output", "text", "--query", "CiphertextBlob",
      ])
    ).trim();
    assert.match(b64, /^[A-Za-z0-9+/]+={0,2}$/);
    const blob = Buffer.from(b64, "base64");
    writeFileSync(join(work, "cipher.bin"), blob);

    const out = (
      await ok([
        "decrypt", "--ciphertext-blob", `fileb://${join(work, "cipher.bin")}`,
        "--encryption-context", "purpose=cli,tenant=acme",
        "--output", "text", "--query", "Plaintext",
      ])
    ).trim();
    assert.ok(Buffer.from(out, "base64").equals(plaintext), "the CLI decrypted other bytes");
    assert.ok(readFileSync(join(work, "cipher.bin")).equals(blob));

    const sdk = h?.client();
    assert.ok(sdk);
    const viaSdk = await sdk.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { tenant: "acme", purpose: "cli" } }));
    assert.ok(Buffer.from(viaSdk.Plaintext ?? []).equals(plaintext), "the SDK decrypted other bytes");

    // Without the encryption context the CLI reports InvalidCiphertextException (exit code 254).
    const bad = await aws(["decrypt", "--ciphertext-blob", `fileb://${join(work, "cipher.bin")}`]);
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /InvalidCiphertextException/);

    await ok(["create-alias", "--alias-name", "alias/cli-smoke", "--target-key-id", keyId]);
    const described = JSON.parse(await ok(["describe-key", "--key-id", "alias/cli-smoke"])) as { KeyMetadata?: { KeyId?: string; Arn?: string } };
    assert.equal(described.KeyMetadata?.KeyId, keyId);
    assert.match(described.KeyMetadata?.Arn ?? "", new RegExp(`^arn:aws:kms:${REGION}:\\d{12}:key/${keyId}$`));
  });

  test("a request signed with a wrong secret is refused: exit code 254 and InvalidSignatureException", { timeout: 120_000 }, async () => {
    const r = await aws(["list-keys"], { secret: "not-the-secret" });
    assert.equal(r.code, 254, `expected exit code 254, got ${r.code}`);
    assert.match(r.stderr, /InvalidSignatureException/);
    assert.equal(r.stdout, "");
  });

  test("sts get-caller-identity and assume-role; the session's credentials call KMS and STS", { timeout: 180_000 }, async () => {
    const me = await aws(["get-caller-identity"], { service: "sts" });
    assert.equal(me.code, 0, me.stderr.slice(0, 1000));
    assert.deepEqual(JSON.parse(me.stdout), { UserId: "111122223333", Account: "111122223333", Arn: "arn:aws:iam::111122223333:root" });
    const trent = h?.trent ?? assert.fail("no Trent");
    const ids = new Identities(trent.store, trent.keystore);
    const role = await ids.createPrincipal("111122223333", "Role", "CliRole");
    const assumed = await aws(["assume-role", "--role-arn", role.arn, "--role-session-name", "cli-session", "--duration-seconds", "900"], { service: "sts" });
    assert.equal(assumed.code, 0, assumed.stderr.slice(0, 1000));
    const out = JSON.parse(assumed.stdout) as {
      Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string };
      AssumedRoleUser: { AssumedRoleId: string; Arn: string };
    };
    assert.match(out.Credentials.AccessKeyId, /^ASIA[A-Z0-9]{16}$/);
    assert.equal(out.AssumedRoleUser.Arn, "arn:aws:sts::111122223333:assumed-role/CliRole/cli-session");
    assert.ok(Date.parse(out.Credentials.Expiration) > Date.now());
    const session = { keyId: out.Credentials.AccessKeyId, secret: out.Credentials.SecretAccessKey, token: out.Credentials.SessionToken };
    const who = await aws(["get-caller-identity"], { service: "sts", ...session });
    assert.equal(who.code, 0, who.stderr.slice(0, 1000));
    assert.equal((JSON.parse(who.stdout) as { Arn: string }).Arn, "arn:aws:sts::111122223333:assumed-role/CliRole/cli-session");
    // The role has no identity policy and the default key policy delegates to IAM: denied.
    const denied = await aws(["list-keys"], session);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDeniedException/);
    const noToken = await aws(["get-caller-identity"], { service: "sts", keyId: session.keyId, secret: session.secret });
    assert.notEqual(noToken.code, 0);
    assert.match(noToken.stderr, /InvalidClientTokenId/);
  });
});
