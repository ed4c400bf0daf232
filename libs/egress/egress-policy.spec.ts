import { EgressPolicy } from './egress-policy';

describe('EgressPolicy', () => {
  const closed = new EgressPolicy([]);

  it.each([
    ['127.0.0.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd12::1', 'uniqueLocal'],
    ['fd00:ec2::254', 'uniqueLocal'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.2', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::7f00:2', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'linkLocal'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(closed.check('example.org', address)).toEqual({ allowed: false, reason });
  });

  it.each(['8.8.8.8', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808'])('allows public %s', (address) => {
    expect(closed.check('example.org', address)).toEqual({ allowed: true });
  });

  it('opens exactly the allow-listed CIDRs and addresses', () => {
    const p = new EgressPolicy(['127.0.0.1', '10.0.0.0/8', 'fd00::/8']);
    expect(p.check('x', '127.0.0.1').allowed).toBe(true);
    expect(p.check('x', '::ffff:127.0.0.1').allowed).toBe(true);
    expect(p.check('x', '127.0.0.2').allowed).toBe(false);
    expect(p.check('x', '10.9.8.7').allowed).toBe(true);
    expect(p.check('x', 'fd00:ec2::254').allowed).toBe(true);
    expect(p.check('x', '192.168.0.1').allowed).toBe(false);
  });

  it('opens allow-listed host names whatever they resolve to', () => {
    const p = new EgressPolicy(['db.internal', '*.corp.example']);
    expect(p.check('db.internal', '10.0.0.5').allowed).toBe(true);
    expect(p.check('a.b.corp.example', '10.0.0.5').allowed).toBe(true);
    expect(p.check('corp.example.evil', '10.0.0.5').allowed).toBe(false);
    expect(p.check('other.internal', '10.0.0.5').allowed).toBe(false);
  });

  it('reports malformed entries', () => {
    expect(EgressPolicy.validateEntry('10.0.0.0/33')).not.toBeNull();
    expect(EgressPolicy.validateEntry('10.0.0.0/8')).toBeNull();
  });
});
