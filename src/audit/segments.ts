import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Audit segment files: `<dataDir>/audit/audit-000001.jsonl`, numbered from 1 without gaps. */

export const SEGMENT_RE = /^audit-(\d{6,})\.jsonl$/;

export function segmentName(index: number): string {
  return `audit-${String(index).padStart(6, "0")}.jsonl`;
}

export function auditDir(dataDir: string): string {
  return join(dataDir, "audit");
}

export interface SegmentFile {
  readonly index: number;
  readonly name: string;
  readonly path: string;
}

/** Segment files present in `dir`, in index order; an absent directory has none. */
export async function listSegments(dir: string): Promise<SegmentFile[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: SegmentFile[] = [];
  for (const name of names) {
    const m = SEGMENT_RE.exec(name);
    if (m?.[1] !== undefined) out.push({ index: Number(m[1]), name, path: join(dir, name) });
  }
  return out.sort((a, b) => a.index - b.index);
}

export interface SplitSegment {
  /** Complete lines (without their newline) and the byte offset each starts at. */
  readonly lines: readonly { readonly text: string; readonly offset: number }[];
  /** Bytes after the last newline: an incomplete line (crash, failed write, or a cut file). */
  readonly partial: { readonly offset: number; readonly bytes: Buffer } | undefined;
}

export function splitSegment(buf: Buffer): SplitSegment {
  const lines: { text: string; offset: number }[] = [];
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    lines.push({ text: buf.toString("utf8", start, nl), offset: start });
    start = nl + 1;
  }
  const partial = start < buf.length ? { offset: start, bytes: buf.subarray(start) } : undefined;
  return { lines, partial };
}

export async function readSegment(path: string): Promise<SplitSegment> {
  return splitSegment(await readFile(path));
}
