// Keys in TypeScript: the same keys a keys.yaml would declare, with loops and shared defaults.
// Plan and apply from this directory with:  npx keyplan plan --app "npx tsx keys.ts"
import { ApiKey, KeyPlan, Provider, Team, type RotationProps } from 'keyplan/constructs';

const environments = ['staging', 'prod'] as const;
/** Every team rotates the same way: a new key every 90 days, the old one kept a day for stragglers. */
const rotation: RotationProps = { every: '90d', beforeExpiry: '14d', overlap: '24h' };

const plan = new KeyPlan(undefined, 'keys', {
  policy: { staleAfter: '90d', requireExpiryFor: ['ADMIN'], maxLifetime: '1y' },
});
// A local key store for the example; a team's real service would be
// new Provider(plan, 'prod', { type: 'http', url: 'https://keys.example.com', tokenEnv: 'KEYPLAN_TOKEN' }).
const store = new Provider(plan, 'default', { type: 'local', path: '.keyplan/keys.db' });

const billing = new Team(plan, 'team-billing', { provider: store, consumers: ['billing-dashboard'], rotation });
new ApiKey(billing, 'Billing_Reader', {
  description: 'Reads invoices for the billing dashboard',
  roles: ['READONLY'],
  expires: '180d',
  deliver: [{ type: 'file', path: '.keyplan/secrets.env', var: 'BILLING_API_KEY' }],
});
for (const env of environments) {
  new ApiKey(billing, `Invoice_Sync_${env}`, {
    description: `Syncs invoices to the ledger (${env})`,
    roles: ['READONLY'],
    expires: '1y',
    consumers: [`invoice-sync-${env}`],
  });
}

const platform = new Team(plan, 'team-platform', { provider: store, rotation });
for (const env of environments) {
  new ApiKey(platform, `Deploy_Bot_${env}`, {
    description: `Deploys services (${env})`,
    roles: ['ADMIN'],
    expires: '90d',
    preventRevoke: env === 'prod',
  });
}

plan.synth();
