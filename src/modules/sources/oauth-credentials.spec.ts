import { githubConnector } from '@libs/connectors/github/github.connector';
import { misdirectedTokenField, oauthClientFor } from './oauth-credentials';

describe('oauthClientFor', () => {
  const install = { clientId: 'install-id', clientSecret: 'install-secret' };

  it('uses the install client when the source names none', () => {
    expect(oauthClientFor(install, null)).toEqual({ ...install, install: true });
    expect(oauthClientFor(install, { token: 'x' })).toEqual({ ...install, install: true });
  });

  it('never pairs the install secret with an org client id', () => {
    expect(oauthClientFor(install, { client_id: 'org-id' })).toEqual({
      clientId: 'org-id',
      clientSecret: undefined,
      install: false,
    });
    expect(oauthClientFor(install, { client_id: 'org-id', client_secret: 'org-secret' })).toEqual({
      clientId: 'org-id',
      clientSecret: 'org-secret',
      install: false,
    });
  });
});

describe('misdirectedTokenField', () => {
  it('accepts the connector default and the install API URL', () => {
    expect(misdirectedTokenField(githubConnector, { owner: 'o' })).toBeNull();
    expect(misdirectedTokenField(githubConnector, { base_url: 'https://api.github.com/' })).toBeNull();
    expect(
      misdirectedTokenField(githubConnector, { base_url: 'https://ghe.corp/api/v3' }, 'https://ghe.corp/api/v3'),
    ).toBeNull();
  });

  it('refuses a source that would send the token elsewhere', () => {
    expect(misdirectedTokenField(githubConnector, { base_url: 'http://127.0.0.1:9999' })).toBe('base_url');
    expect(misdirectedTokenField(githubConnector, { owner: 'o' }, 'https://ghe.corp/api/v3')).toBe('base_url');
  });
});
