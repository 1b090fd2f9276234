/** The provider contract suite against `type: cloudflare`, user tokens and account-owned tokens, over the description-checked stand-in. */
import { CLOUDFLARE_ACCOUNT, CloudflareStandIn, useStandIn } from '../../e2e/helpers/index.js';
import { openProvider } from '../../../src/providers/index.js';
import { describeConformance } from '../conformance.js';

const source = { file: 'keys.yaml', line: 1, column: 1 };
const cloudflare = useStandIn(() => CloudflareStandIn.start());

for (const accountId of [undefined, CLOUDFLARE_ACCOUNT]) {
  describeConformance(`cloudflare (${accountId === undefined ? 'user tokens' : 'account-owned tokens'}, stand-in checked against Cloudflare's OpenAPI)`, async () => {
    const standIn = cloudflare();
    const admin = accountId === undefined ? standIn.userAdmin : standIn.accountAdmin;
    const provider = await openProvider(
      { name: 'cf', type: 'cloudflare', settings: { apiUrl: standIn.url, tokenEnv: 'CF_TOKEN', ...(accountId === undefined ? {} : { accountId }) }, source },
      { env: { CF_TOKEN: admin.value } },
    );
    return {
      provider,
      roles: { narrow: ['Zone Read'], broad: ['DNS Write', 'Zone Read'] },
      use: async (secret) => standIn.use(secret.reveal()),
      revokeOutOfBand: async (id) => standIn.deleteToken(id),
      close: () => provider.close(),
    };
  });
}
