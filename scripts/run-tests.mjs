// Runs every compiled test file (dist/**/*.test.js) with node's test runner, several files at
// once. Node 20 does not expand globs itself, so the files are listed here.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith(".test.js")) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
const files = find("dist")
  .filter((f) => filter.length === 0 || filter.some((x) => f.includes(x)))
  .sort();
if (files.length === 0) {
  console.error("no test files found under dist/");
  process.exit(1);
}
const concurrency = process.env.TRENT_TEST_CONCURRENCY ?? "4";
const r = spawnSync(
  process.execPath,
  ["--test", `--test-concurrency=${concurrency}`, "--test-timeout=300000", ...files],
  { stdio: "inherit" },
);
process.exit(r.status ?? 1);
