import { AppConfig } from '@libs/config';
import type { GraphEdgeInput, GraphNodeInput } from '@libs/connectors/connector';
import { randomUUID } from 'node:crypto';
import { assertSafeLabel, GraphWriteError, GraphWriter, type WriteScope } from './graph-writer';
import { Neo4jService } from './neo4j.service';

describe('graph writer label safety', () => {
  it('accepts identifiers and rejects anything that could break out of a label', () => {
    expect(assertSafeLabel('Person')).toBe('Person');
    expect(assertSafeLabel('HAS_COLUMN', 'type')).toBe('HAS_COLUMN');
    for (const bad of [
      '',
      'a b',
      'X`) DETACH DELETE n //',
      '1abc',
      'Entity',
      'Staged',
      'StagedBatch',
      'x'.repeat(65),
    ]) {
      expect(() => assertSafeLabel(bad)).toThrow(GraphWriteError);
    }
  });
});

/** Runs against the real Neo4j of the local stack; every test writes under its own org. */
describe('GraphWriter (Neo4j)', () => {
  let neo: Neo4jService;
  const orgs: string[] = [];

  beforeAll(() => {
    neo = new Neo4jService(AppConfig.fromEnv(process.env));
  });

  afterAll(async () => {
    await neo.write('MATCH (n:Entity) WHERE n.org_id IN $orgs DETACH DELETE n', { orgs });
    await neo.onModuleDestroy();
  });

  const scopeOf = (orgId: string, sourceId = 'src-1'): WriteScope => ({
    orgId,
    sourceId,
    realm: 'test',
    jobId: randomUUID(),
  });
  const newOrg = () => {
    const org = `gw-test-${randomUUID()}`;
    orgs.push(org);
    return org;
  };
  const node = (key: string, props: Record<string, unknown> = {}, label = 'Person'): GraphNodeInput => ({
    label,
    key,
    name: `name ${key}`,
    properties: props,
  });
  const edge = (from: string, to: string, props: Record<string, unknown> = {}, type = 'KNOWS'): GraphEdgeInput => ({
    type,
    fromKey: from,
    toKey: to,
    properties: props,
  });

  async function nodesOf(org: string, src = 'src-1') {
    const r = await neo.read(
      `MATCH (n:Entity {org_id: $org, source_id: $src})
       RETURN n {.*} AS n, labels(n) AS labels ORDER BY n.key`,
      { org, src },
    );
    return r.records.map((x) => ({
      ...(x.get('n') as Record<string, unknown>),
      labels: x.get('labels') as string[],
    })) as Record<string, unknown>[];
  }

  async function edgesOf(org: string, src = 'src-1') {
    const r = await neo.read(
      `MATCH (a:Entity {org_id: $org, source_id: $src})-[r]->(b:Entity)
       RETURN a.key + '>' + b.key AS k, type(r) AS type, r {.*} AS r ORDER BY k`,
      { org, src },
    );
    return r.records.map((x) => ({
      k: x.get('k') as string,
      type: x.get('type') as string,
      ...(x.get('r') as Record<string, unknown>),
    })) as Record<string, unknown>[];
  }

  async function stagingNodes(job: string) {
    const r = await neo.read('MATCH (s) WHERE s._stage_job = $job RETURN count(s) AS c', { job });
    return Number(r.records[0].get('c'));
  }

  for (const staging of ['memory', 'spilled'] as const) {
    describe(`staged in ${staging}`, () => {
      let writer: GraphWriter;
      beforeAll(() => {
        writer = new GraphWriter(neo);
        if (staging === 'spilled') {
          writer.stagingMemory = { maxRows: 0, maxChars: 0 };
        }
      });

      it('keeps staged rows invisible, publishes atomically, re-stamps unchanged rows and archives orphans', async () => {
        const org = newOrg();
        const s1 = scopeOf(org);
        await writer.stage(s1, [node('a', { team: 'core' }), node('b'), node('c')], [edge('a', 'b', { w: 1 })]);
        await writer.stage(s1, [node('d')], [edge('b', 'c'), edge('c', 'd'), edge('a', 'zzz')]);
        // staged, not published: nothing of the org exists; spilled rows carry no org_id
        expect(await nodesOf(org)).toEqual([]);
        expect(await stagingNodes(s1.jobId)).toBe(staging === 'spilled' ? 2 : 0);
        const orgHits = await neo.read('MATCH (n) WHERE n.org_id = $org RETURN count(n) AS c', { org });
        expect(Number(orgHits.records[0].get('c'))).toBe(0);

        const r1 = await writer.commit(s1, { archive: true });
        expect(r1).toEqual({
          nodesWritten: 4,
          edgesWritten: 3,
          edgesSkipped: 1,
          nodesArchived: 0,
          edgesArchived: 0,
          atomic: true,
        });
        expect(await stagingNodes(s1.jobId)).toBe(0);
        const first = await nodesOf(org);
        expect(first.map((n) => n.key)).toEqual(['a', 'b', 'c', 'd']);
        expect(first[0]).toMatchObject({
          org_id: org,
          source_id: 'src-1',
          realm: 'test',
          label: 'Person',
          name: 'name a',
          team: 'core',
          snapshot: s1.jobId,
          labels: expect.arrayContaining(['Entity', 'Person']),
        });
        expect(first[0].id).toMatch(/^n_/);
        expect(first[0].content_hash).toEqual(expect.any(String));
        expect(first[0].search_text).toBe('core');
        const firstEdges = await edgesOf(org);
        expect(firstEdges.map((e) => e.k)).toEqual(['a>b', 'b>c', 'c>d']);
        expect(firstEdges[0]).toMatchObject({
          type: 'KNOWS',
          w: 1,
          org_id: org,
          source_id: 'src-1',
          snapshot: s1.jobId,
        });

        // re-sync: a unchanged, b changed, c and d gone (orphans), e new
        const s2 = scopeOf(org);
        await writer.stage(s2, [node('a', { team: 'core' }), node('b', { team: 'new' }), node('e')], []);
        await writer.stage(s2, [], [edge('a', 'b', { w: 1 }), edge('b', 'e'), edge('e', 'c')]);
        const r2 = await writer.commit(s2, { archive: true });
        expect(r2).toEqual({
          nodesWritten: 3,
          edgesWritten: 2,
          edgesSkipped: 1, // e → c: c is archived by this run
          nodesArchived: 2,
          edgesArchived: 2,
          atomic: true,
        });
        const all = await nodesOf(org);
        const byKey = new Map(all.map((n) => [n.key, n]));
        expect(byKey.get('a')).toMatchObject({ snapshot: s2.jobId, id: first[0].id, updated_at: first[0].updated_at });
        expect(byKey.get('b')).toMatchObject({ snapshot: s2.jobId, id: first[1].id, team: 'new' });
        expect(byKey.get('b')!.content_hash).not.toBe(first[1].content_hash);
        expect(byKey.get('c')!.archived_at).toEqual(expect.any(Number));
        expect(byKey.get('d')!.archived_at).toEqual(expect.any(Number));
        expect(byKey.get('e')!.archived_at ?? null).toBeNull();
        const edges = new Map((await edgesOf(org)).map((e) => [e.k, e]));
        // unchanged edge: only re-stamped
        expect(edges.get('a>b')).toMatchObject({ snapshot: s2.jobId, updated_at: firstEdges[0].updated_at });
        expect(edges.get('b>c')!.archived_at).toEqual(expect.any(Number));
        expect(edges.get('c>d')!.archived_at).toEqual(expect.any(Number));
        expect(edges.get('b>e')).toMatchObject({ snapshot: s2.jobId });
        expect(edges.has('e>c')).toBe(false);
      });

      it('a discarded run publishes nothing and leaves the previous snapshot as it was', async () => {
        const org = newOrg();
        const s1 = scopeOf(org);
        await writer.stage(s1, [node('a', { v: 1 }), node('b')], [edge('a', 'b')]);
        await writer.commit(s1, { archive: true });
        const before = await nodesOf(org);

        const s2 = scopeOf(org);
        await writer.stage(s2, [node('a', { v: 2 }), node('x')], []);
        await writer.stage(s2, [node('y')], [edge('x', 'y')]);
        await writer.discard(s2.jobId);
        expect(await stagingNodes(s2.jobId)).toBe(0);
        expect(await nodesOf(org)).toEqual(before);
        // a commit after the discard has nothing staged: in incremental mode it changes nothing
        expect(await writer.commit(s2, { archive: false })).toMatchObject({ nodesWritten: 0, edgesWritten: 0 });
        expect(await nodesOf(org)).toEqual(before);
      });

      it('a failed atomic publish publishes nothing', async () => {
        const org = newOrg();
        const s1 = scopeOf(org);
        await writer.stage(s1, [node('a', { v: 1 })], []);
        await writer.commit(s1, { archive: true });
        const before = await nodesOf(org);

        const s2 = scopeOf(org);
        await writer.stage(s2, [node('a', { v: 2 }), node('b')], [edge('a', 'b')]);
        // the publish transaction fails after all its statements ran (as a failed commit would)
        const realWrite = neo.writeTx.bind(neo);
        const spy = jest.spyOn(neo, 'writeTx').mockImplementation((work) =>
          realWrite(async (tx) => {
            await work(tx);
            throw new Error('boom after the statements ran');
          }),
        );
        try {
          await expect(writer.commit(s2, { archive: true })).rejects.toThrow('boom');
        } finally {
          spy.mockRestore();
        }
        expect(await nodesOf(org)).toEqual(before);
        expect(await edgesOf(org)).toEqual([]);
        expect(await stagingNodes(s2.jobId)).toBe(0);
      });

      it('batched publish: edges wait for their endpoints, orphans are archived before edges, duplicates: last wins', async () => {
        const org = newOrg();
        const s1 = scopeOf(org);
        await writer.stage(s1, [node('old')], []);
        await writer.commit(s1, { archive: true });

        const s2 = scopeOf(org);
        // endpoints of the first edge arrive in a later batch; 'old' is not in this run
        await writer.stage(s2, [node('a'), node('b')], [edge('a', 'd'), edge('a', 'old'), edge('a', 'b')]);
        await writer.stage(s2, [node('c'), node('a', { dup: 'second' })], [edge('c', 'a')]);
        await writer.stage(s2, [node('d', { n: Number.POSITIVE_INFINITY })], []);
        const r = await writer.commit(s2, { archive: true, atomicMaxRows: 0, batchSize: 2 });
        expect(r).toEqual({
          nodesWritten: 5,
          edgesWritten: 3,
          edgesSkipped: 1,
          nodesArchived: 1,
          edgesArchived: 0,
          atomic: false,
        });
        expect(await stagingNodes(s2.jobId)).toBe(0);
        const nodes = new Map((await nodesOf(org)).map((n) => [n.key, n]));
        expect(nodes.get('a')).toMatchObject({ dup: 'second', snapshot: s2.jobId });
        expect(nodes.get('d')!.n).toBe(Number.POSITIVE_INFINITY);
        expect(nodes.get('old')!.archived_at).toEqual(expect.any(Number));
        expect((await edgesOf(org)).map((e) => e.k)).toEqual(['a>b', 'a>d', 'c>a']);
      });
    });
  }

  it('publishes a run spilled by another writer instance (same job id)', async () => {
    const org = newOrg();
    const s = scopeOf(org);
    const stager = new GraphWriter(neo);
    stager.stagingMemory = { maxRows: 1, maxChars: 1 };
    await stager.stage(s, [node('a'), node('b')], [edge('a', 'b')]);
    expect(await stagingNodes(s.jobId)).toBe(1);
    const r = await new GraphWriter(neo).commit(s, { archive: true });
    expect(r).toMatchObject({ nodesWritten: 2, edgesWritten: 1, atomic: true });
    expect(await stagingNodes(s.jobId)).toBe(0);
  });

  it('spills held rows once a run outgrows the memory limit, keeping staging order', async () => {
    const org = newOrg();
    const s = scopeOf(org);
    const writer = new GraphWriter(neo);
    writer.stagingMemory = { maxRows: 3, maxChars: 1_000_000 };
    await writer.stage(s, [node('a', { v: 1 }), node('b')], []);
    expect(await stagingNodes(s.jobId)).toBe(0);
    await writer.stage(s, [node('a', { v: 2 }), node('c')], []);
    expect(await stagingNodes(s.jobId)).toBe(1);
    await writer.stage(s, [node('a', { v: 3 })], [edge('a', 'c')]);
    const r = await writer.commit(s, { archive: true });
    expect(r).toMatchObject({ nodesWritten: 5, edgesWritten: 1, atomic: true });
    const nodes = await nodesOf(org);
    expect(nodes.map((n) => [n.key, n.v ?? null])).toEqual([
      ['a', 3],
      ['b', null],
      ['c', null],
    ]);
    expect(await stagingNodes(s.jobId)).toBe(0);
  });

  it('archiveRealms limits the orphans a run archives to its realm (only) or leaves realms out (except)', async () => {
    const writer = new GraphWriter(neo);
    const org = newOrg();
    const inRealm = (realm: string): WriteScope => ({ ...scopeOf(org), realm });
    const live = async () =>
      (await nodesOf(org)).filter((n) => n.archived_at === null || n.archived_at === undefined).map((n) => n.key);
    const realmOf = async (key: string) => (await nodesOf(org)).find((n) => n.key === key)?.realm;
    // the source's own sync in realm a; a pipeline copy in realm b with other keys
    const own = inRealm('a');
    await writer.stage(own, [node('1'), node('2')], [edge('1', '2')]);
    await writer.commit(own, { archive: true });
    const copy = inRealm('b');
    await writer.stage(copy, [node('7'), node('8')], [edge('7', '8')]);
    const r1 = await writer.commit(copy, { archive: true, archiveRealms: { only: ['b'] } });
    expect(r1).toMatchObject({ nodesWritten: 2, nodesArchived: 0, edgesArchived: 0 });
    expect(await live()).toEqual(['1', '2', '7', '8']);
    expect(await realmOf('7')).toBe('b');
    // the own sync again (batched publish), leaving realm b out: b's nodes and edges stay live
    const own2 = inRealm('a');
    await writer.stage(own2, [node('1')], []);
    const r2 = await writer.commit(own2, {
      archive: true,
      archiveRealms: { except: ['b'] },
      atomicMaxRows: 0,
      batchSize: 1,
    });
    expect(r2).toMatchObject({ nodesArchived: 1, edgesArchived: 1, atomic: false });
    expect(await live()).toEqual(['1', '7', '8']);
    expect((await edgesOf(org)).find((e) => e.k === '7>8')!.archived_at ?? null).toBeNull();
    // without archiveRealms every realm of the source is in scope
    const all = inRealm('a');
    await writer.stage(all, [node('1')], []);
    expect(await writer.commit(all, { archive: true })).toMatchObject({ nodesArchived: 2, edgesArchived: 1 });
    expect(await live()).toEqual(['1']);
  });

  it('sweeps staging left by crashed runs', async () => {
    const writer = new GraphWriter(neo);
    writer.stagingMemory = { maxRows: 0, maxChars: 0 };
    const s = scopeOf(newOrg());
    await writer.stage(s, [node('a')], []);
    expect(await stagingNodes(s.jobId)).toBe(1);
    // back-dated 2 h: older than the 1 h sweep below, younger than the 24 h sweep other runners do at start
    await neo.write('MATCH (b:StagedBatch) WHERE b._stage_job = $job SET b._stage_at = $at', {
      job: s.jobId,
      at: Date.now() - 2 * 3600_000,
    });
    expect(await writer.sweepStale(3600_000)).toBeGreaterThanOrEqual(1);
    expect(await stagingNodes(s.jobId)).toBe(0);
  });
});
