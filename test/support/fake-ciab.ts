/**
 * Stand-in remote CIAB control plane for `/ciab/*` (CIAB_URL = url): sessions with `org_id`,
 * the /ciab-native shapes without prefix. Not org-filtering on purpose (see fake-openfang.ts).
 *
 * `POST /sessions`, `GET /sessions`, `GET|DELETE /sessions/:sid`, `GET /sessions/:sid/output`
 * (SSE: one `stdout` event at once, `finishLogs(sid)` ends it), `POST /sessions/:sid/input`,
 * `GET /sessions/:sid/files[?path=]`, `GET /sessions/:sid/files/content?path=`,
 * `GET /sessions/:sid/ports`, `POST /sessions/:sid/snapshot`.
 */
import { fakeId, json, startFakeSidecar, type FakeRoute, type FakeSidecar } from './fake-openfang';

export function startFakeCiab(): Promise<FakeSidecar> {
  const sessions: FakeRoute = ({ method, segs, query, body, headers, res, sidecar, holdStream }) => {
    if (segs[0] !== 'sessions') {
      return false;
    }
    const all = sidecar.store.get('sessions')!;
    if (segs.length === 1) {
      if (method === 'GET') {
        return json(res, 200, { items: [...all.values()], total: all.size });
      }
      if (method === 'POST') {
        const org = (body.org_id as string | undefined) ?? String(headers['x-agentcy-org'] ?? '');
        return json(
          res,
          201,
          sidecar.seed('sessions', {
            id: fakeId('cs'),
            org_id: org,
            status: 'running',
            runtime: (body.runtime as string) ?? 'local',
            agent_provider: 'claude-code',
            created_at: new Date().toISOString(),
          }),
        );
      }
      return false;
    }
    const s = all.get(segs[1]);
    if (!s) {
      return json(res, 404, { error: 'no session' });
    }
    const sub = segs.slice(2).join('/');
    if (sub === '' && method === 'GET') {
      return json(res, 200, s);
    }
    if (sub === '' && method === 'DELETE') {
      s.status = 'terminated';
      return json(res, 200, s);
    }
    if (sub === 'output' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`event: stdout\ndata: {"text":"hello from ${s.id}"}\n\n`);
      holdStream(s.id, res);
      return true;
    }
    if (sub === 'input' && method === 'POST') {
      return json(res, 202, { accepted: true, text: body.text });
    }
    if (sub === 'files' && method === 'GET') {
      return json(res, 200, [
        { name: 'README.md', size: 12, mode: '0644', modified: '2026-01-01T00:00:00Z', path: query.get('path') ?? '.' },
      ]);
    }
    if (sub === 'files/content' && method === 'GET') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`content of ${query.get('path')}`);
      return true;
    }
    if (sub === 'ports' && method === 'GET') {
      return json(res, 200, [
        { port: 3000, preview_url: `https://ciab.example/sandbox/preview/${s.id}/3000/?token=x` },
      ]);
    }
    if (sub === 'snapshot' && method === 'POST') {
      return json(res, 201, { snapshot_id: fakeId('snap'), artifact_id: fakeId('art') });
    }
    return false;
  };
  return startFakeSidecar({ prefix: '', collections: ['sessions'], routes: [sessions] });
}
