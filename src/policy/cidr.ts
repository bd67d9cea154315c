/**
 * IPv4 and IPv6 addresses and CIDR blocks for the IpAddress / NotIpAddress operators. An address
 * written without a prefix is a /32 (IPv4) or /128 (IPv6) block. An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d, what Node reports for IPv4 clients on a dual-stack socket) is compared as IPv4;
 * an IPv6 block never contains an IPv4 client.
 */

export interface IpAddr {
  readonly v: 4 | 6;
  readonly n: bigint;
}

export interface Cidr {
  readonly v: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = (n << 8n) | BigInt(v);
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (s.length === 0 || s.includes(":::")) return undefined;
  let head = s;
  let tailV4: bigint | undefined;
  const lastColon = s.lastIndexOf(":");
  if (s.slice(lastColon + 1).includes(".")) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === undefined) return undefined;
    head = s.slice(0, lastColon + 1);
    if (head.endsWith(":") && !head.endsWith("::")) head = head.slice(0, -1);
  }
  const groupsWanted = tailV4 === undefined ? 8 : 6;
  const dbl = head.indexOf("::");
  if (dbl !== head.lastIndexOf("::")) return undefined;
  const toGroups = (x: string): string[] | undefined => (x === "" ? [] : x.split(":"));
  let groups: string[];
  if (dbl >= 0) {
    const left = toGroups(head.slice(0, dbl));
    const right = toGroups(head.slice(dbl + 2));
    if (left === undefined || right === undefined) return undefined;
    const missing = groupsWanted - left.length - right.length;
    if (missing < 1) return undefined;
    groups = [...left, ...Array<string>(missing).fill("0"), ...right];
  } else {
    groups = toGroups(head) ?? [];
  }
  if (groups.length !== groupsWanted) return undefined;
  let n = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== undefined) n = (n << 32n) | tailV4;
  return n;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** The last address parsed: one request compares its source address with every block of a policy. */
let lastIp: { readonly s: string; readonly ip: IpAddr | undefined } = { s: "", ip: undefined };

export function parseIp(s: string): IpAddr | undefined {
  if (s === lastIp.s) return lastIp.ip;
  const ip = parseIpUncached(s);
  lastIp = { s, ip };
  return ip;
}

function parseIpUncached(s: string): IpAddr | undefined {
  const text = s.trim();
  const v4 = parseV4(text);
  if (v4 !== undefined) return { v: 4, n: v4 };
  const v6 = parseV6(text);
  if (v6 === undefined) return undefined;
  if (v6 >> 32n === 0xffffn) return { v: 4, n: v6 & 0xffffffffn };
  return { v: 6, n: v6 };
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf("/");
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const addr = parseIp(addrText);
  if (addr === undefined) return undefined;
  // A mapped IPv6 block keeps its IPv6 width for the prefix.
  const mapped = addr.v === 4 && addrText.includes(":");
  const width = addr.v === 4 && !mapped ? 32 : 128;
  let bits = width;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    bits = Number(p);
    if (bits > width) return undefined;
  }
  if (mapped) {
    if (bits < 96) return { v: 6, base: mask(MAPPED_PREFIX | addr.n, 128, bits), bits };
    return { v: 4, base: mask(addr.n, 32, bits - 96), bits: bits - 96 };
  }
  return { v: addr.v, base: mask(addr.n, width, bits), bits };
}

function mask(n: bigint, width: number, bits: number): bigint {
  const hostBits = BigInt(width - bits);
  return (n >> hostBits) << hostBits;
}

/** IPv4 blocks as plain numbers [first, last], computed once per block (BigInt masks are slow). */
const v4Ranges = new WeakMap<Cidr, readonly [number, number]>();
const v4Numbers = new WeakMap<IpAddr, number>();

export function cidrContains(c: Cidr, ip: IpAddr): boolean {
  if (c.v !== ip.v) return false;
  if (c.v === 4) {
    let range = v4Ranges.get(c);
    if (range === undefined) {
      const first = Number(c.base);
      range = [first, first + 2 ** (32 - c.bits) - 1];
      v4Ranges.set(c, range);
    }
    let n = v4Numbers.get(ip);
    if (n === undefined) {
      n = Number(ip.n);
      v4Numbers.set(ip, n);
    }
    return n >= range[0] && n <= range[1];
  }
  return mask(ip.n, 128, c.bits) === c.base;
}
