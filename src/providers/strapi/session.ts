/**
 * How the strapi provider authenticates: an admin token from `token_env` (best), or an admin user's
 * email and password (`email_env`, `password_env`) logged in once per run. Logging out is never
 * done: Strapi's logout ends every session of that user.
 */
import { KeyplanError, ProviderError } from '../../core/errors.js';
import { Secret } from '../../core/secret.js';
import { KeyServiceClient, type KeyServiceClientOptions } from '../http-client.js';

export type StrapiAuth = { tokenEnv: string } | { emailEnv: string; passwordEnv: string };

export type ClientOptions = Omit<KeyServiceClientOptions, 'token' | 'serviceLabel'>;

/** Where the credential came from, for messages: `$STRAPI_TOKEN`, `the admin user in $STRAPI_EMAIL`. */
export function credentialLabel(auth: StrapiAuth): string {
  return 'tokenEnv' in auth ? `the admin token in $${auth.tokenEnv}` : `the admin user in $${auth.emailEnv}`;
}

/** A client that sends the admin token, or the JWT of a fresh login. */
export async function openSession(name: string, auth: StrapiAuth, env: NodeJS.ProcessEnv, options: ClientOptions): Promise<KeyServiceClient> {
  const label = 'Strapi';
  if ('tokenEnv' in auth) {
    return new KeyServiceClient({ ...options, token: new Secret(required(name, options.url, env, auth.tokenEnv, 'an admin token')), serviceLabel: label });
  }
  const email = required(name, options.url, env, auth.emailEnv, "an admin user's email");
  const password = new Secret(required(name, options.url, env, auth.passwordEnv, "the admin user's password"));
  const anonymous = new KeyServiceClient({ ...options, retry: { ...options.retry, maxAttempts: 1 }, serviceLabel: label });
  try {
    const reply = await anonymous.send({ method: 'POST', path: '/admin/login', body: { email, password: password.reveal() } });
    const data = (reply.body as { data?: { token?: unknown; accessToken?: unknown } } | undefined)?.data;
    const jwt = typeof data?.accessToken === 'string' ? data.accessToken : data?.token;
    if (reply.status === 200 && typeof jwt === 'string') {
      return new KeyServiceClient({ ...options, token: new Secret(jwt), serviceLabel: label });
    }
    if (reply.status === 429) throw rateLimited(options, email, reply.headers['x-ratelimit-reset']);
    if (reply.status === 400 || reply.status === 401) {
      throw new ProviderError(`Strapi at ${options.url} refused the login of ${email} ($${auth.emailEnv}, $${auth.passwordEnv}): wrong email or password, or the user is blocked`, reply.status, 'unauthorized');
    }
    throw new ProviderError(`cannot log in to Strapi at ${options.url}: HTTP ${reply.status}`, reply.status);
  } finally {
    await anonymous.close();
  }
}

function rateLimited(options: ClientOptions, email: string, reset: string | undefined): ProviderError {
  const now = (options.now ?? Date.now)();
  const resetAt = Number(reset) * 1000;
  const wait = Number.isFinite(resetAt) && resetAt > now ? ` in ${Math.ceil((resetAt - now) / 1000)} s (at ${new Date(resetAt).toISOString()})` : ' in 5 minutes';
  return new ProviderError(
    `Strapi at ${options.url} refused the login of ${email}: too many logins (Strapi allows 5 per 5 minutes per email and address, successful ones included); try again${wait}, or use an admin token (token_env), which needs no login`,
    429,
    'rate_limited',
  );
}

function required(name: string, url: string, env: NodeJS.ProcessEnv, variable: string, what: string): string {
  const value = env[variable]?.trim();
  if (!value) throw new KeyplanError(`provider "${name}" (Strapi at ${url}) needs ${what} in the environment variable ${variable}, which is not set`);
  return value;
}
