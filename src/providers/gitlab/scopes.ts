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
}

/** Roles -> scopes and access level; throws a RangeError saying what is wrong. */
export function grantFor(roles: readonly string[], withLevels: boolean): TokenGrant {
  const levels = roles.filter((role) => role in ACCESS_LEVELS);
  const unknown = roles.filter((role) => !(role in ACCESS_LEVELS) && !(role in SCOPES));
  if (unknown.length > 0) throw new RangeError(`GitLab has no scope or access level ${unknown.join(', ')}; \`keyplan roles\` lists them`);
  if (levels.length > 0 && !withLevels) throw new RangeError(`${levels.join(', ')}: personal access tokens have no access level (project and group tokens do)`);
  if (levels.length > 1) throw new RangeError(`a token holds one access level, not ${levels.join(' and ')}`);
  const scopes = roles.filter((role) => role in SCOPES).sort();
  if (scopes.length === 0) throw new RangeError('a GitLab token needs at least one scope (read_api, api, read_repository, …)');
  return { scopes, ...(levels[0] === undefined ? {} : { level: levels[0] }) };
}

/** The roles of a token: its scopes, and its level unless it is the default one nobody wrote. */
export function rolesOf(scopes: readonly string[], accessLevel: number | undefined, levelWritten: boolean): string[] {
  const level = Object.entries(ACCESS_LEVELS).find(([, value]) => value === accessLevel)?.[0];
  const showLevel = level !== undefined && (level !== DEFAULT_LEVEL || levelWritten);
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
