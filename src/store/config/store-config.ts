import type { Capabilities, Role } from '../../core/model.js';
import type { RoleCatalog } from '../../core/permissions.js';
import { rolePermissions } from '../shared/key-rules.js';
import { DEFAULT_CAPABILITIES, DEFAULT_ROLES, toCoreCapabilities, type CapabilitiesConfig } from './service-config.js';

const PERMISSIONS_CACHE_MAX = 10_000;

/** The service configuration every store answers from memory: roles, their permissions, capabilities. */
export abstract class StoreConfig {
  protected readonly roleMap: RoleCatalog;
  protected readonly capabilityConfig: CapabilitiesConfig;
  readonly #permissionsByRoles = new Map<string, string[]>();

  protected constructor(options: { roles?: RoleCatalog; capabilities?: CapabilitiesConfig }) {
    this.roleMap = options.roles ?? new Map(DEFAULT_ROLES.map((role) => [role.name, role]));
    this.capabilityConfig = options.capabilities ?? DEFAULT_CAPABILITIES;
  }

  roles(): Role[] {
    return [...this.roleMap.values()].map((role) => ({ ...role, permissions: [...role.permissions] }));
  }

  roleCatalog(): RoleCatalog {
    return this.roleMap;
  }

  capabilities(): Capabilities {
    return toCoreCapabilities(this.capabilityConfig);
  }

  capabilitiesConfig(): CapabilitiesConfig {
    return structuredClone(this.capabilityConfig);
  }

  /** The permissions a set of roles grants (may include `*` or `ns:*`); unknown roles grant nothing. */
  permissionsOf(roleNames: readonly string[]): string[] {
    // Every authentication asks this; the catalog is fixed for the store's life, so each answer is kept.
    const cacheKey = roleNames.join('\u0000');
    let permissions = this.#permissionsByRoles.get(cacheKey);
    if (!permissions) {
      permissions = rolePermissions(this.roleMap, roleNames);
      if (this.#permissionsByRoles.size >= PERMISSIONS_CACHE_MAX) this.#permissionsByRoles.clear();
      this.#permissionsByRoles.set(cacheKey, permissions);
    }
    return [...permissions];
  }
}
