/** Slack: bot/user/app/refresh tokens and incoming-webhook URLs. */
import type { SecretRule } from '../types.ts';
import { fakeChars, fakeHex } from './fake.ts';

const digits = (seed: string, n: number): string => `1${fakeChars(seed, n - 1, '0123456789')}`;
const xox = (kind: string, seed: string): string =>
  kind === 'p'
    ? `xoxp-${digits(`${seed}a`, 11)}-${digits(`${seed}b`, 11)}-${digits(`${seed}c`, 13)}-${fakeHex(seed, 32)}`
    : `xox${kind}-${digits(`${seed}a`, 11)}-${digits(`${seed}b`, 13)}-FAKE${fakeChars(seed, 20)}`;

const token: SecretRule = {
  id: 'slack-token',
  family: 'slack',
  title: 'Slack token',
  description:
    'A Slack API token (xoxb- bot, xoxp- user, xoxa-/xoxr-/xoxs-/xoxe- app, refresh and session tokens). It ' +
    'reads and posts in every channel its scopes allow. Revoke it (auth.revoke, or reinstall/rotate in the ' +
    'app\'s OAuth settings), review the workspace access logs, and store it in a secret manager.',
  severity: 'high',
  keywords: ['xoxa-', 'xoxb-', 'xoxp-', 'xoxo-', 'xoxr-', 'xoxs-', 'xoxe-', 'xoxe.'],
  pattern: /(?<![A-Za-z0-9-])(?<secret>xox(?:[abposr]|e(?:\.xox[bp])?)-(?:[0-9]{1,16}-){1,4}[A-Za-z0-9]{8,256})(?![A-Za-z0-9-])/g,
  minEntropy: 3,
  samples: {
    match: [
      `SLACK_BOT_TOKEN=${xox('b', 's1')}`,
      `slack:\n  token: "${xox('p', 's2')}"`,
      `client = WebClient(token="${xox('b', 's3')}")`,
      `{"refresh_token": "xoxe-1-FAKE${fakeChars('s4', 140)}"}`,
    ],
    noMatch: [
      'SLACK_BOT_TOKEN=xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
      'SLACK_BOT_TOKEN=xoxb-000000000000-000000000000-xxxxxxxxxxxxxxxxxxxxxxxx',
      'SLACK_TOKEN=xoxb-your-token',
      `SLACK_TOKEN=xoxb-${digits('s5', 11)}`,
    ],
  },
};

const appToken: SecretRule = {
  id: 'slack-app-token',
  family: 'slack',
  title: 'Slack app-level token',
  description:
    'A Slack app-level token (xapp-), used for Socket Mode and app-wide APIs. Revoke and regenerate it ' +
    'under the app\'s Basic Information > App-Level Tokens.',
  severity: 'high',
  keywords: ['xapp-'],
  pattern: /(?<![A-Za-z0-9-])(?<secret>xapp-\d-[A-Z0-9]{9,12}-\d{10,15}-[a-f0-9]{64})(?![A-Za-z0-9-])/g,
  samples: {
    match: [
      `SLACK_APP_TOKEN=xapp-1-AFAKE${fakeChars('a1', 6, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')}-${digits('a1', 13)}-${fakeHex('a1', 64)}`,
      `app_token: 'xapp-1-AFAKE${fakeChars('a2', 6, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')}-${digits('a2', 13)}-${fakeHex('a2', 64)}'`,
      `{"appToken": "xapp-1-AFAKE${fakeChars('a3', 6, 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789')}-${digits('a3', 13)}-${fakeHex('a3', 64)}"}`,
    ],
    noMatch: [
      'SLACK_APP_TOKEN=xapp-1-A0000000000-0000000000000-0000000000000000000000000000000000000000000000000000000000000000',
      'SLACK_APP_TOKEN=xapp-your-app-token',
      `SLACK_APP_TOKEN=xapp-1-AFAKE0000-${digits('a4', 13)}-${fakeHex('a4', 40)}`,
    ],
  },
};

const hook = (seed: string): string =>
  `T${fakeChars(`${seed}t`, 8, 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789')}/B${fakeChars(`${seed}b`, 10, 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789')}/FAKE${fakeChars(seed, 20)}`;

const webhook: SecretRule = {
  id: 'slack-webhook-url',
  family: 'slack',
  title: 'Slack incoming webhook URL',
  description:
    'A Slack incoming-webhook URL: anyone with it can post messages (phishing links included) to its ' +
    'channel. Revoke it in the app\'s Incoming Webhooks settings and create a new one kept in a secret store.',
  severity: 'medium',
  keywords: ['hooks.slack.com'],
  pattern: /https?:\/\/hooks\.slack\.com\/services\/(?<secret>T[A-Z0-9]{6,12}\/B[A-Z0-9]{6,12}\/[A-Za-z0-9]{20,32})(?![A-Za-z0-9])/g,
  minEntropy: 3.5,
  samples: {
    match: [
      `SLACK_WEBHOOK_URL=https://hooks.slack.com/services/${hook('w1')}`,
      `curl -X POST -d '{"text":"deploy done"}' https://hooks.slack.com/services/${hook('w2')}`,
      `alerting:\n  slack_url: "https://hooks.slack.com/services/${hook('w3')}"\n`,
    ],
    noMatch: [
      'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'https://hooks.slack.com/services/YOUR/WEBHOOK/URL',
      'SLACK_WEBHOOK_URL=https://hooks.slack.com/services/${SLACK_WEBHOOK_PATH}',
    ],
  },
};

export const SLACK_RULES: readonly SecretRule[] = [token, appToken, webhook];
