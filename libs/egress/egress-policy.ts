import ipaddr from 'ipaddr.js';

/** Why an address was refused: the ipaddr.js range name, e.g. `loopback`, `private`, `linkLocal`. */
export type EgressVerdict = { allowed: true } | { allowed: false; reason: string };

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Which destinations an org may reach. Only globally routable unicast addresses are allowed, unless
 * the operator's allow-list (EGRESS_ALLOW: CIDRs and host names) opens a destination. IPv4-mapped
 * and NAT64 IPv6 forms are judged by the IPv4 address they carry.
 */
export class EgressPolicy {
  private readonly cidrs: Cidr[] = [];
  private readonly hosts = new Set<string>();
  private readonly suffixes: string[] = [];

  constructor(allow: readonly string[]) {
    for (const raw of allow) {
      const entry = raw.trim().toLowerCase();
      if (!entry) {
        continue;
      }
      if (entry.includes('/')) {
        this.cidrs.push(normaliseCidr(ipaddr.parseCIDR(entry)));
      } else if (ipaddr.isValid(entry)) {
        const addr = normalise(ipaddr.parse(entry));
        this.cidrs.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
      } else if (entry.startsWith('*.')) {
        this.suffixes.push(entry.slice(1));
      } else {
        this.hosts.add(entry.replace(/\.$/, ''));
      }
    }
  }

  /** Throws on a malformed entry; used by config validation so a typo stops the boot. */
  static validateEntry(entry: string): string | null {
    try {
      new EgressPolicy([entry]);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** True when the operator opened this host name explicitly (any address it resolves to is allowed). */
  allowsHost(host: string): boolean {
    const h = host.toLowerCase().replace(/\.$/, '');
    return this.hosts.has(h) || this.suffixes.some((s) => h.endsWith(s));
  }

  check(host: string, address: string): EgressVerdict {
    if (this.allowsHost(host)) {
      return { allowed: true };
    }
    if (!ipaddr.isValid(address)) {
      return { allowed: false, reason: 'invalid_address' };
    }
    const addr = normalise(ipaddr.parse(address));
    if (this.cidrs.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))) {
      return { allowed: true };
    }
    const range = addr.range();
    return range === 'unicast' ? { allowed: true } : { allowed: false, reason: range };
  }
}

/** IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) addresses stand for the IPv4 address inside. */
function normalise(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      return v6.toIPv4Address();
    }
    if (v6.range() === 'rfc6052') {
      const b = v6.toByteArray();
      return new ipaddr.IPv4(b.slice(12, 16));
    }
  }
  return addr;
}

function normaliseCidr([addr, bits]: [ipaddr.IPv4 | ipaddr.IPv6, number]): Cidr {
  const n = normalise(addr);
  return n.kind() === addr.kind() ? [n, bits] : [n, Math.max(0, bits - 96)];
}
