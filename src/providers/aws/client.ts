/**
 * Builds the AWS SDK clients one account is read (or changed) with: endpoint override for both
 * IAM and STS (a VPC endpoint, the sandbox), region, named profile or the SDK default chain,
 * assume-role per account with an external id, retries (standard or adaptive) and timeouts.
 * Shared by the AWS collector and the AWS enforcer actions; no stage logic here.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni, fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsConfig } from '../../config/schema.ts';

/** What a credential provider resolves to (access key id, secret, session token, expiration). */
export type AwsCredentials = Awaited<ReturnType<ReturnType<typeof fromIni>>>;
/** A function resolving credentials, as the SDK clients accept it. */
export type AwsCredentialProvider = () => Promise<AwsCredentials>;

export interface AwsClientSettings {
  region: string;
  /** Endpoint override for IAM and STS (and the STS client that assumes roles). */
  endpoint?: string;
  /** Named profile (~/.aws/config); default: the SDK default chain (env, profile, SSO, IMDS). */
  profile?: string;
  /** Attempts per call, retries included. */
  maxAttempts: number;
  retryMode: 'standard' | 'adaptive';
  /** Timeout of one attempt: no answer (or a stalled one) within it fails the attempt. */
  requestTimeoutMs: number;
  connectionTimeoutMs: number;
}

export interface AwsAssumeRole {
  roleArn: string;
  externalId?: string;
  sessionName?: string;
  durationSeconds?: number;
}

export interface AwsClients {
  iam: IAMClient;
  sts: STSClient;
  /** Closes the clients' sockets. */
  destroy(): void;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECTION_TIMEOUT_MS = 10_000;

export function awsClientSettings(config: AwsConfig, overrides: Partial<AwsClientSettings> = {}): AwsClientSettings {
  return {
    region: config.region,
    ...(config.endpoint !== undefined ? { endpoint: config.endpoint } : {}),
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    maxAttempts: config.maxAttempts,
    // Standard: exponential backoff with jitter on throttling and 5xx. Adaptive mode was measured
    // to cut the sending rate to about one call per second after a single early throttle, which
    // would stretch a 5,000-user account's scan to hours; it stays available as an override.
    retryMode: 'standard',
    requestTimeoutMs: config.requestTimeoutMs,
    connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
    ...overrides,
  };
}

/** Options common to every client built from the settings (IAM, STS, the assume-role STS client). */
function commonConfig(s: AwsClientSettings): {
  region: string;
  endpoint?: string;
  maxAttempts: number;
  retryMode: string;
  requestHandler: { requestTimeout: number; connectionTimeout: number; socketTimeout: number; throwOnRequestTimeout: boolean };
} {
  return {
    region: s.region,
    ...(s.endpoint !== undefined ? { endpoint: s.endpoint } : {}),
    maxAttempts: s.maxAttempts,
    retryMode: s.retryMode,
    // Constructor options of the SDK's default Node handler (@smithy/node-http-handler). Without
    // throwOnRequestTimeout the handler only logs a warning when requestTimeout passes and the
    // attempt waits on a silent server forever; with it the attempt fails (TimeoutError, which
    // the standard retry strategy retries within maxAttempts). requestTimeout ends when the
    // headers arrive; socketTimeout (idle) covers a body that stalls after them.
    requestHandler: { requestTimeout: s.requestTimeoutMs, connectionTimeout: s.connectionTimeoutMs, socketTimeout: s.requestTimeoutMs, throwOnRequestTimeout: true },
  };
}

/** The base credentials: the named profile, or the SDK default chain. Resolve once, share across accounts. */
export function createBaseCredentials(s: Pick<AwsClientSettings, 'profile'>): AwsCredentialProvider {
  const provider = s.profile !== undefined ? fromIni({ profile: s.profile }) : fromNodeProviderChain();
  return memoizeCredentials(() => provider());
}

/** Caches credentials until five minutes before they expire (temporary ones) or forever (static ones). */
export function memoizeCredentials(provider: AwsCredentialProvider, refreshBeforeMs = 5 * 60_000): AwsCredentialProvider {
  let cached: Promise<AwsCredentials> | undefined;
  let expiresAt = Infinity;
  return async () => {
    if (cached && Date.now() < expiresAt - refreshBeforeMs) return cached;
    const attempt = provider();
    cached = attempt;
    try {
      const creds = await attempt;
      expiresAt = creds.expiration ? creds.expiration.getTime() : Infinity;
      return creds;
    } catch (err) {
      if (cached === attempt) cached = undefined;
      throw err;
    }
  };
}

/** Credentials of a role assumed with the base credentials; the inner STS client uses the same endpoint. */
export function assumeRoleCredentials(s: AwsClientSettings, base: AwsCredentialProvider, role: AwsAssumeRole): AwsCredentialProvider {
  const provider = fromTemporaryCredentials({
    masterCredentials: base,
    params: {
      RoleArn: role.roleArn,
      RoleSessionName: role.sessionName ?? `sprawl-${Date.now()}`,
      ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
      ...(role.durationSeconds !== undefined ? { DurationSeconds: role.durationSeconds } : {}),
    },
    clientConfig: commonConfig(s),
  });
  return memoizeCredentials(() => provider());
}

/**
 * IAM and STS clients for one account. With `assumeRole`, both use the role's temporary
 * credentials (assumed once, shared by the two clients); otherwise the base credentials.
 */
export function createAwsClients(s: AwsClientSettings, opts: { base?: AwsCredentialProvider; assumeRole?: AwsAssumeRole } = {}): AwsClients {
  const base = opts.base ?? createBaseCredentials(s);
  const credentials = opts.assumeRole ? assumeRoleCredentials(s, base, opts.assumeRole) : base;
  const config = { ...commonConfig(s), credentials };
  const iam = new IAMClient(config);
  const sts = new STSClient(config);
  retryUnreadableBodies(iam);
  retryUnreadableBodies(sts);
  return {
    iam,
    sts,
    destroy() {
      iam.destroy();
      sts.destroy();
    },
  };
}

/**
 * A 2xx answer whose body cannot be parsed (malformed XML, a body cut short) is retried like a
 * network error: the SDK's standard strategy only retries throttling, 5xx and transport errors,
 * and a proxy that mangles one answer would otherwise fail the whole source at once. Marked with
 * the `$retryable` trait, the error is retried within `maxAttempts`. Registered in the
 * deserialize step above the SDK's own deserializer, so it sees the parse error.
 */
type Handler = (args: unknown) => Promise<unknown>;
type LooseStack = { add(middleware: (next: Handler) => Handler, options: { step: 'deserialize'; priority: 'high'; name: string }): void };

function retryUnreadableBodies(client: IAMClient | STSClient): void {
  (client.middlewareStack as unknown as LooseStack).add(
    (next) => async (args) => {
      try {
        return await next(args);
      } catch (err) {
        const status = (err as { $response?: { statusCode?: unknown } } | undefined)?.$response?.statusCode;
        if (err instanceof Error && typeof status === 'number' && status >= 200 && status < 300 && !('$retryable' in err)) {
          try {
            Object.assign(err, { $retryable: {} });
          } catch {
            // a frozen error: left as it is (not retried)
          }
        }
        throw err;
      }
    },
    { step: 'deserialize', priority: 'high', name: 'sprawlRetryUnreadableBodies' },
  );
}

/** Attempts an SDK call took (`$metadata.attempts` of an output or an error); 1 when unknown. */
export function attemptsOf(value: unknown): number {
  if (typeof value !== 'object' || value === null || !('$metadata' in value)) return 1;
  const meta = (value as { $metadata?: { attempts?: unknown } }).$metadata;
  return typeof meta?.attempts === 'number' && meta.attempts > 0 ? meta.attempts : 1;
}

/** Error code and message of an SDK error, safe to log (never carries credentials). */
export function describeAwsError(err: unknown): { code: string; message: string; status?: number } {
  if (err instanceof Error) {
    const meta = (err as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
    const status = typeof meta?.httpStatusCode === 'number' ? meta.httpStatusCode : undefined;
    const code = (err as { Code?: unknown }).Code;
    return { code: typeof code === 'string' ? code : err.name, message: err.message, ...(status !== undefined ? { status } : {}) };
  }
  return { code: 'Error', message: String(err) };
}

/** Access denied in any of the shapes AWS uses (AccessDenied, AccessDeniedException, 403 on STS). */
export function isAccessDenied(err: unknown): boolean {
  const { code, status } = describeAwsError(err);
  return status === 403 || /^(AccessDenied|AccessDeniedException|UnauthorizedOperation|InvalidClientTokenId|ExpiredToken)$/.test(code);
}
