#!/usr/bin/env node
import { Command } from "commander";
import { resolveConfig, type ConfigFlags } from "../service/config.js";
import { Trent } from "../service/trent.js";
import { registerAuditCommands } from "./audit-command.js";
import { registerExplainCommand } from "./explain-command.js";
import { registerIdentityCommands } from "./identity-commands.js";
import { registerKeyCommands } from "./key-commands.js";
import { registerOperatorCommands } from "./operator-commands.js";

const program = new Command();
program.name("trent").description("A self-hosted key management service that speaks the AWS KMS API.");

program
  .command("serve")
  .description("start the service (dev mode by default: 127.0.0.1, SQLite, access key test/test)")
  .option("--mode <mode>", "dev or production (env TRENT_MODE)")
  .option("--host <host>", "address to bind (env TRENT_HOST, default 127.0.0.1)")
  .option("--port <port>", "port to listen on, 0 for any free port (env TRENT_PORT, default 4599)")
  .option("--data-dir <dir>", "where keys and state live (env TRENT_DATA_DIR, default ./.trent)")
  .option("--dev-account-id <id>", "account id of the dev account (env TRENT_DEV_ACCOUNT_ID, default 111122223333)")
  .option("--keystore <kind>", "root of trust: software (dev default), sealed (production default) or pkcs11 (env TRENT_KEYSTORE)")
  .option("--pkcs11-module <path>", "PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so (env TRENT_PKCS11_MODULE)")
  .option("--pkcs11-token-label <label>", "token label (env TRENT_PKCS11_TOKEN_LABEL)")
  .option("--pkcs11-pin-file <file>", "file holding the token user PIN (env TRENT_PKCS11_PIN_FILE; or the PIN in env TRENT_PKCS11_PIN)")
  .option("--database-url <url>", "PostgreSQL connection string for several nodes (env TRENT_DATABASE_URL; default SQLite)")
  .option("--tls-cert <file>", "TLS certificate (PEM) (env TRENT_TLS_CERT)")
  .option("--tls-key <file>", "TLS private key (PEM) (env TRENT_TLS_KEY)")
  .option("--log-level <level>", "fatal, error, warn, info, debug, trace or silent (env TRENT_LOG_LEVEL, default info)")
  .option(
    "--hsm-clusters <file>",
    'JSON mapping CloudHSM cluster ids of custom key stores to PKCS#11 tokens: {"cluster-…": {"modulePath", "tokenLabel"}} (env TRENT_HSM_CLUSTERS: a file, or the JSON)',
  )
  .action(async (flags: ConfigFlags) => {
    const config = resolveConfig(flags, process.env);
    const trent = await Trent.start(config);
    trent.logger.info({ mode: config.mode, endpoint: trent.endpoint, dataDir: config.dataDir }, "trent listening");
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      trent.logger.info({ signal }, "stopping");
      trent.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });

registerIdentityCommands(program);
registerOperatorCommands(program);
registerAuditCommands(program);
registerKeyCommands(program);
registerExplainCommand(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`trent: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
