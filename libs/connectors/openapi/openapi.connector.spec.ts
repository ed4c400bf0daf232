import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerOwner, TestUser } from '../../../test/factories/users';
import { startTestApp, TestApp } from '../../../test/setup/test-app';
import { connectorContext, rejectsWith } from '../../../test/support/connectors/connector-context';
import { toolArgumentProblems } from '../config-validation';
import { ConnectorConfigError, GraphEdgeInput, GraphNodeInput, ToolExecutionError } from '../connector';
import { OpenApiConfig, openapiConnector } from './openapi.connector';

const ctx = (config: OpenApiConfig) => connectorContext(config, { sourceName: 'agentcy' });

describe("openapi connector against this API's own OpenAPI document", () => {
  let t: TestApp;
  let owner: TestUser;
  let doc: any;

  beforeAll(async () => {
    t = await startTestApp();
    owner = await registerOwner(t, 'openapi');
    const res = await fetch(`${t.baseUrl}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    doc = await res.json();
  });
  afterAll(() => t?.close());

  const config = (extra: Partial<OpenApiConfig> = {}): OpenApiConfig => ({
    spec_url: `${t.baseUrl}/api/v1/openapi.json`,
    base_url: t.baseUrl,
    bearer_token: owner.token,
    ...extra,
  });

  it('validate loads the document', async () => {
    const v = await openapiConnector.validate(ctx(config()));
    expect(v.info).toMatchObject({ base_url: t.baseUrl, openapi: expect.stringMatching(/^3\./) });
    expect(v.info?.operations).toBeGreaterThan(5);
  });

  it('every operation becomes a tool named after its operationId with an effect from its method', async () => {
    const tools = await openapiConnector.tools(ctx(config()));
    const byName = Object.fromEntries(tools.map((x) => [x.name, x]));
    let count = 0;
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      for (const m of ['get', 'post', 'put', 'patch', 'delete', 'head']) {
        const op = item[m];
        if (!op) {
          continue;
        }
        count++;
        const tool = byName[op.operationId];
        expect(tool).toBeDefined();
        expect(tool.effect).toBe(m === 'get' || m === 'head' ? 'read' : m === 'delete' ? 'destructive' : 'write');
        expect(tool.description).toContain(op.summary ?? path);
      }
    }
    expect(tools).toHaveLength(count);
    expect(byName.auth_me.effect).toBe('read');
    expect(byName.auth_login.effect).toBe('write');
    expect(byName.auth_login.inputSchema.properties).toHaveProperty('body');
    expect((byName.auth_login.inputSchema.properties as any).body.properties).toHaveProperty('email');
  });

  it('every input schema compiles under the shared argument validator', async () => {
    const tools = await openapiConnector.tools(ctx(config()));
    for (const tool of tools) {
      expect(() => toolArgumentProblems(tool.inputSchema, {})).not.toThrow();
    }
    const login = tools.find((x) => x.name === 'auth_login')!;
    expect(toolArgumentProblems(login.inputSchema, { body: { email: 'a@b.c', password: 'password-123' } })).toEqual([]);
    expect(toolArgumentProblems(login.inputSchema, {}).length).toBeGreaterThan(0);
  });

  it('executeTool performs real calls: auth_me with the bearer token, health_get', async () => {
    const me: any = await openapiConnector.executeTool(ctx(config()), 'auth_me', {});
    expect(me.status).toBe(200);
    expect(me.body.org.id).toBe(owner.orgId);
    expect(JSON.stringify(me.body)).toContain(owner.email);

    // health answers 200, or 503 with its JSON report while a dependency (e.g. Neo4j) is down
    const direct = await fetch(`${t.baseUrl}/api/v1/health`);
    const directBody: any = await direct.json();
    try {
      const health: any = await openapiConnector.executeTool(ctx(config()), 'health_get', {});
      expect(direct.status).toBe(200);
      expect(health).toMatchObject({
        status: 200,
        body: directBody.status ? { status: directBody.status } : expect.any(Object),
      });
    } catch (e) {
      expect(direct.status).toBe(503);
      expect(e).toBeInstanceOf(ToolExecutionError);
      expect((e as ToolExecutionError).code).toBe('upstream_error');
      expect((e as ToolExecutionError).details).toMatchObject({ status: 503, body: expect.any(Object) });
    }

    const login: any = await openapiConnector.executeTool(ctx(config()), 'auth_login', {
      body: { email: owner.email, password: 'password-123' },
    });
    expect(login.status).toBe(200);
    expect(login.body.token).toEqual(expect.any(String));
  });

  it('maps upstream errors', async () => {
    const noAuth = await rejectsWith(
      openapiConnector.executeTool(ctx(config({ bearer_token: 'not-a-token' })), 'auth_me', {}),
      ToolExecutionError,
    );
    expect(noAuth.code).toBe('upstream_auth_failed');
    expect((noAuth.details as any).status).toBe(401);
    expect((noAuth.details as any).body.error.code).toEqual(expect.any(String));

    const bad = await rejectsWith(
      openapiConnector.executeTool(ctx(config()), 'auth_login', { body: { email: 'nope' } }),
      ToolExecutionError,
    );
    expect(bad.code).toBe('upstream_rejected');
    expect((bad.details as any).status).toBe(400);

    const unknown = await rejectsWith(
      openapiConnector.executeTool(ctx(config()), 'no_such_op', {}),
      ToolExecutionError,
    );
    expect(unknown.code).toBe('tool_not_found');
    const extra: any = await openapiConnector.executeTool(ctx(config()), 'auth_me', { source_id: 'ignored' });
    expect(extra.status).toBe(200);
  });

  it('ingests Operation and Schema nodes', async () => {
    const nodes: GraphNodeInput[] = [];
    const edges: GraphEdgeInput[] = [];
    for await (const b of openapiConnector.ingest!(ctx(config()))) {
      nodes.push(...b.nodes);
      edges.push(...b.edges);
    }
    const ops = nodes.filter((n) => n.label === 'Operation');
    expect(ops.find((n) => n.name === 'auth_me')).toMatchObject({
      key: 'op:GET /api/v1/auth/me',
      properties: expect.objectContaining({ method: 'GET', effect: 'read' }),
    });
    const schemaNames = Object.keys(doc.components?.schemas ?? {});
    expect(
      nodes
        .filter((n) => n.label === 'Schema')
        .map((n) => n.name)
        .sort(),
    ).toEqual(schemaNames.sort());
    const keys = new Set(nodes.map((n) => n.key));
    expect(keys.size).toBe(nodes.length);
    for (const e of edges) {
      expect(keys.has(e.fromKey) && keys.has(e.toKey)).toBe(true);
    }
    expect(edges.some((e) => e.type === 'USES_SCHEMA' && e.fromKey === 'op:GET /api/v1/auth/me')).toBe(true);
  });
});

describe('openapi connector with an inline YAML spec, path/query params and DELETE', () => {
  let server: http.Server;
  let base: string;
  const seen: { method: string; url: string; key?: string; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method!, url: req.url!, key: req.headers['x-api-key'] as string | undefined, body });
        if (req.headers['x-api-key'] !== 'k-123') {
          res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"message":"no key"}');
          return;
        }
        const m = req.url!.match(/^\/v2\/pets\/(\w+)/);
        if (req.method === 'DELETE' && m) {
          return void res.writeHead(204).end();
        }
        if (req.method === 'GET' && m) {
          return void res
            .writeHead(200, { 'Content-Type': 'application/json' })
            .end(JSON.stringify({ id: m[1], name: 'Rex' }));
        }
        if (req.method === 'GET') {
          return void res
            .writeHead(200, { 'Content-Type': 'application/json' })
            .end(JSON.stringify([{ id: '1', name: 'Rex' }]));
        }
        if (req.method === 'POST') {
          return void res.writeHead(201, { 'Content-Type': 'application/json' }).end(body);
        }
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const yaml = () => `openapi: 3.0.3
info: { title: Pets, version: '2.0' }
servers:
  - url: ${base}/v2
paths:
  /pets:
    get:
      summary: List pets
      parameters:
        - { name: limit, in: query, schema: { type: integer } }
      responses:
        '200': { description: ok, content: { application/json: { schema: { type: array, items: { $ref: '#/components/schemas/Pet' } } } } }
    post:
      operationId: createPet
      summary: Create a pet
      requestBody:
        required: true
        content: { application/json: { schema: { $ref: '#/components/schemas/NewPet' } } }
      responses: { '201': { description: created } }
  /pets/{petId}:
    parameters:
      - { name: petId, in: path, required: true, schema: { type: string } }
    get:
      operationId: getPet
      summary: Get a pet
      responses: { '200': { description: ok } }
    delete:
      operationId: deletePet
      summary: Delete a pet
      responses: { '204': { description: gone } }
components:
  schemas:
    NewPet: { type: object, required: [name], properties: { name: { type: string }, nickname: { type: string, nullable: true }, age: { type: integer, minimum: 0, exclusiveMinimum: true }, owner: { $ref: '#/components/schemas/Owner' } } }
    Pet: { allOf: [ { $ref: '#/components/schemas/NewPet' }, { type: object, properties: { id: { type: string } } } ] }
    Owner: { type: object, properties: { name: { type: string }, pets: { type: array, items: { $ref: '#/components/schemas/Pet' } } } }
`;

  it('builds tools from YAML (method_path names, $ref inlining incl. cycles) and calls them', async () => {
    const c = ctx({ spec: yaml(), api_key_header: 'X-API-Key', api_key: 'k-123' });
    const tools = Object.fromEntries((await openapiConnector.tools(c)).map((x) => [x.name, x]));
    expect(Object.keys(tools).sort()).toEqual(['createPet', 'deletePet', 'getPet', 'get_pets']);
    expect(tools.deletePet).toMatchObject({ effect: 'destructive', requiresApproval: true });
    expect(tools.getPet.inputSchema.required).toEqual(['petId']);
    expect((tools.createPet.inputSchema.properties as any).body.properties.owner.properties.name).toEqual({
      type: 'string',
    });

    const body = tools.createPet.inputSchema;
    expect(toolArgumentProblems(body, { body: { name: 'Rex', nickname: null, age: 3 } })).toEqual([]);
    expect(toolArgumentProblems(body, { body: { name: 'Rex', age: 0 } }).length).toBeGreaterThan(0);
    expect((body.properties as any).body.properties.nickname).toEqual({ type: ['string', 'null'] });

    const list: any = await openapiConnector.executeTool(c, 'get_pets', { limit: 5 });
    expect(list.body).toEqual([{ id: '1', name: 'Rex' }]);
    expect(seen.at(-1)).toMatchObject({ method: 'GET', url: '/v2/pets?limit=5', key: 'k-123' });
    const one: any = await openapiConnector.executeTool(c, 'getPet', { petId: 'a b' });
    expect(seen.at(-1)?.url).toBe('/v2/pets/a%20b');
    expect(one.status).toBe(200);
    const created: any = await openapiConnector.executeTool(c, 'createPet', { body: { name: 'Fido' } });
    expect(created).toMatchObject({ status: 201, body: { name: 'Fido' } });
    const del: any = await openapiConnector.executeTool(c, 'deletePet', { petId: '7' });
    expect(del.status).toBe(204);
    const missing = await rejectsWith(openapiConnector.executeTool(c, 'getPet', {}), ToolExecutionError);
    expect(missing.code).toBe('invalid_arguments');

    const nodes: GraphNodeInput[] = [];
    const edges: GraphEdgeInput[] = [];
    for await (const b of openapiConnector.ingest!(c)) {
      nodes.push(...b.nodes);
      edges.push(...b.edges);
    }
    expect(edges).toEqual(
      expect.arrayContaining([
        { type: 'REFERENCES', fromKey: 'schema:Pet', toKey: 'schema:NewPet' },
        { type: 'REFERENCES', fromKey: 'schema:Owner', toKey: 'schema:Pet' },
        { type: 'USES_SCHEMA', fromKey: 'op:POST /pets', toKey: 'schema:NewPet' },
      ]),
    );
  });

  it('validate errors: shape and unreachable', async () => {
    expect((await rejectsWith(openapiConnector.validate(ctx({})), ConnectorConfigError)).kind).toBe('shape');
    expect(
      (await rejectsWith(openapiConnector.validate(ctx({ spec: { hello: 'world' } })), ConnectorConfigError)).kind,
    ).toBe('shape');
    expect(
      (
        await rejectsWith(
          openapiConnector.validate(ctx({ spec_url: 'http://127.0.0.1:1/openapi.json' })),
          ConnectorConfigError,
        )
      ).kind,
    ).toBe('unreachable');
    expect(
      (await rejectsWith(openapiConnector.validate(ctx({ spec: yaml(), api_key: 'x' })), ConnectorConfigError)).kind,
    ).toBe('shape');
  });
});
