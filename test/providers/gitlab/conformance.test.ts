/** The provider contract suite against `type: gitlab` (a user's personal tokens, a project's, a group's), over the description-checked stand-in. */
import { GitLabStandIn, useStandIn } from '../../e2e/helpers/index.js';
import { openProvider } from '../../../src/providers/index.js';
import type { GitLabTarget } from '../../../src/providers/gitlab/settings.js';
import { describeConformance } from '../conformance.js';

const source = { file: 'keys.yaml', line: 1, column: 1 };
const gitlab = useStandIn(() => GitLabStandIn.start());
const targets: GitLabTarget[] = [{ kind: 'user', ref: 'alice' }, { kind: 'project', ref: 'acme/app' }, { kind: 'group', ref: '20' }];

for (const target of targets) {
  describeConformance(`gitlab (${target.kind} ${target.ref}, stand-in checked against GitLab's documented API)`, async () => {
    const standIn = gitlab();
    const provider = await openProvider(
      { name: 'gl', type: 'gitlab', settings: { url: standIn.origin, tokenEnv: 'GL_TOKEN', target, maxLifetimeMs: 365 * 86_400_000, expiryRequired: true }, source },
      { env: { GL_TOKEN: standIn.admin.value } },
    );
    return {
      provider,
      roles: { narrow: ['read_api'], broad: target.kind === 'user' ? ['api', 'read_repository'] : ['api', 'developer'] },
      use: async (secret) => standIn.use(secret.reveal()),
      revokeOutOfBand: async (id) => standIn.revokeToken(Number(id)),
      close: () => provider.close(),
    };
  });
}
