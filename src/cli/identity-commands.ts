import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { Identities, IdentityError } from "../service/identities.js";
import type { Store } from "../store/store.js";
import { openDataDir, printResult, type OutputFormat } from "./data-dir.js";

interface Common {
  dataDir?: string;
  output?: OutputFormat;
}

/** Runs an identity command against a data directory, printing IdentityErrors plainly. */
async function withIdentities(
  opts: Common,
  fn: (ids: Identities, out: OutputFormat, store: Store) => Promise<void>,
): Promise<void> {
  const dir = await openDataDir(opts.dataDir);
  try {
    await fn(new Identities(dir.store, dir.keystore), opts.output ?? "text", dir.store);
  } catch (e) {
    if (e instanceof IdentityError) {
      process.stderr.write(`trent: ${e.message}\n`);
      process.exitCode = 1;
    } else throw e;
  } finally {
    await dir.close();
  }
}

function common(cmd: Command): Command {
  return cmd
    .option("--data-dir <dir>", "data directory (env TRENT_DATA_DIR, default ./.trent)")
    .option("--output <format>", "text or json", "text");
}

function readDocument(arg: string): string {
  if (arg.startsWith("file://")) return readFileSync(arg.slice("file://".length), "utf8");
  return arg.startsWith("@") ? readFileSync(arg.slice(1), "utf8") : arg;
}

/** `trent account|user|role|principal|access-key|identity-policy ...` */
export function registerIdentityCommands(program: Command): void {
  const account = program.command("account").description("accounts (each has a root principal)");
  common(account.command("create").description("create an account").option("--account-id <id>", "12 digits (random if absent)")).action(
    (o: Common & { accountId?: string }) =>
      withIdentities(o, async (ids, out) => printResult(out, await ids.createAccount(o.accountId))),
  );
  common(account.command("list").description("list accounts")).action((o: Common) =>
    withIdentities(o, async (_ids, out, store) =>
      printResult(out, (await store.listAccounts()).map((a) => ({ accountId: a.accountId }))),
    ),
  );

  common(account.command("delete").description("delete an account, its users, roles and access keys (refused while it has keys)").requiredOption("--account-id <id>", "12 digits")).action(
    (o: Common & { accountId: string }) =>
      withIdentities(o, async (ids, out) => {
        await ids.deleteAccount(o.accountId);
        printResult(out, { Deleted: o.accountId });
      }),
  );

  for (const [noun, type] of [
    ["user", "IAMUser"],
    ["role", "Role"],
  ] as const) {
    const cmd = program.command(noun).description(`IAM ${noun}s`);
    const create = cmd
      .command("create")
      .description(`create an IAM ${noun}`)
      .requiredOption("--account-id <id>", "account")
      .requiredOption("--name <name>", `${noun} name`)
      .option("--with-access-key", "also create an access key and print its secret once");
    if (type === "Role") create.option("--trust-policy <json>", "trust policy (AssumeRolePolicyDocument) JSON, @path or file://path; default: the role's own account");
    common(create).action((o: Common & { accountId: string; name: string; withAccessKey?: boolean; trustPolicy?: string }) =>
      withIdentities(o, async (ids, out) => {
        const p = await ids.createPrincipal(o.accountId, type, o.name, o.trustPolicy === undefined ? undefined : readDocument(o.trustPolicy));
        const key = o.withAccessKey ? await ids.createAccessKey(p.arn) : undefined;
        printResult(out, {
          Arn: p.arn,
          PrincipalId: p.principalId,
          ...(key ? { AccessKeyId: key.accessKeyId, SecretAccessKey: key.secretAccessKey } : {}),
        });
      }),
    );
  }

  const trust = program.commands.find((c) => c.name() === "role")?.command("trust-policy").description("a role's trust policy (AssumeRolePolicyDocument)");
  if (trust !== undefined) {
    common(
      trust
        .command("put")
        .description("replace the role's trust policy")
        .requiredOption("--arn <arn>", "role ARN")
        .requiredOption("--document <json>", "policy JSON, @path or file://path"),
    ).action((o: Common & { arn: string; document: string }) =>
      withIdentities(o, async (ids, out) => {
        await ids.putTrustPolicy(o.arn, readDocument(o.document));
        printResult(out, { Arn: o.arn });
      }),
    );
    common(trust.command("get").description("print the role's trust policy").requiredOption("--arn <arn>", "role ARN")).action((o: Common & { arn: string }) =>
      withIdentities(o, async (ids, out) => printResult(out, { Arn: o.arn, AssumeRolePolicyDocument: await ids.trustPolicy(o.arn) })),
    );
  }

  const principal = program.command("principal").description("users, roles and account roots");
  common(principal.command("list").description("list principals of an account").requiredOption("--account-id <id>", "account")).action(
    (o: Common & { accountId: string }) =>
      withIdentities(o, async (_ids, out, store) => {
        const ps = await store.listPrincipals(o.accountId);
        printResult(out, ps.map((p) => ({ Arn: p.arn, Type: p.type, Policies: Object.keys(p.policies) })));
      }),
  );
  common(principal.command("delete").description("delete a user or role and its access keys").requiredOption("--arn <arn>", "principal ARN")).action(
    (o: Common & { arn: string }) => withIdentities(o, async (ids, out) => {
      await ids.deletePrincipal(o.arn);
      printResult(out, { Deleted: o.arn });
    }),
  );

  const ak = program.command("access-key").description("access keys (SigV4 credentials)");
  common(ak.command("create").description("create an access key; prints the secret once").requiredOption("--arn <arn>", "principal ARN")).action(
    (o: Common & { arn: string }) =>
      withIdentities(o, async (ids, out) => {
        const k = await ids.createAccessKey(o.arn);
        printResult(out, { Arn: k.principalArn, AccessKeyId: k.accessKeyId, SecretAccessKey: k.secretAccessKey });
      }),
  );
  common(ak.command("list").description("list access keys of a principal").requiredOption("--arn <arn>", "principal ARN")).action(
    (o: Common & { arn: string }) =>
      withIdentities(o, async (_ids, out, store) => {
        const ks = await store.listAccessKeys(o.arn);
        printResult(out, ks.map((k) => ({ AccessKeyId: k.accessKeyId, Status: k.status, CreateDate: new Date(k.createdAt).toISOString() })));
      }),
  );
  common(ak.command("delete").description("delete an access key").requiredOption("--access-key-id <id>", "access key id")).action(
    (o: Common & { accessKeyId: string }) => withIdentities(o, async (ids, out) => {
      await ids.deleteAccessKey(o.accessKeyId);
      printResult(out, { Deleted: o.accessKeyId });
    }),
  );

  const pol = program.command("identity-policy").description("identity (IAM) policies of users and roles");
  common(
    pol
      .command("attach")
      .description("attach (or replace) a named identity policy")
      .requiredOption("--arn <arn>", "user or role ARN")
      .requiredOption("--name <name>", "policy name")
      .requiredOption("--document <json>", "policy JSON, or file://path"),
  ).action((o: Common & { arn: string; name: string; document: string }) =>
    withIdentities(o, async (ids, out) => {
      await ids.putPolicy(o.arn, o.name, readDocument(o.document));
      printResult(out, { Arn: o.arn, PolicyName: o.name });
    }),
  );
  common(pol.command("detach").description("remove a named identity policy").requiredOption("--arn <arn>", "ARN").requiredOption("--name <name>", "policy name")).action(
    (o: Common & { arn: string; name: string }) =>
      withIdentities(o, async (ids, out) => {
        await ids.deletePolicy(o.arn, o.name);
        printResult(out, { Arn: o.arn, Detached: o.name });
      }),
  );
  common(pol.command("get").description("print identity policies").requiredOption("--arn <arn>", "ARN").option("--name <name>", "one policy")).action(
    (o: Common & { arn: string; name?: string }) =>
      withIdentities(o, async (ids, out) => {
        const p = await ids.principal(o.arn);
        if (o.name !== undefined) {
          const doc = p.policies[o.name];
          if (doc === undefined) throw new IdentityError(`${o.arn} has no policy named ${o.name}`);
          printResult(out, { Arn: o.arn, PolicyName: o.name, PolicyDocument: doc });
        } else printResult(out, { Arn: o.arn, Policies: p.policies });
      }),
  );
}
