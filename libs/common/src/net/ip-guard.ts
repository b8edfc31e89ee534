import { BlockList, isIP } from 'node:net';

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

/** True when `ip` (v4 or v6, incl. IPv4-mapped v6) is in a range that must not be fetched. */
export function isBlockedAddress(ip: string): boolean {
  const bare = ip.replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return blocked.check(mapped[1], 'ipv4');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family === 6) return blocked.check(bare, 'ipv6');
  return false;
}

/** Host names that always mean this machine. */
export function isLocalHostname(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'metadata.google.internal';
}

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

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
