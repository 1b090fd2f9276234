/** `type: strapi`: the API tokens of a Strapi 5 (Settings > API Tokens), managed through its admin API. */
import type { ProviderNormalizer } from '../../core/config.js';
import { asString } from '../../core/config-source.js';
import type { Millis } from '../../core/model.js';
import { defineBuiltInProvider } from '../built-in.js';
import { envVarProperty, TIMEOUT_PROPERTY, timeout, transport, urlProperty } from '../settings-fields.js';
import { STRAPI_CAPABILITIES } from './capabilities.js';

export type StrapiAuthSettings = { tokenEnv: string } | { emailEnv: string; passwordEnv: string };

export interface StrapiSettings {
  url: string;
  auth: StrapiAuthSettings;
  timeoutMs?: Millis;
}

const normalize: ProviderNormalizer = (ctx) => {
  const { entry } = ctx;
  const url = asString(entry.url);
  const tokenEnv = asString(entry.token_env);
  const emailEnv = asString(entry.email_env);
  const passwordEnv = asString(entry.password_env);
  const auth: StrapiAuthSettings | undefined = tokenEnv ? { tokenEnv } : emailEnv && passwordEnv ? { emailEnv, passwordEnv } : undefined;
  if (!auth && entry.token_env === undefined && entry.email_env === undefined && entry.password_env === undefined) {
    ctx.issues.add(ctx.doc, ctx.path, `provider ${ctx.name}: a strapi provider needs token_env (an admin token, best) or email_env and password_env (an admin user)`, 'key');
  }
  if (!url || !auth) return undefined;
  return { url, auth, ...timeout(ctx) } satisfies StrapiSettings;
};

export default defineBuiltInProvider({
  type: 'strapi',
  settings: {
    title: 'The API tokens of a Strapi 5 (Settings > API Tokens), managed through its admin API.',
    required: ['url'],
    properties: {
      url: urlProperty('Base URL of the Strapi server, e.g. https://cms.example.com.'),
      token_env: envVarProperty(
        'The environment variable holding a Strapi admin token with admin::api-tokens.read, create, update, delete and regenerate. Preferred over email_env/password_env.',
      ),
      email_env: envVarProperty("Instead of token_env: the environment variable holding an admin user's email; keyplan logs in once per run (Strapi allows 5 logins per 5 minutes)."),
      password_env: envVarProperty("With email_env: the environment variable holding that admin user's password."),
      timeout: TIMEOUT_PROPERTY,
    },
    extra: { dependentRequired: { email_env: ['password_env'], password_env: ['email_env'] } },
  },
  normalize,
  capabilities: { declared: STRAPI_CAPABILITIES, source: 'provider' },
  traits: { listingHasNoSideEffects: true },
  async open() {
    const { StrapiProvider } = await import('./strapi.js');
    return (config, options) => {
      const settings = config.settings as unknown as StrapiSettings;
      return new StrapiProvider({ name: config.name, url: settings.url, auth: settings.auth, env: options.env, ...transport(options, settings.timeoutMs) });
    };
  },
});
