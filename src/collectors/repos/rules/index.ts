/**
 * All secret detection rules, in priority order: when two rules match overlapping spans, the
 * specific one wins over `jwt`/`private-key`, which win over `generic`; within a tier, the earlier
 * rule wins (e.g. the GCP key file over the bare private key, a connection string over an account key).
 */
import type { SecretRule } from '../types.ts';
import { AWS_RULES } from './aws.ts';
import { AZURE_RULES } from './azure.ts';
import { GCP_RULES } from './gcp.ts';
import { GENERIC_RULES } from './generic.ts';
import { GITHUB_RULES } from './github.ts';
import { GITLAB_RULES } from './gitlab.ts';
import { JWT_RULES } from './jwt.ts';
import { KUBERNETES_RULES } from './kubernetes.ts';
import { PRIVATE_KEY_RULES } from './private-keys.ts';
import { SLACK_RULES } from './slack.ts';
import { STRIPE_RULES } from './stripe.ts';

export const SECRET_RULES: readonly SecretRule[] = [
  ...AWS_RULES,
  ...GCP_RULES,
  ...AZURE_RULES,
  ...GITHUB_RULES,
  ...GITLAB_RULES,
  ...KUBERNETES_RULES,
  ...SLACK_RULES,
  ...STRIPE_RULES,
  ...PRIVATE_KEY_RULES,
  ...JWT_RULES,
  ...GENERIC_RULES,
];
