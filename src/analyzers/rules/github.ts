import type { Rule } from '../types.ts';
import { githubAppWriteAllRule } from './github-app-write-all.ts';
import { githubDeployKeyWriteRule } from './github-deploy-key-write.ts';
import { githubSecretAlertOpenRule } from './github-secret-alert-open.ts';
import { githubTokenNoExpiryRule } from './github-token-no-expiry.ts';

/** The GitHub-specific rules, in a fixed order (provider-neutral rules also run on GitHub data). */
export const GITHUB_RULES: readonly Rule[] = [githubAppWriteAllRule, githubSecretAlertOpenRule, githubDeployKeyWriteRule, githubTokenNoExpiryRule];

export { githubAppWriteAllRule, githubDeployKeyWriteRule, githubSecretAlertOpenRule, githubTokenNoExpiryRule };
