import { decideRegistration, ensureRegistrationAllowed } from './registration-policy';

describe('registration policy (REGISTRATION)', () => {
  const refusalCode = (d: ReturnType<typeof decideRegistration>) => (d.allowed ? undefined : d.refusal.code);

  it('open: anyone; the first account of an empty install is the bootstrap account', () => {
    expect(decideRegistration('open', { withInvite: false, installEmpty: false })).toEqual({
      allowed: true,
      bootstrap: false,
    });
    expect(decideRegistration('open', { withInvite: true, installEmpty: false })).toEqual({
      allowed: true,
      bootstrap: false,
    });
    expect(decideRegistration('open', { withInvite: false, installEmpty: true })).toEqual({
      allowed: true,
      bootstrap: true,
    });
  });

  it('invite: only with an invite, except the bootstrap of an empty install', () => {
    expect(refusalCode(decideRegistration('invite', { withInvite: false, installEmpty: false }))).toBe(
      'invite_required',
    );
    expect(decideRegistration('invite', { withInvite: true, installEmpty: false }).allowed).toBe(true);
    expect(decideRegistration('invite', { withInvite: false, installEmpty: true })).toEqual({
      allowed: true,
      bootstrap: true,
    });
  });

  it('closed: nobody, not with an invite, not on an empty install (403 registration_closed)', () => {
    for (const request of [
      { withInvite: false, installEmpty: false },
      { withInvite: true, installEmpty: false },
      { withInvite: false, installEmpty: true },
    ]) {
      const d = decideRegistration('closed', request);
      expect(refusalCode(d)).toBe('registration_closed');
      expect(d.allowed ? 0 : d.refusal.status).toBe(403);
    }
    expect(() => ensureRegistrationAllowed('closed', { withInvite: true, installEmpty: false })).toThrow(
      'Registration is closed on this install',
    );
  });
});
