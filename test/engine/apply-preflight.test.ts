import { describe, expect, it } from 'vitest';
import { KeyplanError } from '../../src/core/errors.js';
import type { DeliverTarget } from '../../src/core/model.js';
import { makePlan } from '../../src/core/plan.js';
import { checkSecretDestinations } from '../../src/engine/apply-preflight.js';
import { NOW, desiredKey, desiredState, remoteFor, snapshot } from '../core/builders.js';

const toGitHub: DeliverTarget = { type: 'github-secret', repo: 'acme/billing', name: 'BILLING_API_KEY', environment: 'production' };
const toFile: DeliverTarget = { type: 'file', path: '.keyplan/secrets.env', format: 'dotenv', var: 'BILLING_API_KEY' };

function planCreating(deliver: DeliverTarget[]) {
  return makePlan(desiredState([desiredKey({ name: 'billing', deliver })]), { default: snapshot([]) }, NOW);
}

describe('checkSecretDestinations', () => {
  it('refuses, before anything changes, a GitHub delivery without a token, naming the variables', () => {
    expect(() => checkSecretDestinations(planCreating([toFile, toGitHub]), undefined, {})).toThrow(KeyplanError);
    expect(() => checkSecretDestinations(planCreating([toGitHub]), undefined, { GITHUB_TOKEN: ' ' })).toThrow(
      'default/billing delivers to a GitHub Actions secret, but no GitHub token is set: ' +
        "set GITHUB_TOKEN or GH_TOKEN to a token that may write the repository's Actions secrets. Nothing was changed.",
    );
  });

  it('lets a GitHub delivery through when GITHUB_TOKEN or GH_TOKEN is set', () => {
    expect(() => checkSecretDestinations(planCreating([toGitHub]), undefined, { GITHUB_TOKEN: 'ghp_x' })).not.toThrow();
    expect(() => checkSecretDestinations(planCreating([toGitHub]), undefined, { GH_TOKEN: 'ghp_x' })).not.toThrow();
  });

  it('asks for no token when no new secret goes to GitHub', () => {
    expect(() => checkSecretDestinations(planCreating([toFile]), undefined, {})).not.toThrow();
    // An edit in place makes no new secret, so the key's GitHub target is not written.
    const declared = desiredKey({ name: 'billing', deliver: [toGitHub] });
    const edited = makePlan(desiredState([{ ...declared, description: 'changed' }]), { default: snapshot([remoteFor(declared)]) }, NOW);
    expect(edited.providers[0]?.actions.map((a) => a.kind)).toEqual(['update']);
    expect(() => checkSecretDestinations(edited, undefined, {})).not.toThrow();
  });

  it('still refuses a new secret with nowhere to go', () => {
    expect(() => checkSecretDestinations(planCreating([]), undefined, { GITHUB_TOKEN: 'ghp_x' })).toThrow(/nowhere to deliver it/);
  });
});
