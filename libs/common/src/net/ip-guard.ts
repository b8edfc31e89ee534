import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, LookupFunction } from 'node:net';

/**
 * Addresses an operator-supplied URL must never reach (SSRF): loopback, private,
 * link-local (incl. cloud metadata 169.254.169.254), CGNAT, unspecified, multicast,
 * reserved and IPv6 unique-local ranges.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad included), or null. */
function ipv6Groups(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let text = ip;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const part = (x: string | undefined) => (x ? x.split(':').map((h) => parseInt(h, 16)) : []);
  const left = part(head);
  const right = part(tail);
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : null;
}

const quadOf = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 form carries and a router would reach: IPv4-compatible
 * (`::a.b.c.d`), 6to4 (`2002:AABB:CCDD::/48`), NAT64 (`64:ff9b::/96`, local-use
 * `64:ff9b:1::/48`); null for any other address.
 */
function embeddedIPv4(ip: string): string | null {
  const g = ipv6Groups(ip);
  if (!g) return null;
  if (g.slice(0, 6).every((x) => x === 0) && (g[6] !== 0 || g[7] > 1)) return quadOf(g[6], g[7]);
  if (g[0] === 0x2002) return quadOf(g[1], g[2]);
  if (g[0] === 0x64 && g[1] === 0xff9b) return quadOf(g[6], g[7]);
  return null;
}

/** True when `ip` (v4 or v6, incl. IPv4-mapped v6) is in a range that must not be fetched. */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  // An IPv6 form that embeds a private IPv4 (IPv4-compatible, 6to4, NAT64) is that IPv4.
  const embedded = embeddedIPv4(bare);
  if (embedded && blocked.check(embedded, 'ipv4')) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  // The URL parser writes [::ffff:127.0.0.1] as [::ffff:7f00:1]; judge it as the IPv4 it carries.
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mappedHex) {
    const hi = parseInt(mappedHex[1], 16);
    const lo = parseInt(mappedHex[2], 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, 'ipv4');
  }
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) return blocked.check(bare, 'ipv6');
  return false;
}

/** Host names that always mean this machine. */
function isLocalHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'metadata.google.internal';
}

type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * Static check of an operator-supplied image URL: http(s) only, and no literal private,
 * loopback or link-local address or local host name unless the host is allow-listed.
 * Names that *resolve* to such addresses are refused again at download time.
 */
export function checkPublicHttpUrl(value: string, allowedHosts: readonly string[]): UrlCheck {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { ok: false, reason: 'must be an absolute http(s) URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'only http and https URLs are allowed' };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'credentials in URLs are not allowed' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowedHosts.some((h) => h.toLowerCase() === host)) return { ok: true, url };
  if (isLocalHostname(host) || isBlockedAddress(host)) {
    return { ok: false, reason: 'must not point at a private, loopback or link-local address' };
  }
  return { ok: true, url };
}

/** Error code of a connection refused by {@link guardedLookup}. */
export const BLOCKED_ADDRESS_CODE = 'E_BLOCKED_ADDRESS';

/**
 * A `lookup` for http(s) agents that refuses host names resolving to a blocked address
 * (unless the host is allow-listed). Checking at connect time, on the very addresses the
 * socket will use, closes the gap a DNS answer that changes between check and fetch leaves.
 */
export function guardedLookup(allowedHosts: readonly string[]): LookupFunction {
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (!allowed.has(hostname.toLowerCase())) {
        const bad = addresses.find((a) => isBlockedAddress(a.address));
        if (bad) {
          const e: NodeJS.ErrnoException = new Error(
            `${hostname} resolves to a private, loopback or link-local address`,
          );
          e.code = BLOCKED_ADDRESS_CODE;
          return callback(e, '', 0);
        }
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
