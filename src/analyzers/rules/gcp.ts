import type { Rule } from '../types.ts';
import { gcpDefaultSaEditorRule } from './gcp-default-sa-editor.ts';
import { gcpPrivilegedRoleRule } from './gcp-privileged-role.ts';

/** The GCP-specific rules, in a fixed order (provider-neutral rules also run on GCP data). */
export const GCP_RULES: readonly Rule[] = [gcpPrivilegedRoleRule, gcpDefaultSaEditorRule];

export { gcpDefaultSaEditorRule, gcpPrivilegedRoleRule };
