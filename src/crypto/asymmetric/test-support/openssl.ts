/**
 * Test support: run the `openssl` command line (3.0 on these machines) on files in a temporary
 * directory that is removed afterwards. Used only by the interop tests beside this folder.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface OpensslResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs openssl with a timeout; never rejects for a non-zero exit (the code says it). */
export function openssl(args: readonly string[], cwd?: string): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile(
      "openssl",
      args,
      { cwd, timeout: 30_000, encoding: "buffer", maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== "number") {
          reject(err);
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr: stderr.toString("utf8") });
      },
    );
  });
}

/** PEM armour for DER bytes. */
export function pem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64}${b64.endsWith("\n") ? "" : "\n"}-----END ${label}-----\n`;
}

export class TempDir {
  private constructor(readonly path: string) {}

  static async create(): Promise<TempDir> {
    return new TempDir(await mkdtemp(join(tmpdir(), "trent-asym-")));
  }

  /** Writes a file and returns its absolute path. */
  async write(name: string, data: string | Uint8Array): Promise<string> {
    const p = join(this.path, name);
    await writeFile(p, data);
    return p;
  }

  read(name: string): Promise<Buffer> {
    return readFile(join(this.path, name));
  }

  file(name: string): string {
    return join(this.path, name);
  }

  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** Writes a public SPKI as PEM and a private PKCS#8 as PEM; returns their paths. */
export async function writeKeyPair(
  dir: TempDir,
  name: string,
  keys: { publicKey: Uint8Array; privateKey?: Uint8Array },
): Promise<{ pub: string; priv: string }> {
  const pub = await dir.write(`${name}.pub.pem`, pem("PUBLIC KEY", keys.publicKey));
  const priv = keys.privateKey ? await dir.write(`${name}.key.pem`, pem("PRIVATE KEY", keys.privateKey)) : "";
  return { pub, priv };
}
