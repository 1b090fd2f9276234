import { describe, expect, it } from 'vitest';
import { joinDescription, splitDescription } from '../../../src/providers/description-tag.js';
import { accessFor, lifespanFor, rolesFromPermissions, storedDescription, toRemoteKey, type StrapiToken } from '../../../src/providers/strapi/tokens.js';

function token(overrides: Partial<StrapiToken> = {}): StrapiToken {
  return {
    id: 7,
    kind: 'content-api',
    name: 'site-reader',
    description: 'Reads notes',
    type: 'read-only',
    lifespan: '604800000',
    expiresAt: '2026-12-06T08:00:00.000Z',
    lastUsedAt: null,
    createdAt: '2026-11-29T08:00:00.000Z',
    updatedAt: '2026-11-29T08:00:00.000Z',
    permissions: [],
    ...overrides,
  };
}

describe('the description tag (keyplan marks on a Strapi token)', () => {
  it('round-trips metadata whose values hold the tag syntax itself', () => {
    const metadata = { 'managed-by': 'keyplan', 'keyplan-consumers': 'a;b]c, d=e', 'keyplan-owner': 'team web' };
    const stored = joinDescription('Reads [notes]', metadata);
    expect(stored).toBe('Reads [notes] [keyplan: keyplan-consumers=a%3Bb%5Dc%2C%20d%3De; keyplan-owner=team%20web; managed-by=keyplan]');
    expect(splitDescription(stored)).toEqual({ description: 'Reads [notes]', metadata });
  });

  it('leaves a description without a tag (an unmanaged token) as it is', () => {
    expect(splitDescription('Made by hand [draft]')).toEqual({ description: 'Made by hand [draft]', metadata: {} });
    expect(splitDescription(null)).toEqual({ description: '', metadata: {} });
    expect(joinDescription('plain', {})).toBe('plain');
    expect(joinDescription('', { 'managed-by': 'keyplan' })).toBe('[keyplan: managed-by=keyplan]');
  });

  it('hides the create tag from the key metadata', () => {
    const stored = storedDescription('d', { 'managed-by': 'keyplan' }, 'abc123');
    const key = toRemoteKey(token({ description: stored }));
    expect(key.metadata).toEqual({ 'managed-by': 'keyplan' });
    expect(key.description).toBe('d');
  });
});

describe('Strapi tokens as keys', () => {
  it('maps types and permissions to roles, and times to epoch ms', () => {
    expect(toRemoteKey(token())).toMatchObject({ id: '7', roles: ['read-only'], createdAt: Date.parse('2026-11-29T08:00:00.000Z'), expiresAt: Date.parse('2026-12-06T08:00:00.000Z'), revokedAt: null });
    expect(toRemoteKey(token({ type: 'custom', permissions: ['api::note.note.update', 'api::note.note.find'] })).roles).toEqual(['api::note.note.find', 'api::note.note.update']);
  });

  it('turns roles into a token type, refusing a whole type mixed with actions', () => {
    expect(accessFor(['full-access'])).toEqual({ type: 'full-access' });
    expect(accessFor(['api::note.note.find'])).toEqual({ type: 'custom', permissions: ['api::note.note.find'] });
    expect(() => accessFor(['read-only', 'api::note.note.create'])).toThrow(/whole token types/);
  });

  it('accepts only the lifespans Strapi offers', () => {
    expect(lifespanFor({ kind: 'relative', ms: 30 * 86_400_000, text: '30d' })).toBe(2_592_000_000);
    expect(lifespanFor({ kind: 'never' })).toBeNull();
    expect(lifespanFor(undefined)).toBeNull();
    expect(() => lifespanFor({ kind: 'relative', ms: 14 * 86_400_000, text: '14d' })).toThrow('7d, 30d, 90d, never');
  });

  it('offers read-only, full-access and every content-API action as roles', () => {
    const roles = rolesFromPermissions({ data: { 'api::note': { controllers: { note: ['find', 'findOne', 'create'] } } } });
    expect(roles.map((r) => r.name)).toEqual(['read-only', 'full-access', 'api::note.note.create', 'api::note.note.find', 'api::note.note.findOne']);
    expect(roles[0]?.permissions).toEqual(['api::note.note.find', 'api::note.note.findOne']);
    expect(roles[1]?.permissions).toHaveLength(3);
  });
});
