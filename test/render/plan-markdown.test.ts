import { describe, expect, it } from 'vitest';
import { makePlan } from '../../src/core/plan.js';
import { codeSpan, htmlText, mdText } from '../../src/render/markdown-escape.js';
import { planMarkdown, renderPlanMarkdown } from '../../src/render/plan-markdown.js';
import { HOUR, NOW, desiredKey, desiredState, remoteFor, snapshot } from '../core/builders.js';
import { elementText, renderGfm, visibleText } from './gfm.js';
import { hugePlan, reviewPlan } from './sample-plans.js';

const GITHUB_LIMIT = 65_536;

describe('escaping by context, as GitHub renders it', () => {
  const hostile = 'a_b *c* `d` <script>alert(1)</script> | e\\f [g](h) &amp; ~~i~~';

  it('markdown text shows every character literally and injects nothing', () => {
    const html = renderGfm(`- ${mdText(hostile)}`);
    expect(visibleText(html)).toBe(hostile);
    expect(html).not.toMatch(/<(script|em|strong|a|del)\b/);
  });

  it('HTML text shows every character literally inside a summary', () => {
    const html = renderGfm(`<details><summary><code>${htmlText(hostile)}</code></summary>\n\nx\n\n</details>`);
    expect(elementText(html, 'summary', 'a_b')).toBe(hostile);
    expect(html).not.toContain('<script>');
  });

  it('a code span holds backticks and, in a table, pipes', () => {
    for (const text of ['plain', 'a`b', '``x', 'y`', 'p|q']) {
      const html = renderGfm(`| h |\n| --- |\n| ${codeSpan(text, { inTable: true })} |`);
      expect(elementText(html, 'td', text.replace(/`/g, '').slice(0, 1))).toBe(text);
    }
  });
});

describe('plan markdown', () => {
  const md = renderPlanMarkdown(reviewPlan(), { config: 'teams/keys_prod.yaml' });
  const html = renderGfm(md);

  it('shows names with underscores without backslashes, in summaries and in text', () => {
    expect(visibleText(html)).not.toContain('\\');
    expect(elementText(html, 'summary', 'create')).toBe('🟢 create Billing_Reader');
    expect(elementText(html, 'summary', 'revoke')).toBe('🔴 revoke Legacy_Export key_legacy_1 🔒');
    expect(elementText(html, 'h2', 'keyplan')).toBe('keyplan plan for teams/keys_prod.yaml');
    expect(elementText(html, 'li', 'gains permissions')).toBe('⬆️ Ops_Bot (update): Ops_Bot gains permissions: keys:create, keys:revoke, keys:update');
  });

  it('leads with the outcome, then warnings, and explains every badge it uses', () => {
    const text = visibleText(html);
    expect(text.indexOf('Plan: 1 to create, 1 to update, 1 to rotate, 1 to revoke.')).toBeLessThan(text.indexOf('Warnings'));
    expect(text).toContain('Legend: 🔒 apply refuses this unless run with --allow-in-use or confirmed at a terminal · ⬆️ privilege escalation: the key gains permissions.');
    expect(text).not.toContain('⛔');
  });

  it('flags the role escalation and shows before and after', () => {
    const update = elementText(html, 'details', 'update Ops_Bot');
    expect(update).toContain('roles [READONLY] [ADMIN]');
    expect(update).toContain('⬆️ Privilege escalation: roles +ADMIN -READONLY (adds keys:create, keys:revoke, keys:update)');
  });

  it('gives a rotation, a revoke and a pending retirement their before and after', () => {
    expect(elementText(html, 'details', 'rotate Deploy_Key')).toContain('expires "never" "30d" key key_deploy_1 a new key; the old one is revoked, 1 day after the new secret is delivered');
    expect(elementText(html, 'details', 'revoke Legacy_Export')).toContain('status active revoked');
    expect(elementText(html, 'table', 'Search_Key-retired')).toBe(
      'key id before after Search_Key-retired key_search_0 active, replaced by Search_Key revoked by an apply after 2026-11-24T00:00:00Z',
    );
  });

  it('says the plan failed when it has problems, never "No changes"', () => {
    const twins = [remoteFor(desiredKey({ name: 'Dup_Key' }), { id: 'key_a' }), remoteFor(desiredKey({ name: 'Dup_Key' }), { id: 'key_b' })];
    const plan = makePlan(desiredState([desiredKey({ name: 'Dup_Key' })]), { default: snapshot(twins) }, NOW);
    const text = visibleText(renderGfm(renderPlanMarkdown(plan)));
    expect(text).toContain('Plan failed: 1 problem must be fixed first; nothing can be applied.');
    expect(text).toContain('default/Dup_Key (keys.yaml:5:5)');
    expect(text).not.toContain('No changes');
  });

  it('says "No changes" only when there are none', () => {
    const plan = makePlan(desiredState([desiredKey()]), { default: snapshot([remoteFor(desiredKey())]) }, NOW);
    expect(visibleText(renderGfm(renderPlanMarkdown(plan)))).toBe('keyplan plan No changes. The key service matches the configuration.');
  });

  it('keeps hostile descriptions inert', () => {
    const evil = '</details><script>x()</script> | `code` _u_';
    const plan = makePlan(desiredState([desiredKey({ name: 'X', description: evil })]), { default: snapshot([]) }, NOW);
    const rendered = renderGfm(renderPlanMarkdown(plan));
    expect(rendered).not.toContain('<script>');
    expect(elementText(rendered, 'td', 'x()')).toBe(JSON.stringify(evil));
  });
});

describe('plan markdown within a size limit', () => {
  function checkBalanced(markdown: string): void {
    expect(markdown.match(/<details>/g)?.length ?? 0).toBe(markdown.match(/<\/details>/g)?.length ?? 0);
    const html = renderGfm(markdown);
    expect(visibleText(html)).not.toMatch(/<\/?(details|summary|code|b)>/);
  }

  it('is unchanged when it fits', () => {
    expect(planMarkdown(reviewPlan(), { limit: GITHUB_LIMIT }).shortened).toBe('none');
  });

  it('folds per-key detail to one line per key first, keeping warnings whole', () => {
    const full = renderPlanMarkdown(reviewPlan());
    const fitted = planMarkdown(reviewPlan(), { limit: full.length - 1, fullPlanAt: '[the step summary](https://example.test/run/1)' });
    expect(fitted.shortened).toBe('detail');
    expect(fitted.text.length).toBeLessThan(full.length);
    const text = visibleText(renderGfm(fitted.text));
    expect(text).toContain('per-item detail is folded to one line each. The full plan: the step summary.');
    expect(text).toContain('Legacy_Export (key_legacy_1) has declared consumers: export-job');
    expect(text).toContain('🔴 revoke Legacy_Export (key_legacy_1) 🔒');
    checkBalanced(fitted.text);
  });

  it('plans 5,000 changes into one comment GitHub accepts, saying what it left out', () => {
    const plan = hugePlan(5000);
    const fitted = planMarkdown(plan, { limit: GITHUB_LIMIT - 200 });
    expect(fitted.shortened).toBe('cut');
    expect(fitted.text.length).toBeLessThanOrEqual(GITHUB_LIMIT - 200);
    const text = visibleText(renderGfm(fitted.text));
    expect(text).toContain('Plan: 5000 to create, 0 to update, 0 to rotate, 0 to revoke.');
    const shown = fitted.text.match(/^- 🟢 create /gm)?.length ?? 0;
    expect(shown).toBeGreaterThan(500);
    expect(text).toContain(`… and ${5000 - shown} more changes, not shown`);
    expect(text).toContain(`${5000 - shown} changes are not shown. Run keyplan plan for the full plan.`);
    checkBalanced(fitted.text);
  });

  it('cuts problems and warnings only when they alone do not fit', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => remoteFor(desiredKey({ name: `Busy_${i}` }), { id: `key_busy_${i}`, lastUsedAt: NOW - HOUR }));
    const plan = makePlan(desiredState([]), { default: snapshot(keys) }, NOW);
    const fitted = planMarkdown(plan, { limit: 20_000 });
    expect(fitted.text.length).toBeLessThanOrEqual(20_000);
    const text = visibleText(renderGfm(fitted.text));
    expect(text).toContain('Plan: 0 to create, 0 to update, 0 to rotate, 3000 to revoke.');
    expect(text).toMatch(/… and \d+ more warnings, not shown/);
    expect(text).toContain('Legend: 🔒');
    checkBalanced(fitted.text);
  });
});
