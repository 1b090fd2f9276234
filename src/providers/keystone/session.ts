/** A Keystone token for the run: one POST /v3/auth/tokens with the password or application credential found (os-config.ts). */
import { ProviderError } from '../../core/errors.js';
import { Secret } from '../../core/secret.js';
import type { KeyServiceClient } from '../http-client.js';
import type { KeystoneAuth } from './os-config.js';

export interface KeystoneSession {
  token: Secret;
  userId: string;
  projectId: string;
  projectName: string;
  /** The roles the token carries on the project, implied ones included. */
  roles: string[];
}

interface TokenBody {
  token?: { user?: { id?: string }; project?: { id?: string; name?: string }; roles?: { name: string }[] };
  error?: { message?: string };
}

export async function openSession(client: KeyServiceClient, auth: KeystoneAuth): Promise<KeystoneSession> {
  const reply = await client.send({ method: 'POST', path: '/auth/tokens', body: { auth: auth.body } });
  const body = reply.body as TokenBody | undefined;
  const subject = reply.headers['x-subject-token'];
  if (reply.status === 201 && typeof subject === 'string' && body?.token?.user?.id && body.token.project?.id) {
    return {
      token: new Secret(subject),
      userId: body.token.user.id,
      projectId: body.token.project.id,
      projectName: body.token.project.name ?? body.token.project.id,
      roles: (body.token.roles ?? []).map((role) => role.name),
    };
  }
  if (reply.status === 201) throw new ProviderError(`Keystone at ${auth.authUrl} gave a token with no project scope (read from ${auth.source}): keyplan needs a project-scoped credential`, 201, 'bad_response', 'refused');
  if (reply.status === 401) {
    throw new ProviderError(`Keystone at ${auth.authUrl} rejected the credential read from ${auth.source}: wrong, expired or deleted (${body?.error?.message ?? 'HTTP 401'})`, 401, 'unauthorized');
  }
  throw new ProviderError(`cannot authenticate to Keystone at ${auth.authUrl} (credential from ${auth.source}): HTTP ${reply.status}${body?.error?.message ? `: ${body.error.message}` : ''}`, reply.status);
}
