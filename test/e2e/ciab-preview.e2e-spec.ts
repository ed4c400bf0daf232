import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerOwner, type TestUser } from '../factories/users';
import { startTestApp, type TestApp } from '../setup/test-app';
import { eventually } from './chat-helpers';

/**
 * The whole path of a preview: a python http.server started inside a real session jail, its port
 * bridged out by CiabNativeModule, served by the /sandbox/preview proxy on the signed URL that
 * `/ciab-native/sessions/:sid/ports` hands out. A token opens only its own session and port.
 */
describe('ciab-native + sandbox preview: a session server through its preview URL', () => {
  let t: TestApp;
  let owner: TestUser;
  let workDir: string;
  const base = '/api/v1/ciab-native/sessions';

  beforeAll(async () => {
    workDir = mkdtempSync(path.join(os.tmpdir(), 'ciab-preview-'));
    t = await startTestApp({
      AGENTCY_FEATURES_CIAB: 'true',
      CIAB_LOCAL_UID_BASE: '230000',
      CIAB_HOST_ACCESS: 'org_admin',
      CIAB_LOCAL_WORK_DIR: workDir,
      PUBLIC_BASE_URL: 'https://agentcy.example.test',
    });
    owner = await registerOwner(t, 'ciab-prev');
  });
  afterAll(async () => {
    await t?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  /** starts a session serving `text` on `port`; the path + query of its preview URL */
  const serve = async (text: string, port: number) => {
    const s = await t.http().post(base).set(owner.auth).send({}).expect(201);
    await t
      .http()
      .post(`${base}/${s.body.id}/input`)
      .set(owner.auth)
      .send({ text: `echo "<p>${text}</p>" > index.html; python3 -m http.server ${port} &` })
      .expect(202);
    const url = await eventually(async () => {
      const r = await t.http().get(`${base}/${s.body.id}/ports`).set(owner.auth).expect(200);
      return (r.body.ports as { port: number; preview_url: string }[]).find((x) => x.port === port)?.preview_url;
    });
    return { id: s.body.id as string, url: url.replace('https://agentcy.example.test', '') };
  };

  it('serves the page; a token never opens another session or port; ended sessions answer 410', async () => {
    const a = await serve('page of session A', 8000);
    const b = await serve('page of session B', 8000);

    const page = await t.http().get(a.url).expect(200);
    expect(page.text).toContain('page of session A');
    expect((await t.http().get(b.url).expect(200)).text).toContain('page of session B');

    const tokenA = new URL(`http://x${a.url}`).searchParams.get('token')!;
    // A's token on B's session, and on another port of A
    await t.http().get(`/sandbox/preview/${b.id}/8000/?token=${tokenA}`).expect(401);
    await t.http().get(`/sandbox/preview/${a.id}/8001/?token=${tokenA}`).expect(401);

    await t.http().delete(`${base}/${a.id}`).set(owner.auth).expect(200);
    const ended = await t.http().get(a.url).expect(410);
    expect(ended.body.error.code).toBe('session_ended');
    expect((await t.http().get(b.url).expect(200)).text).toContain('page of session B');
    await t.http().delete(`${base}/${b.id}`).set(owner.auth).expect(200);
  });
});
