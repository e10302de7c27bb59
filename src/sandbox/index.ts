/**
 * The sandbox: a generated estate served by emulators on 127.0.0.1, plus the config and the
 * (fake) credentials that point sprawl at them. Product code never imports this module; it only
 * receives the endpoints and credentials through the same config a real estate uses.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import type { azureSchema } from '../config/azure-schema.ts';
import type { gcpSchema } from '../config/gcp-schema.ts';
import type { gatewaySchema } from '../config/gateway-schema.ts';
import type { githubSchema } from '../config/github-schema.ts';
import type { kubernetesSchema } from '../config/kubernetes-schema.ts';
import type { awsSchema } from '../config/schema.ts';
import type { enforceSchema } from '../config/enforce-schema.ts';
import { generateEstate } from './estate.ts';
import type { Estate, EstateOptions } from './estate.ts';
import { hash32 } from './random.ts';
import { startAwsEmulator } from './aws/index.ts';
import type { AwsEmulator, AwsEmulatorOptions } from './aws/index.ts';
import { startAzureEmulator } from './azure/index.ts';
import type { AzureEmulator, AzureEmulatorOptions } from './azure/index.ts';
import { startGcpEmulator } from './gcp/index.ts';
import type { GcpEmulator, GcpEmulatorOptions } from './gcp/index.ts';
import { startGithubEmulator } from './github/index.ts';
import type { GithubEmulator, GithubEmulatorOptions } from './github/index.ts';
import { hoopConnectionMap, startHoopEmulator } from './hoop/index.ts';
import type { HoopEmulator, HoopEmulatorOptions } from './hoop/index.ts';
import { startK8sEmulator } from './kubernetes/index.ts';
import type { K8sEmulator, K8sEmulatorOptions } from './kubernetes/index.ts';

export type { Estate, EstateOptions } from './estate.ts';
export type { AwsEmulator, AwsFaults } from './aws/index.ts';
export type { AzureEmulator, AzureFaults } from './azure/index.ts';
export type { GcpEmulator, GcpFaults } from './gcp/index.ts';
export type { GithubEmulator, GithubFaults } from './github/index.ts';
export type { K8sEmulator, K8sFaults } from './kubernetes/index.ts';
export type { HoopEmulator, HoopFaults } from './hoop/index.ts';

export interface SandboxOptions extends EstateOptions {
  aws?: AwsEmulatorOptions;
  gcp?: GcpEmulatorOptions;
  azure?: AzureEmulatorOptions;
  github?: GithubEmulatorOptions;
  kubernetes?: K8sEmulatorOptions;
  hoop?: HoopEmulatorOptions;
}

/** The part of a sprawl config the sandbox fills in (input shape of config/schema.ts: defaults apply). */
export interface SandboxConfig {
  aws: z.input<typeof awsSchema>;
  gcp: z.input<typeof gcpSchema>;
  azure: z.input<typeof azureSchema>;
  github: z.input<typeof githubSchema>;
  kubernetes: z.input<typeof kubernetesSchema>;
  gateway: z.input<typeof gatewaySchema>;
  /** The gateway's agent, so that `sprawl apply` can register connections on the sandbox gateway. */
  enforce: z.input<typeof enforceSchema>;
}

export interface SandboxEnv {
  AWS_ACCESS_KEY_ID: string;
  /** Fake: starts with `sandbox/` so nobody mistakes it for a real key. */
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
  /** Static bearer token the GCP emulator accepts (in place of Application Default Credentials). */
  SPRAWL_GCP_ACCESS_TOKEN: string;
  /** Static bearer token the Azure emulator accepts for ARM and Graph. */
  SPRAWL_AZURE_ACCESS_TOKEN: string;
  /** Token the GitHub emulator accepts. */
  GITHUB_TOKEN: string;
  /** The gateway emulator's API key (`hpk_...`). */
  HOOP_API_KEY: string;
}

export interface Sandbox {
  estate: Estate;
  aws: AwsEmulator;
  gcp: GcpEmulator;
  azure: AzureEmulator;
  github: GithubEmulator;
  kubernetes: K8sEmulator;
  hoop: HoopEmulator;
  config: SandboxConfig;
  env: SandboxEnv;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const estate = generateEstate(opts);
  const aws = await startAwsEmulator(estate, opts.aws);
  const gcp = await startGcpEmulator(estate.gcp, opts.gcp);
  const azure = await startAzureEmulator(estate.azure, opts.azure);
  // The Azure emulator's self-signed certificate, for the client to trust (azure.caFile).
  const caDir = mkdtempSync(join(tmpdir(), 'sprawl-sandbox-'));
  const caFile = join(caDir, 'azure-ca.pem');
  writeFileSync(caFile, azure.ca);
  const github = await startGithubEmulator(estate.github, opts.github);
  const kubernetes = await startK8sEmulator(estate.kubernetes, opts.kubernetes);
  // A real kubeconfig with one context per emulated cluster (token auth), owner-only.
  const kubeconfig = join(caDir, 'kubeconfig');
  writeFileSync(kubeconfig, kubernetes.kubeconfig(), { mode: 0o600 });
  const hoop = await startHoopEmulator(estate.hoop, opts.hoop);
  const { auditRoleName, externalId } = estate.aws;
  const config: SandboxConfig = {
    aws: {
      endpoint: aws.endpoint,
      region: REGION,
      accounts: estate.aws.accounts.map((a) => ({ id: a.id, name: a.name, roleArn: `arn:aws:iam::${a.id}:role/${auditRoleName}`, externalId })),
    },
    gcp: { endpoint: gcp.endpoint, organization: estate.gcp.organization.id },
    azure: { tenantId: azure.tenantId, armEndpoint: azure.endpoint, graphEndpoint: azure.endpoint, authorityHost: azure.endpoint, caFile },
    github: { baseUrl: github.endpoint, organizations: estate.github.orgs.map((o) => o.login) },
    kubernetes: { kubeconfig, contexts: ['*'] },
    gateway: { url: hoop.endpoint, name: estate.hoop.gateway, connectionMap: hoopConnectionMap(estate.hoop), fetchScripts: 5000 },
    enforce: { gateway: { ...(estate.hoop.connections[0]?.agent_id ? { agentId: estate.hoop.connections[0].agent_id } : {}) } },
  };
  const fakeSecret = `sandbox/${hash32(`secret:${String(estate.seed)}`).toString(36)}/not-a-real-secret`;
  return {
    estate,
    aws,
    gcp,
    azure,
    github,
    kubernetes,
    hoop,
    config,
    env: {
      AWS_ACCESS_KEY_ID: estate.aws.scanner.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fakeSecret,
      AWS_REGION: REGION,
      SPRAWL_GCP_ACCESS_TOKEN: gcp.accessToken,
      SPRAWL_AZURE_ACCESS_TOKEN: azure.accessToken,
      GITHUB_TOKEN: github.token,
      HOOP_API_KEY: hoop.apiKey,
    },
    stop: async () => {
      await Promise.all([aws.stop(), gcp.stop(), azure.stop(), github.stop(), kubernetes.stop(), hoop.stop()]);
      rmSync(caDir, { recursive: true, force: true });
    },
  };
}
