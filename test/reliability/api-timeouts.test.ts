/**
 * Every call has a timeout (issue 11), and a timeout ends the request, not only the wait for it:
 * each provider client, pointed at its emulator with a request that is never answered, gives up
 * within its retries and closes every request it sent (the emulator counts the held requests
 * whose connection the client closed). Without the AWS handler's throwOnRequestTimeout the call
 * never ends; with a timeout that only races the call (the Kubernetes client before its
 * per-attempt signal), the requests stay open until the server stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import { parseConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { awsClientSettings, createAwsClients } from '../../src/providers/aws/client.ts';
import { azureClientSettings, createArmRestClient, createAuthorizationClient, createAzureCredential } from '../../src/providers/azure/client.ts';
import { callOptions, createGcpClients, gcpClientSettings } from '../../src/providers/gcp/client.ts';
import { createGithubClient, githubClientSettings } from '../../src/providers/github/client.ts';
import { createHoopClient } from '../../src/providers/hoop/client.ts';
import { createKubeClients, loadKubeConfig, selectContexts, withRetry } from '../../src/providers/kubernetes/client.ts';
import type { WireFault } from '../../src/sandbox/faults.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.ts';

const TIMEOUT_MS = 300;
/** Requests a rule may hold: more than any case sends. */
const HOLD = 100;

let s: Sandbox;
let config: Config;
const saved = { ...process.env };

beforeAll(async () => {
  s = await startSandbox({ seed: 'timeouts', size: 3, now: new Date('2026-11-01T00:00:00Z') });
  Object.assign(process.env, s.env);
  config = parseConfig({ ...s.config, repos: [] }, 'test');
}, 60_000);

afterAll(async () => {
  await s.stop();
  process.env = saved;
});

interface Case {
  provider: string;
  /** Requests the client sends: the first attempt and its retries. */
  attempts: number;
  /** Installs `rule` where the emulator that answers the call reads its wire faults. */
  inject(rule: WireFault): void;
  /** The rule's `match`. */
  match(): string;
  call(): Promise<unknown>;
}

const CASES: Case[] = [
  {
    provider: 'aws (IAM, SDK v3)',
    attempts: 2,
    inject: (rule) => (s.aws.faults.wire = [rule]),
    match: () => 'Action=ListUsers',
    call: async () => {
      const clients = createAwsClients(awsClientSettings(need(config.aws), { requestTimeoutMs: TIMEOUT_MS, maxAttempts: 2 }));
      try {
        return await clients.iam.send(new ListUsersCommand({}));
      } finally {
        clients.destroy();
      }
    },
  },
  {
    provider: 'gcp (googleapis)',
    attempts: 1,
    inject: (rule) => (s.gcp.faults.wire = [rule]),
    match: () => '/serviceAccounts',
    call: () => {
      const settings = gcpClientSettings(need(config.gcp), env(), { requestTimeoutMs: TIMEOUT_MS, maxRetries: 0 });
      const project = s.estate.gcp.projects[0]?.projectId ?? 'p';
      return createGcpClients(settings).iam.projects.serviceAccounts.list({ name: `projects/${project}` }, callOptions(settings));
    },
  },
  {
    provider: 'azure (REST client)',
    attempts: 2,
    inject: (rule) => (s.azure.faults.wire = [rule]),
    match: () => 'GET /subscriptions?',
    call: () => {
      const settings = azureClientSettings(need(config.azure), { requestTimeoutMs: TIMEOUT_MS, maxRetries: 1, retryDelayMs: 10 });
      return createArmRestClient(settings, createAzureCredential(settings, env())).get('/subscriptions?api-version=2022-12-01');
    },
  },
  {
    provider: 'azure (arm-authorization SDK)',
    attempts: 2,
    inject: (rule) => (s.azure.faults.wire = [rule]),
    match: () => '/roleAssignments',
    call: () => {
      const settings = azureClientSettings(need(config.azure), { requestTimeoutMs: TIMEOUT_MS, maxRetries: 1, retryDelayMs: 10 });
      const subscription = s.estate.azure.subscriptions[0]?.subscriptionId ?? '';
      return createAuthorizationClient(settings, createAzureCredential(settings, env()), subscription).roleAssignments.listForSubscription().byPage().next();
    },
  },
  {
    provider: 'github (octokit)',
    attempts: 2,
    inject: (rule) => (s.github.faults.wire = [rule]),
    match: () => 'GET /orgs/',
    call: async () => {
      const settings = await githubClientSettings(need(config.github), env(), { requestTimeoutMs: TIMEOUT_MS, maxRetries: 1, retryAfterBaseMs: 10 });
      return createGithubClient(settings).octokit.rest.orgs.get({ org: s.estate.github.orgs[0]?.login ?? 'acme' });
    },
  },
  {
    provider: 'kubernetes (client-node)',
    attempts: 2,
    inject: (rule) => (s.kubernetes.faults = { wire: [rule] }),
    match: () => 'GET /api/v1/namespaces',
    call: () => {
      const kc = loadKubeConfig(need(config.kubernetes).kubeconfig);
      const clients = createKubeClients(kc, selectContexts(kc, ['*'])[0] ?? '');
      return withRetry(() => clients.core.listNamespace(), { maxRetries: 1, requestTimeoutMs: TIMEOUT_MS, retryDelayMs: 10, maxRetryDelayMs: 10 });
    },
  },
  {
    provider: 'gateway (hoop client)',
    attempts: 2,
    inject: (rule) => (s.hoop.faults.wire = [rule]),
    match: () => 'GET /api/users',
    call: () => createHoopClient({ url: s.hoop.endpoint, apiKey: s.env.HOOP_API_KEY, timeoutMs: TIMEOUT_MS, maxRetries: 1, retryDelayMs: 10 }).listUsers(),
  },
];

const env = (): NodeJS.ProcessEnv => ({ ...s.env });

function need<T>(section: T | undefined): T {
  if (section === undefined) throw new Error('the sandbox config lacks a section');
  return section;
}

async function until(ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

describe('a request that is never answered', () => {
  it.each(CASES)('$provider: times out within its retries and closes every request', { timeout: 20_000 }, async (c) => {
    const rule: WireFault = { kind: 'hang', match: c.match(), times: HOLD };
    c.inject(rule);
    const started = Date.now();
    await expect(c.call()).rejects.toThrow();
    const took = Date.now() - started;
    expect(took).toBeLessThan(c.attempts * TIMEOUT_MS + 3000);
    // Every attempt, and no more, reached the server and was held there...
    expect(HOLD - rule.times).toBe(c.attempts);
    // ...and the client closed each one once it gave up on it.
    await until(() => (rule.closed ?? 0) >= c.attempts, 2000);
    expect(rule.closed ?? 0).toBe(c.attempts);
  });
});
