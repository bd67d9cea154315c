import { execFileSync } from "node:child_process";
import { copyFileSync, cpSync, readdirSync, readFileSync, statSync, symlinkSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, relative } from "node:path";

export interface CodeSnapshot {
  /** Root of the copy: dist/ (compiled code), node_modules (a link) and package.json. */
  readonly root: string;
  readonly dist: string;
  /** `git rev-parse --short HEAD` of the project, or "unknown". */
  readonly commit: string;
  /** sha256 (12 hex) over the snapshot's dist/src and dist/bench: tells runs of different code apart. */
  readonly fingerprint: string;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) filesUnder(p, out);
    else if (name.endsWith(".js")) out.push(p);
  }
  return out;
}

/**
 * Copies the compiled project (without tests) so that every Trent started in one run executes
 * the same code, even while other people rebuild dist/ in the shared tree.
 */
export function snapshotCode(projectRoot: string, into: string): CodeSnapshot {
  const dist = join(into, "dist");
  cpSync(join(projectRoot, "dist"), dist, {
    recursive: true,
    filter: (src) => !src.endsWith(".test.js") && !src.endsWith(".tsbuildinfo"),
  });
  symlinkSync(join(projectRoot, "node_modules"), join(into, "node_modules"), "dir");
  copyFileSync(join(projectRoot, "package.json"), join(into, "package.json"));
  const h = createHash("sha256");
  for (const f of [...filesUnder(join(dist, "src")), ...filesUnder(join(dist, "bench"))]) {
    h.update(relative(dist, f)).update("\0").update(readFileSync(f));
  }
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: projectRoot, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    // not a git checkout
  }
  return { root: into, dist, commit, fingerprint: h.digest("hex").slice(0, 12) };
}
