import { BlockList, isIP } from 'node:net';

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address; null when malformed. */
export function parseCidr(value: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const [address, prefixRaw, ...rest] = value.trim().split('/');
  if (rest.length) {
    return null;
  }
  const v = isIP(address);
  if (!v) {
    return null;
  }
  const max = v === 4 ? 32 : 128;
  const prefix = prefixRaw === undefined ? max : /^\d{1,3}$/.test(prefixRaw) ? Number(prefixRaw) : NaN;
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    return null;
  }
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** True when `ip` falls in one of the CIDRs; an empty list allows everyone. */
export function ipAllowed(ip: string | null, cidrs: string[]): boolean {
  if (!cidrs.length) {
    return true;
  }
  if (!ip) {
    return false;
  }
  const addr = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
  const list = new BlockList();
  for (const c of cidrs) {
    const p = parseCidr(c);
    if (p) {
      list.addSubnet(p.address, p.prefix, p.family);
    }
  }
  return list.check(addr, family);
}
