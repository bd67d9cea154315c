#!/usr/bin/env node
import { Command } from "commander";
import { resolveConfig } from "../service/config.js";
import { Trent } from "../service/trent.js";
import { registerIdentityCommands } from "./identity-commands.js";

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
  .action(async (flags: { mode?: string; host?: string; port?: string; dataDir?: string; devAccountId?: string }) => {
    const config = resolveConfig(flags, process.env);
    if (config.mode === "production") {
      process.stderr.write("production mode needs a sealed root (trent operator init); it is not available yet\n");
      process.exit(2);
    }
    const trent = await Trent.start(config);
    process.stdout.write(
      `${JSON.stringify({ level: "info", msg: "trent listening", mode: config.mode, endpoint: trent.endpoint, dataDir: config.dataDir })}\n`,
    );
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      process.stdout.write(`${JSON.stringify({ level: "info", msg: "stopping", signal })}\n`);
      trent.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGINT", () => stop("SIGINT"));
  });

registerIdentityCommands(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`trent: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
