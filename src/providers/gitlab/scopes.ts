/**
 * keys.yaml roles for GitLab are token scopes (`read_api`, `api`, …) and, for project and group tokens,
 * at most one access level (`guest` … `owner`; GitLab's default, maintainer, when none is written).
 * No I/O here.
 */
import type { Role } from '../../core/model.js';

export const SCOPES: Record<string, string> = {
  api: 'complete read and write access to the API, including all groups and projects, the container registry, the dependency proxy and the package registry',
  read_api: 'read access to the API, including all groups and projects, the container registry and the package registry',
  read_user: 'read-only access to the user profile (the /user endpoint)',
  create_runner: 'create runners',
  manage_runner: 'manage runners',
  k8s_proxy: 'Kubernetes API calls through the agent for Kubernetes',
  self_rotate: 'rotate this token itself',
  read_repository: 'read-only access to repositories (Git over HTTP)',
  write_repository: 'read and write access to repositories (Git over HTTP)',
  read_registry: 'read-only (pull) access to container registry images',
  write_registry: 'read and write (push) access to container registry images',
  read_virtual_registry: 'read-only access to virtual registries',
  write_virtual_registry: 'read and write access to virtual registries',
  ai_features: 'access to GitLab Duo features',
  read_service_ping: 'download Service Ping payloads (administrators)',
  sudo: 'API calls as any user (administrators)',
  admin_mode: 'API calls as an administrator with Admin Mode on',
};

export const ACCESS_LEVELS: Record<string, number> = { guest: 10, planner: 15, reporter: 20, developer: 30, maintainer: 40, owner: 50 };
const LEVEL_TEXT: Record<string, string> = {
  guest: 'view issues and leave comments; no code',
  planner: 'plan and track work; no code',
  reporter: 'read code, pull the registry, manage issues',
  developer: 'push code to unprotected branches, run pipelines',
  maintainer: 'manage the project or group settings, protected branches',
  owner: 'everything, including deleting the project or group',
};
/** GitLab's access level when none is given. */
export const DEFAULT_LEVEL = 'maintainer';

export interface TokenGrant {
  scopes: string[];
  /** undefined: GitLab's default. */
  level?: string;
  /** The level was written in roles (not as `gitlab: {access_level}`), so it reads back as a role. */
  levelInRoles?: boolean;
}

/** Roles (and the key's `gitlab: {access_level}`) -> scopes and access level; throws a RangeError saying what is wrong. */
export function grantFor(roles: readonly string[], withLevels: boolean, accessLevel?: unknown): TokenGrant {
  const levels = roles.filter((role) => role in ACCESS_LEVELS);
  const unknown = roles.filter((role) => !(role in ACCESS_LEVELS) && !(role in SCOPES));
  if (unknown.length > 0) throw new RangeError(`GitLab has no scope or access level ${unknown.join(', ')}; \`keyplan roles\` lists them`);
  if (accessLevel !== undefined && !(typeof accessLevel === 'string' && accessLevel in ACCESS_LEVELS)) {
    throw new RangeError(`gitlab.access_level ${JSON.stringify(accessLevel)} is none of ${Object.keys(ACCESS_LEVELS).join(', ')}`);
  }
  const written = accessLevel === undefined ? levels : [...levels, accessLevel as string];
  if (written.length > 0 && !withLevels) throw new RangeError(`${written.join(', ')}: personal access tokens have no access level (project and group tokens do)`);
  if (new Set(written).size > 1) throw new RangeError(`a token holds one access level, not ${[...new Set(written)].join(' and ')}`);
  const scopes = roles.filter((role) => role in SCOPES).sort();
  if (scopes.length === 0) throw new RangeError('a GitLab token needs at least one scope (read_api, api, read_repository, …)');
  const level = written[0];
  return { scopes, ...(level === undefined ? {} : { level, ...(levels.length > 0 ? { levelInRoles: true } : {}) }) };
}

export function levelName(accessLevel: number | undefined): string | undefined {
  return Object.entries(ACCESS_LEVELS).find(([, value]) => value === accessLevel)?.[0];
}

/**
 * The roles of a token: its scopes, and its level when it was written in roles (`levelWritten`), or, on a token
 * keyplan did not create (`levelWritten` undefined), when it is not the default one nobody wrote.
 */
export function rolesOf(scopes: readonly string[], accessLevel: number | undefined, levelWritten: boolean | undefined): string[] {
  const level = levelName(accessLevel);
  const showLevel = level !== undefined && (levelWritten ?? level !== DEFAULT_LEVEL);
  return [...scopes].sort().concat(showLevel ? [level] : []);
}

export function gitlabRoles(withLevels: boolean): Role[] {
  const scopes = Object.entries(SCOPES).map(([name, text]) => ({ name, description: `scope: ${text}`, permissions: [`scope:${name}`] }));
  if (!withLevels) return scopes;
  const levels = Object.entries(ACCESS_LEVELS).map(([name, value]) => ({
    name,
    description: `access level ${value}${name === DEFAULT_LEVEL ? ' (GitLab\'s default)' : ''}: ${LEVEL_TEXT[name] ?? ''}`,
    permissions: Object.entries(ACCESS_LEVELS).filter(([, v]) => v <= value).map(([n]) => `level:${n}`),
  }));
  return [...scopes, ...levels];
}
