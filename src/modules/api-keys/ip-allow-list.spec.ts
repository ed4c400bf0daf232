import { ipAllowed, parseCidr } from './ip-allow-list';

describe('ip allow-list', () => {
  it('parses IPv4/IPv6 CIDRs and bare addresses, rejects malformed ones', () => {
    expect(parseCidr('10.20.0.0/16')).toEqual({ address: '10.20.0.0', prefix: 16, family: 'ipv4' });
    expect(parseCidr('192.0.2.7')).toEqual({ address: '192.0.2.7', prefix: 32, family: 'ipv4' });
    expect(parseCidr('2001:db8::/32')).toEqual({ address: '2001:db8::', prefix: 32, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'abc', '10.0.0.0/8/1', '10.0.0.0/-1', '::/129', '']) {
      expect(parseCidr(bad)).toBeNull();
    }
  });

  it('matches addresses against the list; empty list allows all', () => {
    expect(ipAllowed('1.2.3.4', [])).toBe(true);
    expect(ipAllowed('10.20.255.1', ['10.20.0.0/16'])).toBe(true);
    expect(ipAllowed('10.21.0.1', ['10.20.0.0/16'])).toBe(false);
    expect(ipAllowed('::ffff:10.20.1.1', ['10.20.0.0/16'])).toBe(true);
    expect(ipAllowed('2001:db8::1', ['2001:db8::/32'])).toBe(true);
    expect(ipAllowed('2001:db9::1', ['2001:db8::/32'])).toBe(false);
    expect(ipAllowed(null, ['10.0.0.0/8'])).toBe(false);
  });
});
