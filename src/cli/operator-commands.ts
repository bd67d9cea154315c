import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { Command } from "commander";
import { SealedKeystore } from "../keystore/sealed-keystore.js";
import { defaultDataDir } from "../service/config.js";
import { readLines } from "./read-lines.js";

interface EndpointFlags {
  endpoint?: string;
  caCert?: string;
}

function endpointOf(flags: EndpointFlags): URL {
  return new URL(flags.endpoint ?? process.env["TRENT_ENDPOINT"] ?? "http://127.0.0.1:4599");
}

/** Calls an operator endpoint of a running Trent; returns status and parsed JSON. */
function callOperator(
  flags: EndpointFlags,
  method: "GET" | "POST",
  action: string,
  body?: Record<string, unknown>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(`/_trent/operator/${action}`, endpointOf(flags));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } : {},
        ...(flags.caCert ? { ca: readFileSync(flags.caCert) } : {}),
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown> });
          } catch {
            reject(new Error(`unexpected answer from ${url.origin} (HTTP ${res.statusCode ?? "?"})`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(payload);
  });
}

function print(json: unknown): void {
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
}

function endpointOptions(cmd: Command): Command {
  return cmd
    .option("--endpoint <url>", "Trent endpoint (env TRENT_ENDPOINT, default http://127.0.0.1:4599)")
    .option("--ca-cert <file>", "CA certificate for a TLS endpoint");
}

function counts(o: { shares: string; threshold: string }): { shares: number; threshold: number } {
  return { shares: Number(o.shares), threshold: Number(o.threshold) };
}

/** `trent operator init|unseal|seal|status|rekey` */
export function registerOperatorCommands(program: Command): void {
  const op = program.command("operator").description("the root of trust: sealing with Shamir shares");

  op.command("init")
    .description("create a sealed root in a data directory and print the unseal shares (once)")
    .option("--data-dir <dir>", "data directory (env TRENT_DATA_DIR, default ./.trent)")
    .requiredOption("--shares <n>", "number of shares to issue")
    .requiredOption("--threshold <m>", "shares needed to unseal")
    .action(async (o: { dataDir?: string; shares: string; threshold: string }) => {
      const dir = o.dataDir ?? process.env["TRENT_DATA_DIR"] ?? defaultDataDir();
      if (SealedKeystore.isInitialized(dir)) throw new Error(`${dir} already has a sealed root`);
      const issue = await SealedKeystore.init(dir, counts(o));
      print({
        shareSetId: issue.shareSetId,
        threshold: Number(o.threshold),
        shares: issue.shares,
        note: "Give each share to a different operator. They are shown only now; Trent keeps none of them.",
      });
    });

  endpointOptions(op.command("unseal").description("submit one unseal share to a running Trent (read from stdin unless --share)"))
    .option("--share <text>", "the share (avoid: it lands in shell history)")
    .action(async (o: EndpointFlags & { share?: string }) => {
      const share = o.share ?? (await readLines("share: ", 1))[0];
      if (share === undefined) throw new Error("no share given");
      const r = await callOperator(o, "POST", "unseal", { share });
      print(r.json);
      if (r.status !== 200) process.exitCode = 1;
    });

  endpointOptions(op.command("seal").description("seal a running Trent at once (from the same host)")).action(async (o: EndpointFlags) => {
    const r = await callOperator(o, "POST", "seal");
    print(r.json);
    if (r.status !== 200) process.exitCode = 1;
  });

  endpointOptions(op.command("rotate-root").description("new root key version; every wrapped key is re-wrapped under it (from the same host)")).action(
    async (o: EndpointFlags) => {
      const r = await callOperator(o, "POST", "rotate-root");
      print(r.json);
      if (r.status !== 200) process.exitCode = 1;
    },
  );

  endpointOptions(op.command("status").description("keystore kind, sealed or not, unseal progress")).action(async (o: EndpointFlags) => {
    const r = await callOperator(o, "GET", "status");
    print(r.json);
  });

  op.command("rekey")
    .description("issue new shares (new N and M) for the same root; reads M old shares from stdin, one per line")
    .option("--data-dir <dir>", "data directory (env TRENT_DATA_DIR, default ./.trent)")
    .requiredOption("--shares <n>", "number of new shares")
    .requiredOption("--threshold <m>", "new shares needed to unseal")
    .action(async (o: { dataDir?: string; shares: string; threshold: string }) => {
      const dir = o.dataDir ?? process.env["TRENT_DATA_DIR"] ?? defaultDataDir();
      const ks = await SealedKeystore.open(dir);
      try {
        const needed = ks.unsealProgress().threshold;
        const old = await readLines(`${needed} current shares, one per line:\n`, needed);
        const issue = await ks.rekey(old, counts(o));
        print({ shareSetId: issue.shareSetId, threshold: Number(o.threshold), shares: issue.shares, note: "The old shares no longer unseal." });
      } finally {
        await ks.close();
      }
    });
}
