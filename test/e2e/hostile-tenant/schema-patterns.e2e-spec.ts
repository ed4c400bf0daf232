/**
 * Untrusted schemas cannot stall the event loop: an org's OpenAPI document declares a parameter
 * pattern with catastrophic backtracking (`^(a+)+$`); calling the tool with `"a"×50 + "!"` must
 * answer at once (a backtracking RegExp would block the process for ages and this suite would time
 * out), and other requests keep being served. A local API is the target: it proves what was sent.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerOwner, TestUser } from '../../factories/users';
import { startTestApp, TestApp } from '../../setup/test-app';

const EVIL = '^(a+)+$';
const EVIL_INPUT = `${'a'.repeat(50)}!`;

describe('hostile tenant: schema patterns from an OpenAPI document run on a linear-time engine', () => {
  let t: TestApp;
  let target: Server;
  let targetUrl: string;
  const hits: string[] = [];
  let owner: TestUser;
  let sourceId: string;

  beforeAll(async () => {
    target = createServer((req, res) => {
      hits.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    t = await startTestApp();
    owner = await registerOwner(t, 'regex');
    const spec = {
      openapi: '3.0.0',
      info: { title: 'patterns', version: '1' },
      servers: [{ url: targetUrl }],
      paths: {
        '/items': {
          get: {
            operationId: 'find_items',
            parameters: [
              { name: 'name', in: 'query', schema: { type: 'string', pattern: EVIL } },
              // RE2 cannot run a backreference: the pattern is dropped (matches anything), never compiled
              { name: 'tag', in: 'query', schema: { type: 'string', pattern: '^(x)\\1$' } },
            ],
          },
        },
      },
    };
    const created = await t
      .http()
      .post('/api/v1/sources')
      .set(owner.auth)
      .send({ name: 'patterns', source_type: 'openapi', config: { spec } })
      .expect(201);
    sourceId = created.body.id;
  });
  afterAll(async () => {
    await t?.close();
    await new Promise((r) => target?.close(r));
  });

  const run = (args: Record<string, unknown>) =>
    t.http().post(`/api/v1/sources/${sourceId}/tools/find_items/execute`).set(owner.auth).send({ args });

  it('an input that would backtrack for ages is refused at once, and nothing is sent', async () => {
    const [refused, health] = await Promise.all([
      run({ name: EVIL_INPUT }).expect(400),
      t.http().get('/api/v1/health/live').expect(200),
    ]);
    expect(refused.body.error).toMatchObject({ code: 'invalid_arguments' });
    expect(JSON.stringify(refused.body.error.details)).toContain('must match pattern');
    expect(health.status).toBe(200);
    expect(hits).toEqual([]);
  });

  it('a matching value passes; a pattern RE2 cannot run is dropped instead of compiled', async () => {
    await run({ name: 'aaaa' }).expect(200);
    await run({ name: 'aa', tag: 'anything' }).expect(200);
    expect(hits).toEqual(['/items?name=aaaa', '/items?name=aa&tag=anything']);
  });
});
