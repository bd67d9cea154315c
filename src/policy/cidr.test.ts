import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { cidrContains, parseCidr, parseIp } from "./cidr.js";

function inBlock(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = parseIp(ip);
  assert.ok(c, `cidr ${cidr}`);
  assert.ok(a, `ip ${ip}`);
  return cidrContains(c, a);
}

describe("IP addresses and CIDR blocks", () => {
  test("an IPv4 /24 contains exactly its 256 addresses", () => {
    assert.ok(inBlock("203.0.113.0/24", "203.0.113.0"));
    assert.ok(inBlock("203.0.113.0/24", "203.0.113.255"));
    assert.ok(!inBlock("203.0.113.0/24", "203.0.114.0"));
  });

  test("an address without a prefix is a /32", () => {
    assert.ok(inBlock("192.0.2.7", "192.0.2.7"));
    assert.ok(!inBlock("192.0.2.7", "192.0.2.8"));
  });

  test("host bits set in the block are ignored, as with a network address", () => {
    assert.ok(inBlock("10.1.2.3/8", "10.200.0.1"));
  });

  test("/0 contains every address of its family", () => {
    assert.ok(inBlock("0.0.0.0/0", "198.51.100.1"));
    assert.ok(inBlock("::/0", "2001:db8::1"));
    assert.ok(!inBlock("::/0", "198.51.100.1"));
  });

  test("IPv6 blocks compare with :: compression, either case of hex digits", () => {
    assert.ok(inBlock("2001:DB8:1234:5678::/64", "2001:db8:1234:5678:abcd::1"));
    assert.ok(!inBlock("2001:DB8:1234:5678::/64", "2001:db8:1234:5679::1"));
    assert.ok(inBlock("::1", "0:0:0:0:0:0:0:1"));
  });

  test("an IPv4-mapped IPv6 client address is compared as IPv4", () => {
    assert.ok(inBlock("203.0.113.0/24", "::ffff:203.0.113.9"));
    assert.deepEqual(parseIp("::ffff:203.0.113.9"), parseIp("203.0.113.9"));
  });

  test("an IPv4 block never contains an IPv6 address and vice versa", () => {
    assert.ok(!inBlock("0.0.0.0/0", "2001:db8::1"));
    assert.ok(!inBlock("2001:db8::/32", "192.0.2.1"));
  });

  test("malformed addresses and prefixes are refused", () => {
    for (const bad of ["256.0.0.1", "1.2.3", "1.2.3.4/33", "2001:db8::/129", "2001:::1", "1:2:3:4:5:6:7:8:9", "hello", "1.2.3.4/x", "::g"]) {
      assert.equal(parseCidr(bad), undefined, bad);
    }
  });

  test("an IPv6 address may end in dotted IPv4", () => {
    assert.ok(inBlock("64:ff9b::/96", "64:ff9b::192.0.2.33"));
  });
});
