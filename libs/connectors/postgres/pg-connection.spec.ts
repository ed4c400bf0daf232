import { EgressForbiddenError } from '@libs/egress/egress.errors';
import type { OrgEgress } from '@libs/egress/org-egress';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { TLSSocket } from 'node:tls';
import { testEgress } from '../../../test/support/connectors/connector-context';
import { ConnectorConfigError } from '../connector';
import { connectPg, pgTarget } from './pg-connection';

// self-signed test certificate for CN/SAN db.test (EC P-256, valid until 2126); test material only
const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgeZu866ManwWN91NP
Ds1rndzPJ4qUv0EIBFX3eLRf5x2hRANCAARKfBKEyO7hfQ0W1WX8w/N10FeoKatn
j5zFxtOkD345lUj5wDxlzQWup5RcXVSsHkIi6uztRUHrF2FzivdniIM3
-----END PRIVATE KEY-----
`;
const CERT = `-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUdLtzZT2cQs2ldCXS22M8I2f1MtwwCgYIKoZIzj0EAwIw
EjEQMA4GA1UEAwwHZGIudGVzdDAgFw0yNjEyMDYxNDA3NThaGA8yMTI2MTExMjE0
MDc1OFowEjEQMA4GA1UEAwwHZGIudGVzdDBZMBMGByqGSM49AgEGCCqGSM49AwEH
A0IABEp8EoTI7uF9DRbVZfzD83XQV6gpq2ePnMXG06QPfjmVSPnAPGXNBa6nlFxd
VKweQiLq7O1FQesXYXOK92eIgzejZzBlMB0GA1UdDgQWBBTqxCIuxfEOnNNl/x5T
n5/cePE2sDAfBgNVHSMEGDAWgBTqxCIuxfEOnNNl/x5Tn5/cePE2sDAPBgNVHRMB
Af8EBTADAQH/MBIGA1UdEQQLMAmCB2RiLnRlc3QwCgYIKoZIzj0EAwIDSQAwRgIh
AKLK3J+hmPzhAaEbrE8GFChK8MA/rD7SWZMHBcD4mDkqAiEApud7NklU8Dy8HJ2F
qE8O3F6AwoV73jWo8E8NUYA16xY=
-----END CERTIFICATE-----
`;

function shapeError(fn: () => unknown): ConnectorConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConnectorConfigError);
    expect((e as ConnectorConfigError).kind).toBe('shape');
    return e as ConnectorConfigError;
  }
  throw new Error('expected a shape error');
}

describe('pgTarget (where a postgres source connects, and how)', () => {
  it('reads host fields; TLS off unless asked for, verified when asked for', () => {
    expect(pgTarget({ host: 'db.example.com', database: 'app', user: 'reader', password: 'pw' })).toEqual({
      host: 'db.example.com',
      port: 5432,
      database: 'app',
      user: 'reader',
      password: 'pw',
      tls: null,
    });
    expect(pgTarget({ host: 'h', database: 'd', user: 'u', ssl: true }).tls).toEqual({ verify: true });
    expect(pgTarget({ host: 'h', database: 'd', user: 'u', ssl: {} }).tls).toEqual({ verify: true });
    expect(pgTarget({ host: 'h', database: 'd', user: 'u', ssl: { reject_unauthorized: false } }).tls).toEqual({
      verify: false,
    });
    expect(pgTarget({ host: 'h', database: 'd', user: 'u', ssl: { ca: 'PEM' } }).tls).toEqual({
      verify: true,
      ca: 'PEM',
    });
  });

  it('parses connection strings; sslmode=require verifies, only no-verify skips the check', () => {
    expect(pgTarget({ connection_string: 'postgres://r%40x:p%2Fw@db.example.com:6543/my%20db' })).toEqual({
      host: 'db.example.com',
      port: 6543,
      database: 'my db',
      user: 'r@x',
      password: 'p/w',
      tls: null,
    });
    const cs = (q: string) => pgTarget({ connection_string: `postgresql://u@h/d?${q}` }).tls;
    expect(cs('sslmode=require')).toEqual({ verify: true });
    expect(cs('sslmode=verify-full')).toEqual({ verify: true });
    expect(cs('sslmode=no-verify')).toEqual({ verify: false });
    expect(cs('sslmode=disable')).toBeNull();
    expect(cs('ssl=true')).toEqual({ verify: true });
    // config.ssl, when given, decides
    expect(pgTarget({ connection_string: 'postgres://u@h/d?sslmode=no-verify', ssl: true }).tls).toEqual({
      verify: true,
    });
    expect(pgTarget({ connection_string: 'postgres://u@h' }).database).toBe('u');
  });

  it('refuses socket paths, host lists, missing users and parameters that read API-host files', () => {
    shapeError(() => pgTarget({ connection_string: 'postgres://u@/d?host=/var/run/postgresql' }));
    shapeError(() => pgTarget({ host: '/var/run/postgresql', database: 'd', user: 'u' }));
    shapeError(() => pgTarget({ connection_string: 'postgres://u@a,b/d' }));
    shapeError(() => pgTarget({ connection_string: 'postgres://h/d' }));
    for (const p of ['sslrootcert=/etc/passwd', 'sslkey=/root/key', 'replication=database', 'options=-c%20x%3Dy']) {
      const e = shapeError(() => pgTarget({ connection_string: `postgres://u@h/d?${p}` }));
      expect(e.message).toMatch(/is not supported/);
    }
    expect(shapeError(() => pgTarget({ connection_string: 'postgres://u@h/d?sslmode=weird' })).message).toMatch(
      /sslmode/,
    );
  });
});

/** Answers the SSLRequest with 'S', completes a TLS handshake with the db.test certificate, then hangs up. */
function fakeTlsPostgres() {
  const seen: { handshakes: number; servernames: (string | false)[]; connections: number } = {
    handshakes: 0,
    servernames: [],
    connections: 0,
  };
  const server: Server = createServer((sock) => {
    seen.connections++;
    sock.once('data', () => {
      sock.write('S');
      const secure = new TLSSocket(sock, { isServer: true, key: KEY, cert: CERT });
      secure.on('secure', () => {
        seen.handshakes++;
        seen.servernames.push((secure as TLSSocket & { servername: string | false }).servername);
        secure.destroy();
      });
      secure.on('error', () => sock.destroy());
    });
  });
  return { server, seen };
}

describe('connectPg (egress-checked address, TLS verified against the configured host name)', () => {
  const fake = fakeTlsPostgres();
  let port: number;
  const resolved: string[] = [];
  // resolves every name to the fake server, as a DNS answer would
  const egress = {
    resolve: (host: string) => {
      resolved.push(host);
      return Promise.resolve({ host, address: '127.0.0.1', family: 4 });
    },
  } as unknown as OrgEgress;

  beforeAll(async () => {
    await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', () => r()));
    port = (fake.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => fake.server.close(r)));

  const connect = (host: string, ssl: unknown) =>
    connectPg({ host, port, database: 'd', user: 'u', ssl: ssl as never }, egress).then(
      () => null,
      (e: unknown) => e as ConnectorConfigError,
    );

  it('ssl: true refuses a certificate it cannot verify, and says how to opt out explicitly', async () => {
    const before = fake.seen.handshakes;
    const err = await connect('db.test', true);
    expect(err).toBeInstanceOf(ConnectorConfigError);
    expect(err!.kind).toBe('unreachable');
    expect(err!.message).toMatch(/certificate/i);
    expect(err!.message).toMatch(/reject_unauthorized=false/);
    expect(fake.seen.handshakes).toBe(before);
    expect(resolved).toContain('db.test');
  });

  it('checks the certificate against the configured name although the socket goes to the checked address', async () => {
    const ok = await connect('db.test', { ca: CERT });
    expect(ok!.message).not.toMatch(/certificate|altnames/i);
    expect(fake.seen.servernames.at(-1)).toBe('db.test');
    const wrongName = await connect('other.test', { ca: CERT });
    expect(wrongName!.message).toMatch(/altnames|does not match/i);
  });

  it('skips the check only when the config says so', async () => {
    const before = fake.seen.handshakes;
    const err = await connect('db.test', { reject_unauthorized: false });
    expect(err!.message).not.toMatch(/certificate/i);
    expect(fake.seen.handshakes).toBe(before + 1);
  });

  it('passes egress refusals through unchanged and never connects', async () => {
    const before = fake.seen.connections;
    const err = await connectPg({ host: '127.0.0.2', port, database: 'd', user: 'u' }, testEgress).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EgressForbiddenError);
    expect((err as EgressForbiddenError).details).toMatchObject({ address: '127.0.0.2' });
    expect(fake.seen.connections).toBe(before);
  });
});
