import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfPct: number;
}

function shortUrl(url: string): string {
  if (url === "") return "";
  const i = url.indexOf("/dist/");
  if (i >= 0) return url.slice(i + 6);
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm);
  return url.replace(/^file:\/\//, "");
}

/** Self time by function over every non-idle sample of the .cpuprofile files in `dir`. */
export function topSelfTime(dir: string, limit: number): { total: number; top: HotFunction[] } {
  const byFn = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"))) {
    const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile;
    for (const n of p.nodes) {
      const hits = n.hitCount ?? 0;
      if (hits === 0 || n.callFrame.functionName === "(idle)") continue;
      const name = n.callFrame.functionName || "(anonymous)";
      const where = n.callFrame.url === "" ? "" : `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
      const k = `${name} ${where}`;
      const e = byFn.get(k) ?? { name, where, hits: 0 };
      e.hits += hits;
      byFn.set(k, e);
      total += hits;
    }
  }
  const top = [...byFn.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, selfPct: (100 * e.hits) / Math.max(1, total) }));
  return { total, top };
}

interface TreeNode extends ProfileNode {
  children?: number[];
}

/**
 * Inclusive time of the functions whose script URL contains `urlPart` (e.g. "/dist/src/"): the
 * share of non-idle samples with that function anywhere on the stack, each stack counted once.
 */
export function topInclusive(dir: string, urlPart: string, limit: number): HotFunction[] {
  const byFn = new Map<string, { name: string; where: string; hits: number }>();
  let total = 0;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".cpuprofile"))) {
    const p = JSON.parse(readFileSync(join(dir, f), "utf8")) as { nodes: TreeNode[] };
    const byId = new Map<number, TreeNode>(p.nodes.map((n) => [n.id, n]));
    const root = p.nodes[0];
    if (root === undefined) continue;
    // Depth-first with the set of function keys already on the path.
    const stack: Array<{ node: TreeNode; path: ReadonlySet<string> }> = [{ node: root, path: new Set() }];
    for (let guard = 0; stack.length > 0 && guard < 10_000_000; guard++) {
      const { node, path } = stack.pop() as { node: TreeNode; path: ReadonlySet<string> };
      const cf = node.callFrame;
      let here = path;
      if (cf.url.includes(urlPart)) {
        const name = cf.functionName || "(anonymous)";
        const where = `${shortUrl(cf.url)}:${cf.lineNumber + 1}`;
        const key = `${name} ${where}`;
        if (!path.has(key)) {
          here = new Set(path).add(key);
          if (!byFn.has(key)) byFn.set(key, { name, where, hits: 0 });
        }
      }
      const hits = cf.functionName === "(idle)" ? 0 : (node.hitCount ?? 0);
      total += hits;
      if (hits > 0) for (const key of here) (byFn.get(key) as { hits: number }).hits += hits;
      for (const id of node.children ?? []) {
        const child = byId.get(id);
        if (child !== undefined) stack.push({ node: child, path: here });
      }
    }
  }
  return [...byFn.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, limit)
    .map((e) => ({ name: e.name, where: e.where, selfPct: (100 * e.hits) / Math.max(1, total) }));
}
