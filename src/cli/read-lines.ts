import { createInterface } from "node:readline";

/** Reads up to `count` non-empty lines from stdin (shares are typed or piped, never put in argv). */
export async function readLines(prompt: string, count: number): Promise<string[]> {
  const rl = createInterface({ input: process.stdin, terminal: false });
  if (process.stdin.isTTY) process.stderr.write(prompt);
  const out: string[] = [];
  for await (const line of rl) {
    const t = line.trim();
    if (t !== "") out.push(t);
    if (out.length >= count) break;
  }
  rl.close();
  return out;
}
