/** `type: keystone`: OpenStack Keystone application credentials, configured the OpenStack way (OS_* / clouds.yaml). */
import type { ProviderNormalizer } from '../../core/config.js';
import { asString } from '../../core/config-source.js';
import { defineBuiltInProvider } from '../built-in.js';
import { TIMEOUT_PROPERTY, timeout, transport, urlProperty } from '../settings-fields.js';
import { KEYSTONE_CAPABILITIES } from './capabilities.js';
import type { KeystoneSettings } from './os-config.js';

const normalize: ProviderNormalizer = (ctx) => {
  const { entry } = ctx;
  const settings: KeystoneSettings = { ...timeout(ctx) };
  const authUrl = asString(entry.auth_url);
  const cloud = asString(entry.cloud);
  const project = asString(entry.project);
  if (authUrl) settings.authUrl = authUrl;
  if (cloud) settings.cloud = cloud;
  if (project) settings.project = project;
  return settings as Record<string, unknown>;
};

export default defineBuiltInProvider({
  type: 'keystone',
  settings: {
    title:
      'OpenStack Keystone application credentials of the user keyplan authenticates as, read the way the openstack CLI reads them: clouds.yaml (cloud, or OS_CLOUD), else the OS_* environment variables. It needs a password or an unrestricted application credential (a restricted one cannot create others).',
    properties: {
      auth_url: urlProperty('The identity endpoint, e.g. https://keystone.example.com/v3; overrides OS_AUTH_URL and clouds.yaml.'),
      cloud: { description: 'A cloud of clouds.yaml to read the credential from; overrides OS_CLOUD.', type: 'string', minLength: 1 },
      project: { description: 'The project (name, or 32-hex id) whose credentials keyplan manages; overrides OS_PROJECT_NAME / OS_PROJECT_ID.', type: 'string', minLength: 1 },
      timeout: TIMEOUT_PROPERTY,
    },
  },
  keyFields: {
    description: 'What only a Keystone application credential has; any change rotates the credential.',
    schema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        unrestricted: {
          description: 'true: the credential may create and delete application credentials and trusts (give it only to something like keyplan itself). Default false.',
          type: 'boolean',
        },
        access_rules: {
          description: 'Limit the credential to these API calls: each a service type, an HTTP method and a path (may use * and **).',
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['service', 'method', 'path'],
            properties: {
              service: { description: 'A service type of the catalog, e.g. compute.', type: 'string', minLength: 1 },
              method: { description: 'The HTTP method.', enum: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] },
              path: { description: 'The request path, e.g. /v2.1/servers/*.', type: 'string', pattern: '^/' },
            },
          },
        },
      },
    },
  },
  normalize,
  capabilities: { declared: KEYSTONE_CAPABILITIES, source: 'provider' },
  traits: { listingHasNoSideEffects: true },
  async open() {
    const [{ KeystoneProvider }, { resolveAuth }] = await Promise.all([import('./keystone.js'), import('./os-config.js')]);
    return (config, options) => {
      const settings = config.settings as unknown as KeystoneSettings;
      return new KeystoneProvider({ name: config.name, auth: resolveAuth(config.name, settings, options.env), ...transport(options, settings.timeoutMs) });
    };
  },
});
