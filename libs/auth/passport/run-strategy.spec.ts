import { UnauthorizedException } from '@libs/errors';
import type { IncomingMessage } from 'node:http';
import { Strategy as CustomStrategy } from 'passport-custom';
import { attachBearer, authenticateWith, bearerFromRequest } from './run-strategy';

const req = (bearer?: string) => {
  const r = { headers: {} } as IncomingMessage;
  if (bearer) {
    attachBearer(r, bearer);
  }
  return r;
};

describe('authenticateWith (a Passport strategy run by the guard)', () => {
  it('resolves with the verified user; concurrent runs of one strategy keep their own result', async () => {
    const s = new CustomStrategy((r, done) => {
      const b = bearerFromRequest(r);
      setTimeout(() => done(null, { who: b }), b === 'slow' ? 20 : 1);
    });
    const [a, b] = await Promise.all([authenticateWith(s, req('slow')), authenticateWith(s, req('fast'))]);
    expect([a, b]).toEqual([{ who: 'slow' }, { who: 'fast' }]);
  });

  it('an error from validate() is rethrown unchanged', async () => {
    const err = new UnauthorizedException('nope', { reason: 'session_revoked' });
    const s = new CustomStrategy((_r, done) => done(err));
    await expect(authenticateWith(s, req('x'))).rejects.toBe(err);
  });

  it('a failure goes through the strategy rejection(info), or a plain 401', async () => {
    const s = Object.assign(new CustomStrategy((_r, done) => done(null, false, { why: 'bad' })), {
      rejection: (info: unknown) => new UnauthorizedException('x', { reason: (info as { why: string }).why }),
    });
    await expect(authenticateWith(s, req('x'))).rejects.toMatchObject({ status: 401, details: { reason: 'bad' } });
    const plain = new CustomStrategy((_r, done) => done(null, false));
    await expect(authenticateWith(plain, req('x'))).rejects.toMatchObject({ status: 401 });
  });

  it("as passport's callback form: fail(status) has no info, pass() is a 401, and the request gets no session helpers", async () => {
    const infos: unknown[] = [];
    const rejection = (info: unknown) => {
      infos.push(info);
      return new UnauthorizedException('x', { reason: 'refused' });
    };
    const failing = Object.assign(new CustomStrategy((_r, done) => done(null, false)), { rejection });
    failing.authenticate = function (this: { fail: (s: number) => void }) {
      this.fail(401);
    };
    await expect(authenticateWith(failing, req('x'))).rejects.toMatchObject({ details: { reason: 'refused' } });
    expect(infos).toEqual([undefined]);
    const passing = new CustomStrategy((_r, done) => done(null, false));
    passing.authenticate = function (this: { pass: () => void }) {
      this.pass();
    };
    await expect(authenticateWith(passing, req('x'))).rejects.toMatchObject({ status: 401 });
    const r = req('x');
    await authenticateWith(new CustomStrategy((_r, done) => done(null, { ok: true })), r);
    expect(Object.keys(r)).toEqual(['headers']);
  });

  it('the attached bearer is not enumerable (never logged or serialised with the request)', () => {
    const r = req('secret-token');
    expect(Object.keys(r)).not.toContain('secret-token');
    expect(JSON.stringify(r)).not.toContain('secret-token');
    expect(bearerFromRequest(r)).toBe('secret-token');
  });
});
