import { Writable } from 'node:stream';
import { accessLineWriter, type AccessFields } from './access-line';
import { createAccessLogger } from './logger';

function capturedLogger(level: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createAccessLogger(level, stream), lines };
}

const withoutTime = (line: string) => line.replace(/"time":"[^"]+"/, '"time":"T"');

describe('accessLineWriter', () => {
  const cases: AccessFields[] = [
    { request_id: 'req_1', method: 'GET', path: '/api/v1/health', status: 200, duration_ms: 1.5 },
    {
      request_id: 'req_2',
      method: 'POST',
      path: '/api/v1/a "quoted" \\ back\nline é 😀',
      status: 503,
      duration_ms: 12,
      user_id: 'u-1',
      org_id: 'o-"1"',
    },
    { request_id: 'req_3', method: 'DELETE', path: '/x', status: 404, duration_ms: 0, org_id: 'o-2' },
  ];

  it.each(cases)('writes the line pino writes for the same fields (%#)', async (fields) => {
    const viaPino = capturedLogger('info');
    viaPino.logger.info(fields, 'request');
    const direct = capturedLogger('info');
    accessLineWriter(direct.logger)(fields);
    await new Promise((r) => setImmediate(r));
    expect(direct.lines).toHaveLength(1);
    expect(withoutTime(direct.lines[0])).toBe(withoutTime(viaPino.lines[0]));
    const parsed = JSON.parse(direct.lines[0]) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'info', service: 'agentcy-api', msg: 'request', ...fields });
    expect(new Date(parsed.time as string).toISOString()).toBe(parsed.time);
  });

  it('writes nothing when the level is above info, and follows a level changed later', () => {
    const quiet = capturedLogger('warn');
    const write = accessLineWriter(quiet.logger);
    write(cases[0]);
    expect(quiet.lines).toHaveLength(0);
    quiet.logger.level = 'info';
    write(cases[0]);
    expect(quiet.lines).toHaveLength(1);
  });
});
