import type { Rule } from '../types.ts';
import { azurePrivilegedRoleRule } from './azure-privileged-role.ts';
import { azureSecretExpiredRule } from './azure-secret-expired.ts';
import { azureSecretExpiringRule } from './azure-secret-expiring.ts';
import { azureSecretLifetimeRule } from './azure-secret-lifetime.ts';

/**
 * The Azure rules, to register next to the provider-neutral ones. Unused service principals are
 * not here: `credential.unused` covers them through identity lastUsedAt (sign-in activity) and
 * per-credential last use (credential sign-in activity).
 */
export const AZURE_RULES: readonly Rule[] = [azurePrivilegedRoleRule, azureSecretExpiredRule, azureSecretLifetimeRule, azureSecretExpiringRule];

export { azurePrivilegedRoleRule, azureSecretExpiredRule, azureSecretExpiringRule, azureSecretLifetimeRule };
