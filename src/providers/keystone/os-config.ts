/**
 * Where the keystone provider's credential comes from, the way the `openstack` CLI and Terraform's OpenStack
 * provider find theirs: a cloud of clouds.yaml (keys.yaml `cloud:` or OS_CLOUD), else the OS_* environment
 * variables; keys.yaml's `auth_url` and `project` override either. The password or application credential
 * secret is only ever read from there, never from keys.yaml.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { KeyplanError } from '../../core/errors.js';
import { Secret } from '../../core/secret.js';
import type { Millis } from '../../core/model.js';

export interface KeystoneSettings {
  authUrl?: string;
  cloud?: string;
  project?: string;
  timeoutMs?: Millis;
}

/** The `auth:` fields of clouds.yaml, named as the OS_* variables name them (without the prefix, lower case). */
type AuthFields = Partial<Record<(typeof AUTH_FIELDS)[number], string>>;
const AUTH_FIELDS = [
  'auth_url', 'username', 'user_id', 'password', 'project_name', 'project_id', 'user_domain_name', 'user_domain_id',
  'project_domain_name', 'project_domain_id', 'application_credential_id', 'application_credential_secret',
] as const;

export interface KeystoneAuth {
  /** The identity API, ending in /v3. */
  authUrl: string;
  /** The `auth` object of POST /v3/auth/tokens. */
  body: { identity: Record<string, unknown>; scope?: Record<string, unknown> };
  /** Where the credential was read, for messages: "the OS_* environment variables", "cloud prod of ./clouds.yaml". */
  source: string;
  /** Authenticating with an application credential: its id (keyplan never revokes or rotates it away). */
  applicationCredentialId?: string;
  /** The secrets in `body`, so messages can be checked against them. */
  secrets: Secret[];
}

type ReadFile = (path: string) => string | undefined;
const readIfThere: ReadFile = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

export function resolveAuth(name: string, settings: KeystoneSettings, env: NodeJS.ProcessEnv, read: ReadFile = readIfThere): KeystoneAuth {
  const cloud = settings.cloud ?? env.OS_CLOUD?.trim();
  const found = cloud ? fromCloudsYaml(name, cloud, env, read) : { fields: fromEnv(env), source: 'the OS_* environment variables' };
  const fields: AuthFields = { ...found.fields };
  if (settings.authUrl) fields.auth_url = settings.authUrl;
  if (settings.project) {
    delete fields.project_id;
    delete fields.project_name;
    if (/^[0-9a-f]{32}$/.test(settings.project)) fields.project_id = settings.project;
    else fields.project_name = settings.project;
  }
  const fail = (what: string) => new KeyplanError(`provider "${name}" (keystone) needs ${what}; read from ${found.source}`);
  if (!fields.auth_url) throw fail('an identity URL: OS_AUTH_URL, auth.auth_url in clouds.yaml, or auth_url in keys.yaml');
  const authUrl = identityUrl(fields.auth_url);
  if (fields.application_credential_id || fields.application_credential_secret) {
    if (!fields.application_credential_id || !fields.application_credential_secret) throw fail('both OS_APPLICATION_CREDENTIAL_ID and OS_APPLICATION_CREDENTIAL_SECRET');
    const secret = new Secret(fields.application_credential_secret);
    return {
      authUrl,
      body: { identity: { methods: ['application_credential'], application_credential: { id: fields.application_credential_id, secret: secret.reveal() } } },
      source: found.source,
      applicationCredentialId: fields.application_credential_id,
      secrets: [secret],
    };
  }
  if (!fields.password) throw fail('a password (OS_PASSWORD) or an application credential (OS_APPLICATION_CREDENTIAL_ID and _SECRET)');
  if (!fields.username && !fields.user_id) throw fail('a user: OS_USERNAME or OS_USER_ID');
  if (!fields.project_name && !fields.project_id) throw fail('a project to work in: OS_PROJECT_NAME or OS_PROJECT_ID, or project in keys.yaml');
  const password = new Secret(fields.password);
  const user = fields.user_id ? { id: fields.user_id } : { name: fields.username, domain: domain(fields.user_domain_id, fields.user_domain_name) };
  const project = fields.project_id ? { id: fields.project_id } : { name: fields.project_name, domain: domain(fields.project_domain_id, fields.project_domain_name) };
  return {
    authUrl,
    body: { identity: { methods: ['password'], password: { user: { ...user, password: password.reveal() } } }, scope: { project } },
    source: found.source,
    secrets: [password],
  };
}

function domain(id: string | undefined, name: string | undefined): Record<string, string> {
  return id ? { id } : { name: name ?? 'Default' };
}

/** OS_AUTH_URL is the identity endpoint, with or without its version: the API is under /v3. */
function identityUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return /\/v3$/.test(trimmed) ? trimmed : `${trimmed}/v3`;
}

function fromEnv(env: NodeJS.ProcessEnv): AuthFields {
  const fields: AuthFields = {};
  for (const field of AUTH_FIELDS) {
    const value = env[`OS_${field.toUpperCase()}`]?.trim();
    if (value) fields[field] = value;
  }
  return fields;
}

/** clouds.yaml as openstacksdk finds it: OS_CLIENT_CONFIG_FILE, ./clouds.yaml, ~/.config/openstack/, /etc/openstack/. */
function fromCloudsYaml(name: string, cloud: string, env: NodeJS.ProcessEnv, read: ReadFile): { fields: AuthFields; source: string } {
  const places = [env.OS_CLIENT_CONFIG_FILE, 'clouds.yaml', join(env.HOME ?? homedir(), '.config/openstack/clouds.yaml'), '/etc/openstack/clouds.yaml'];
  for (const place of places) {
    if (!place) continue;
    const text = read(place);
    if (text === undefined) continue;
    let clouds: unknown;
    try {
      clouds = (parse(text) as { clouds?: unknown } | null)?.clouds;
    } catch (error) {
      throw new KeyplanError(`provider "${name}" (keystone): ${place} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    }
    const entry = (clouds as Record<string, { auth?: Record<string, unknown> }> | undefined)?.[cloud];
    if (!entry) throw new KeyplanError(`provider "${name}" (keystone): ${place} has no cloud ${JSON.stringify(cloud)}`);
    const fields: AuthFields = {};
    for (const field of AUTH_FIELDS) {
      const value = entry.auth?.[field];
      if (typeof value === 'string' && value !== '') fields[field] = value;
    }
    return { fields, source: `cloud ${cloud} of ${place}` };
  }
  throw new KeyplanError(`provider "${name}" (keystone): cloud ${JSON.stringify(cloud)} is chosen, but no clouds.yaml was found (${places.filter(Boolean).join(', ')})`);
}
