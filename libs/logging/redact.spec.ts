import express from 'express';
import { Writable } from 'node:stream';
import request from 'supertest';
import { createRootLogger, PinoNestLogger } from './logger';
import { redactText, redactUrl } from './redact';
import { requestContext } from './request-id.middleware';

/** A logger writing into memory: what would have reached stdout. */
function captured() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { logger: createRootLogger('trace', stream), text: () => lines.join('') };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('log redaction', () => {
  it('masks credential fields at any of the usual depths', async () => {
    const { logger, text } = captured();
    logger.info(
      {
        password: 'pw-top-1',
        token: 'tok-top-1',
        body: { password: 'pw-nested-1', api_key: 'ak-nested-1', client_secret: 'cs-nested-1' },
        req: { headers: { authorization: 'Bearer jwt-1', cookie: 'sid=cookie-1', 'x-agentcy-secret': 'cis-1' } },
        err: { parameters: ['param-secret-1'], config: { headers: { Authorization: 'Bearer deep-1' } } },
        nested: { deeper: { deepest: { secret: 'sec-deep-1' } } },
      },
      'hello',
    );
    await flush();
    const out = text();
    for (const s of [
      'pw-top-1',
      'tok-top-1',
      'pw-nested-1',
      'ak-nested-1',
      'cs-nested-1',
      'jwt-1',
      'cookie-1',
      'cis-1',
      'param-secret-1',
      'deep-1',
      'sec-deep-1',
    ]) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain('[redacted]');
    expect(out).toContain('hello');
  });

  it('masks credentials in free-text Nest log messages', async () => {
    const { logger, text } = captured();
    const nest = new PinoNestLogger(logger);
    nest.warn('calling https://x.test/a?token=tok-msg-1&page=2 with Bearer jwt-msg-1', 'Ctx');
    nest.error('failed ak_live_abcdefghijklmnop', 'stack at ?secret=sec-stack-1', 'Ctx');
    nest.log({ path: '/a', password: 'pw-obj-1' }, 'with object');
    await flush();
    const out = text();
    for (const s of ['tok-msg-1', 'jwt-msg-1', 'abcdefghijklmnop', 'sec-stack-1', 'pw-obj-1']) {
      expect(out).not.toContain(s);
    }
    expect(out).toContain('page=2');
  });

  it('the access log never carries the query string (tokens, secrets) or credential headers', async () => {
    const { logger, text } = captured();
    const app = express();
    app.use(requestContext(logger));
    app.get('/api/v1/ws', (_req, res) => res.status(200).send('ok'));
    await request(app)
      .get('/api/v1/ws?token=tok-access-1&secret=sec-access-1')
      .set('Authorization', 'Bearer jwt-access-1')
      .set('Cookie', 'sid=cookie-access-1')
      .expect(200);
    await flush();
    const out = text();
    expect(out).toContain('/api/v1/ws');
    for (const s of ['tok-access-1', 'sec-access-1', 'jwt-access-1', 'cookie-access-1']) {
      expect(out).not.toContain(s);
    }
  });
});

describe('redactUrl / redactText', () => {
  it('replaces values of credential query parameters only', () => {
    expect(redactUrl('/api/v1/ws?token=abc&topic=graph')).toBe('/api/v1/ws?token=[redacted]&topic=graph');
    expect(redactUrl('/cb?code=c1&state=s1&error=x')).toBe('/cb?code=[redacted]&state=[redacted]&error=x');
    expect(redactUrl('/a?Secret=1&api%5Fkey=2')).toBe('/a?Secret=[redacted]&api%5Fkey=[redacted]');
    expect(redactUrl('/plain')).toBe('/plain');
  });

  it('masks bearer credentials and API keys in text', () => {
    expect(redactText('Authorization: Bearer eyJhbGciOi.x.y')).toBe('Authorization: Bearer [redacted]');
    expect(redactText('key ak_live_0123456789abcdef used')).toBe('key ak_[redacted] used');
  });
});
