import type { Command } from "commander";
import { keyUsageReport, type KeyUsageReport } from "../service/key-usage-report.js";
import { openStoreOnly, type OutputFormat } from "./data-dir.js";

/** The report as text: the key, then one line per backing-key version, oldest first. */
export function formatKeyUsage(r: KeyUsageReport): string {
  const last = r.lastUsage === null ? "none since tracking began" : `${r.lastUsage.operation} at ${r.lastUsage.at} (request ${r.lastUsage.requestId})`;
  const lines = [
    `key: ${r.arn}`,
    `state: ${r.keyState}`,
    `created: ${r.keyCreationDate}`,
    `tracking since: ${r.trackingStartDate}`,
    `last use: ${last}`,
    "versions (oldest first):",
  ];
  for (const v of r.versions) {
    const flags = [v.current ? "current" : "", v.present ? "" : "material removed"].filter((f) => f !== "").join(", ");
    lines.push(
      `  ${v.keyMaterialId}${flags !== "" ? ` [${flags}]` : ""}`,
      `    created ${v.createdAt ?? "-"}  origin ${v.origin ?? "-"}`,
      `    encryptions ${v.encryptions} (last ${v.lastEncryptAt ?? "never"})  decryptions ${v.decryptions} (last ${v.lastDecryptAt ?? "never"})`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** `trent key usage --key-id ID`: how much each backing-key version of a key is used. */
export function registerKeyCommands(program: Command): void {
  const key = program.command("key").description("KMS keys (read from the data directory)");
  key
    .command("usage")
    .description(
      "last use of a key and, per backing-key version, encryptions and decryptions since tracking began " +
        "(a running server adds its counts every TRENT_USAGE_FLUSH_MS, default 5 s)",
    )
    .requiredOption("--key-id <id>", "key id or key ARN")
    .option("--data-dir <dir>", "data directory (env TRENT_DATA_DIR, default ./.trent)")
    .option("--output <format>", "text or json", "text")
    .action(async (o: { keyId: string; dataDir?: string; output?: OutputFormat }) => {
      const store = await openStoreOnly(o.dataDir);
      try {
        const report = await keyUsageReport(store, o.keyId);
        if (report === undefined) {
          process.stderr.write(`trent: no key ${o.keyId}\n`);
          process.exitCode = 1;
          return;
        }
        process.stdout.write(o.output === "json" ? `${JSON.stringify(report, null, 2)}\n` : formatKeyUsage(report));
      } finally {
        await store.close();
      }
    });
}
