/**
 * The clients of one account, for code that acts on a named account (the enforcer): the base
 * credentials from a given environment (the collector reads the process's), the account's
 * `roleArn`/`externalId` from the `aws:` config, and a check that the credentials really land in
 * that account before anything is changed there.
 */
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { AwsAccountConfig, AwsConfig } from '../../config/schema.ts';
import { createAwsClients, createBaseCredentials, describeAwsError, memoizeCredentials } from './client.ts';
import type { AwsClients, AwsClientSettings, AwsCredentialProvider } from './client.ts';
import { fromIni } from '@aws-sdk/credential-providers';

/** The 12-digit account of an IAM role ARN. */
export function accountOfRoleArn(arn: string | undefined): string | undefined {
  return arn ? /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(arn)?.[1] : undefined;
}

/**
 * Base credentials as the SDK's default chain would find them in `env`: the config's profile
 * first (as the collector), then AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY(/AWS_SESSION_TOKEN), then
 * AWS_PROFILE, then the rest of the default chain (SSO, container and instance metadata).
 */
export function baseCredentialsFromEnv(settings: Pick<AwsClientSettings, 'profile'>, env: NodeJS.ProcessEnv): AwsCredentialProvider {
  if (settings.profile !== undefined) return createBaseCredentials(settings);
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (accessKeyId && secretAccessKey) {
    const sessionToken = env.AWS_SESSION_TOKEN || undefined;
    const creds = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    return memoizeCredentials(() => Promise.resolve(creds));
  }
  if (env.AWS_PROFILE) {
    const provider = fromIni({ profile: env.AWS_PROFILE });
    return memoizeCredentials(() => provider());
  }
  return createBaseCredentials({});
}

/** The config entry of an account: by `id`, or by the account of its `roleArn`. */
export function accountConfig(config: AwsConfig, accountId: string): AwsAccountConfig | undefined {
  return config.accounts.find((a) => a.id === accountId || (a.id === undefined && accountOfRoleArn(a.roleArn) === accountId));
}

export interface AccountClients extends AwsClients {
  accountId: string;
  /** Resolves once STS confirmed the credentials act in `accountId`; rejects otherwise. */
  verified: Promise<void>;
}

/**
 * IAM and STS clients acting in `accountId`: the role of its config entry assumed (with its
 * external id), or the base credentials when the entry has no role or the config lists no
 * accounts at all. An account the config does not list (when it lists some) is an error.
 */
export function accountClients(settings: AwsClientSettings, config: AwsConfig, accountId: string, opts: { base: AwsCredentialProvider; sessionName: string }): AccountClients {
  const entry = accountConfig(config, accountId);
  if (!entry && config.accounts.length > 0) throw new Error(`aws ${accountId}: the account is not in the aws.accounts of the config`);
  const roleArn = entry?.roleArn;
  const clients = createAwsClients(settings, {
    base: opts.base,
    ...(roleArn !== undefined ? { assumeRole: { roleArn, sessionName: opts.sessionName, ...(entry?.externalId !== undefined ? { externalId: entry.externalId } : {}) } } : {}),
  });
  let verified: Promise<void> | undefined;
  return {
    ...clients,
    accountId,
    get verified(): Promise<void> {
      verified ??= clients.sts.send(new GetCallerIdentityCommand({})).then(
        (who) => {
          if (who.Account !== accountId) throw new Error(`aws ${accountId}: the credentials act in account ${who.Account ?? '(unknown)'}, not ${accountId}`);
        },
        (err: unknown) => {
          const { code, message } = describeAwsError(err);
          throw new Error(`aws ${accountId}: GetCallerIdentity ${code}: ${message}`, { cause: err });
        },
      );
      return verified;
    },
  };
}
