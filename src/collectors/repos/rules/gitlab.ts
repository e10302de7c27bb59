/** GitLab: prefixed tokens (personal, deploy, runner, trigger, and the other token types). */
import type { SecretRule } from '../types.ts';
import { fakeChars } from './fake.ts';

const URLSAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
// Classic bodies are 20 characters; newer tokens are longer and may carry `.<version>.<routing>`.
const BODY = String.raw`[0-9A-Za-z_-]{20,64}(?:\.[0-9a-z]{2}\.[0-9a-z]{6,12})?`;

interface GitLabToken {
  id: string;
  title: string;
  prefixes: string[];
  severity: SecretRule['severity'];
  what: string;
  remedy: string;
}

function gitlabRule(t: GitLabToken): SecretRule {
  const alt = t.prefixes.map((p) => p.replace(/[-]/g, '\\-')).join('|');
  const prefix = t.prefixes[0]!;
  const tok = (seed: string): string => `${prefix}FAKE${fakeChars(`${t.id}${seed}`, 20, URLSAFE)}`;
  return {
    id: t.id,
    family: 'gitlab',
    title: t.title,
    description: `${t.what} ${t.remedy} Then check the audit events for its use and remove it from history.`,
    severity: t.severity,
    keywords: t.prefixes.map((p) => p.toLowerCase()),
    pattern: new RegExp(String.raw`(?<![A-Za-z0-9_-])(?<secret>(?:${alt})${BODY})(?![A-Za-z0-9_-])`, 'g'),
    minEntropy: 3,
    samples: {
      match: [
        `GITLAB_TOKEN=${tok('1')}`,
        `git clone https://oauth2:${tok('2')}@gitlab.com/acme/api.git`,
        `{"token": "${tok('3')}"}`,
        `  token: '${tok('4')}'`,
      ],
      noMatch: [
        `GITLAB_TOKEN=${prefix}${'x'.repeat(20)}`,
        `GITLAB_TOKEN=${prefix}FAKE${fakeChars(`${t.id}5`, 8, URLSAFE)}`,
        `GITLAB_TOKEN=${prefix}<your-token-here-please>`,
        `GITLAB_TOKEN=a${tok('6')}`,
      ],
    },
  };
}

export const GITLAB_RULES: readonly SecretRule[] = [
  gitlabRule({
    id: 'gitlab-personal-access-token', title: 'GitLab personal, project or group access token', prefixes: ['glpat-'],
    severity: 'critical', what: 'A GitLab access token (glpat-) acting as its user or bot with its scopes.',
    remedy: 'Revoke it under User/Project/Group settings > Access tokens (or via the token revocation API).',
  }),
  gitlabRule({
    id: 'gitlab-deploy-token', title: 'GitLab deploy token', prefixes: ['gldt-'],
    severity: 'high', what: 'A GitLab deploy token (gldt-): repository and registry read/write for a project or group.',
    remedy: 'Revoke it under Settings > Repository > Deploy tokens.',
  }),
  gitlabRule({
    id: 'gitlab-runner-token', title: 'GitLab runner authentication token', prefixes: ['glrt-'],
    severity: 'high', what: 'A GitLab runner authentication token (glrt-): whoever holds it can pick up CI jobs and their secrets.',
    remedy: 'Delete or reset the runner\'s token in the CI/CD runners settings and re-register the runner.',
  }),
  gitlabRule({
    id: 'gitlab-runner-registration-token', title: 'GitLab runner registration token', prefixes: ['GR1348941'],
    severity: 'high', what: 'A legacy GitLab runner registration token (GR1348941…): registers rogue runners that receive CI jobs.',
    remedy: 'Reset the registration token in the CI/CD settings and migrate to runner authentication tokens.',
  }),
  gitlabRule({
    id: 'gitlab-pipeline-trigger-token', title: 'GitLab pipeline trigger token', prefixes: ['glptt-'],
    severity: 'high', what: 'A GitLab pipeline trigger token (glptt-): starts pipelines (with their variables) as its owner.',
    remedy: 'Revoke it under Settings > CI/CD > Pipeline trigger tokens.',
  }),
  gitlabRule({
    id: 'gitlab-token', title: 'GitLab token (other types)',
    prefixes: ['glsoat-', 'glcbt-', 'gloas-', 'glft-', 'glimt-', 'glagent-', 'glffct-', 'glwt-', 'gltst-', 'glsat-'],
    severity: 'high', what: 'A GitLab token (SCIM, CI job, OAuth application secret, feed, incoming e-mail, agent, feature-flag, workspace...).',
    remedy: 'Revoke or reset it where it was issued (the prefix tells which settings page).',
  }),
];
