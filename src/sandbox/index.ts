/**
 * The sandbox: a generated estate served by emulators on 127.0.0.1, plus the config and the
 * (fake) credentials that point sprawl at them. Product code never imports this module; it only
 * receives the endpoints and credentials through the same config a real estate uses.
 */
import type { z } from 'zod';
import type { awsSchema } from '../config/schema.ts';
import { generateEstate } from './estate.ts';
import type { Estate, EstateOptions } from './estate.ts';
import { hash32 } from './random.ts';
import { startAwsEmulator } from './aws/index.ts';
import type { AwsEmulator, AwsEmulatorOptions } from './aws/index.ts';

export type { Estate, EstateOptions } from './estate.ts';
export type { AwsEmulator, AwsFaults } from './aws/index.ts';

export interface SandboxOptions extends EstateOptions {
  aws?: AwsEmulatorOptions;
}

/** The part of a sprawl config the sandbox fills in (input shape of config/schema.ts: defaults apply). */
export interface SandboxConfig {
  aws: z.input<typeof awsSchema>;
}

export interface SandboxEnv {
  AWS_ACCESS_KEY_ID: string;
  /** Fake: starts with `sandbox/` so nobody mistakes it for a real key. */
  AWS_SECRET_ACCESS_KEY: string;
  AWS_REGION: string;
}

export interface Sandbox {
  estate: Estate;
  aws: AwsEmulator;
  config: SandboxConfig;
  env: SandboxEnv;
  stop(): Promise<void>;
}

const REGION = 'us-east-1';

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const estate = generateEstate(opts);
  const aws = await startAwsEmulator(estate, opts.aws);
  const { auditRoleName, externalId } = estate.aws;
  const config: SandboxConfig = {
    aws: {
      endpoint: aws.endpoint,
      region: REGION,
      accounts: estate.aws.accounts.map((a) => ({ id: a.id, name: a.name, roleArn: `arn:aws:iam::${a.id}:role/${auditRoleName}`, externalId })),
    },
  };
  const fakeSecret = `sandbox/${hash32(`secret:${String(estate.seed)}`).toString(36)}/not-a-real-secret`;
  return {
    estate,
    aws,
    config,
    env: { AWS_ACCESS_KEY_ID: estate.aws.scanner.accessKeyId, AWS_SECRET_ACCESS_KEY: fakeSecret, AWS_REGION: REGION },
    stop: () => aws.stop(),
  };
}
