import { describe, expect, it } from 'vitest';
import { KeyplanError } from '../../../src/core/errors.js';
import { resolveAuth } from '../../../src/providers/keystone/os-config.js';

const PASSWORD_ENV = {
  OS_AUTH_URL: 'https://keystone.example.com:5000',
  OS_USERNAME: 'deployer',
  OS_PASSWORD: 'a-password-of-some-length',
  OS_PROJECT_NAME: 'billing',
  OS_USER_DOMAIN_NAME: 'Users',
  OS_PROJECT_DOMAIN_NAME: 'Projects',
};

const CLOUDS = `clouds:
  prod:
    auth:
      auth_url: https://prod.example.com/v3/
      application_credential_id: 0123456789abcdef0123456789abcdef
      application_credential_secret: an-application-credential-secret
`;

const files = (entries: Record<string, string>) => (path: string) => entries[path];

describe('the keystone provider reads its credential the OpenStack way', () => {
  it('from the OS_* variables: a password scoped to a project by name, domains as given, /v3 added', () => {
    const auth = resolveAuth('cloud', {}, PASSWORD_ENV, files({}));
    expect(auth.authUrl).toBe('https://keystone.example.com:5000/v3');
    expect(auth.body).toEqual({
      identity: { methods: ['password'], password: { user: { name: 'deployer', domain: { name: 'Users' }, password: PASSWORD_ENV.OS_PASSWORD } } },
      scope: { project: { name: 'billing', domain: { name: 'Projects' } } },
    });
    expect(auth.source).toBe('the OS_* environment variables');
    expect(String(auth.secrets[0])).toBe('[redacted]');
  });

  it('from a cloud of clouds.yaml (OS_CLOUD, or cloud: in keys.yaml, which wins), with an application credential', () => {
    const env = { OS_CLOUD: 'prod', OS_CLIENT_CONFIG_FILE: '/etc/acme/clouds.yaml' };
    const auth = resolveAuth('cloud', {}, env, files({ '/etc/acme/clouds.yaml': CLOUDS }));
    expect(auth).toMatchObject({ authUrl: 'https://prod.example.com/v3', applicationCredentialId: '0123456789abcdef0123456789abcdef', source: 'cloud prod of /etc/acme/clouds.yaml' });
    expect(auth.body.identity).toEqual({ methods: ['application_credential'], application_credential: { id: '0123456789abcdef0123456789abcdef', secret: 'an-application-credential-secret' } });
    expect(() => resolveAuth('cloud', { cloud: 'staging' }, env, files({ '/etc/acme/clouds.yaml': CLOUDS }))).toThrow('/etc/acme/clouds.yaml has no cloud "staging"');
  });

  it('keys.yaml auth_url and project override the environment (a 32-hex project is an id)', () => {
    const auth = resolveAuth('cloud', { authUrl: 'https://other.example.com/identity/v3', project: '0123456789abcdef0123456789abcdef' }, PASSWORD_ENV, files({}));
    expect(auth.authUrl).toBe('https://other.example.com/identity/v3');
    expect(auth.body.scope).toEqual({ project: { id: '0123456789abcdef0123456789abcdef' } });
  });

  it('says what is missing, and where it looked, in one line', () => {
    const { OS_PROJECT_NAME: _project, ...noProject } = PASSWORD_ENV;
    expect(() => resolveAuth('cloud', {}, noProject, files({}))).toThrow(KeyplanError);
    expect(() => resolveAuth('cloud', {}, noProject, files({}))).toThrow(
      'provider "cloud" (keystone) needs a project to work in: OS_PROJECT_NAME or OS_PROJECT_ID, or project in keys.yaml; read from the OS_* environment variables',
    );
    expect(() => resolveAuth('cloud', {}, {}, files({}))).toThrow(/needs an identity URL: OS_AUTH_URL/);
    expect(() => resolveAuth('cloud', {}, { OS_AUTH_URL: 'https://k.example.com', OS_APPLICATION_CREDENTIAL_ID: 'abc' }, files({}))).toThrow(/both OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET/);
    expect(() => resolveAuth('cloud', { cloud: 'prod' }, { HOME: '/nonexistent' }, files({}))).toThrow(/no clouds.yaml was found/);
  });
});
