/** Unit checks of the CLI package (packages/cli): generated types, SSE parsing, config file, chat rendering. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatRenderer } from '../packages/cli/src/commands/chat';
import { loadConfig, normalizeServer, saveConfig } from '../packages/cli/src/config';
import { makeOutput } from '../packages/cli/src/context';
import { apiError } from '../packages/cli/src/errors';
import { parseFrame, readSse } from '../packages/cli/src/sse';

const ROOT = join(__dirname, '..');

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      chunks.forEach((x) => c.enqueue(enc.encode(x)));
      c.close();
    },
  });
}

describe('CLI: generated API types', () => {
  it('packages/cli/src/generated/api.d.ts is what openapi-typescript makes of openapi.json (npm run cli:generate)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-types-'));
    try {
      const out = join(dir, 'api.d.ts');
      execFileSync(
        process.execPath,
        [join(ROOT, 'node_modules/openapi-typescript/bin/cli.js'), join(ROOT, 'openapi.json'), '-o', out],
        { cwd: ROOT, stdio: 'pipe' },
      );
      const committed = readFileSync(join(ROOT, 'packages/cli/src/generated/api.d.ts'), 'utf8');
      expect(committed === readFileSync(out, 'utf8')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('CLI: SSE parsing', () => {
  it('reassembles frames split across chunks, CRLF line ends and multi-line data', async () => {
    const frames = [];
    for await (const f of readSse(
      streamOf([
        'id: 1\nevent: content_delta\nda',
        'ta: {"delta":"he"}\n\n',
        'id: 2\r\nevent: x\r\ndata: a\r\ndata: b\r\n\r\n',
        ': comment\n\n',
      ]),
    )) {
      frames.push(f);
    }
    expect(frames).toEqual([
      { id: '1', event: 'content_delta', data: { delta: 'he' } },
      { id: '2', event: 'x', data: 'a\nb' },
    ]);
  });

  it('keeps data that is not JSON as text and defaults the event name', () => {
    expect(parseFrame('data: not json')).toEqual({ event: 'message', data: 'not json' });
    expect(parseFrame(': only a comment')).toBeUndefined();
  });
});

describe('CLI: config and errors', () => {
  it('writes the config file with mode 0600 in a 0700 directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-config-'));
    try {
      const file = join(dir, 'agentcy', 'config.json');
      saveConfig({ server: 'http://x', token: 'secret' }, file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, 'agentcy')).mode & 0o777).toBe(0o700);
      expect(loadConfig(file)).toEqual({ server: 'http://x', token: 'secret' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('normalizes the server URL and refuses non-http ones', () => {
    expect(normalizeServer('http://h:8080/')).toBe('http://h:8080');
    expect(normalizeServer('https://h/api/v1/?x=1')).toBe('https://h');
    expect(normalizeServer('https://h/prefix/')).toBe('https://h/prefix');
    expect(() => normalizeServer('file:///etc/passwd')).toThrow(/http/);
    expect(() => normalizeServer('nope')).toThrow(/not a URL/);
  });

  it("reports the API's error envelope message and code", () => {
    expect(apiError(401, { error: { code: 'unauthorized', message: 'Invalid email or password' } }).message).toBe(
      'Invalid email or password (unauthorized, HTTP 401)',
    );
    expect(apiError(502, 'Bad gateway').message).toBe('HTTP 502: Bad gateway');
  });
});

describe('CLI: chat rendering', () => {
  it('streams deltas inline and puts tool calls, approvals and results on their own lines', () => {
    let text = '';
    const r = new ChatRenderer(makeOutput(false), false, (s) => (text += s));
    const ev = (event: string, data: unknown) => r.handle({ event, data });
    ev('message_start', { conversation_id: 'conv_1' });
    ev('content_delta', { delta: 'Look' });
    ev('content_delta', { delta: 'ing…' });
    ev('tool_call_start', {
      tool_call_id: 'tc_1',
      name: 'execute_connector_tool',
      tool: 'k.delete_pod',
      args: { n: 1 },
    });
    ev('approval_required', { approval_id: 'apr_1', tool: 'k.delete_pod', effect: 'destructive', reason: 'r' });
    ev('ping', {});
    ev('approval_resolved', { approval_id: 'apr_1', decision: 'approved', note: null });
    ev('tool_result', { tool_call_id: 'tc_1', status: 'completed', usage_ms: 5 });
    ev('content_delta', { delta: 'Done.' });
    ev('message_end', { finish_reason: 'end_turn' });
    expect(text).toBe(
      [
        'Looking…',
        '[tool call tc_1] k.delete_pod {"n":1}',
        '[approval required apr_1] k.delete_pod (destructive): r',
        '  decide with: agentcy approvals approve apr_1  |  agentcy approvals deny apr_1',
        '[approval approved apr_1]',
        '[tool result tc_1] completed in 5 ms',
        'Done.',
        '',
      ].join('\n'),
    );
    expect(r.finish).toBe('end_turn');
    expect(r.conversationId).toBe('conv_1');
  });
});
