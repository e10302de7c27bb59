/**
 * The gateway connection sprawl registers for each kind of identity, in the shapes hoop's own
 * connection catalogue uses (../shared/reference/hoop-gateway.md §3.5), and the connection name
 * (hoop's name rule, §3.2).
 */
import { createHash } from 'node:crypto';
import type { Identity } from '../model/index.ts';

export interface ConnectionShape {
  type: 'custom';
  subtype: string;
  command: string[];
  /** The secret map's keys, in order; values come from the fresh credential at apply time. */
  secretKeys: string[];
  /** No credential at all: the gateway impersonates the account (GCP IAM federation). */
  keyless?: boolean;
}

/** The shape for an identity, or undefined when the gateway cannot hold a credential for it. */
export function connectionShape(identity: Identity, opts: { gcpFederation: boolean }): ConnectionShape | undefined {
  switch (identity.kind) {
    case 'aws-iam-user':
      return { type: 'custom', subtype: 'aws-cli', command: ['bash'], secretKeys: ['envvar:AWS_ACCESS_KEY_ID', 'envvar:AWS_SECRET_ACCESS_KEY', 'envvar:AWS_REGION'] };
    case 'gcp-service-account':
      return opts.gcpFederation
        ? { type: 'custom', subtype: 'bigquery', command: ['bash'], secretKeys: ['envvar:CLOUDSDK_CORE_PROJECT'], keyless: true }
        : { type: 'custom', subtype: 'bigquery', command: ['bash'], secretKeys: ['filesystem:GOOGLE_APPLICATION_CREDENTIALS', 'envvar:CLOUDSDK_CORE_PROJECT'] };
    case 'azure-service-principal':
      return { type: 'custom', subtype: 'azure-cli', command: ['bash'], secretKeys: ['envvar:AZURE_CLIENT_ID', 'envvar:AZURE_TENANT_ID', 'envvar:AZURE_CLIENT_SECRET'] };
    case 'k8s-service-account':
      return { type: 'custom', subtype: 'kubernetes', command: ['kubectl'], secretKeys: ['envvar:KUBERNETES_BEARER_TOKEN', 'envvar:KUBERNETES_CLUSTER_URL'] };
    default:
      return undefined;
  }
}

/** Hoop's connection name rule (gateway/api/validation/validation.go). */
export const CONNECTION_NAME_RE = /^[a-zA-Z0-9_]+(?:[-.]?[a-zA-Z0-9_]+){2,253}$/;

const PROVIDER_PREFIX: Record<Identity['provider'], string> = { aws: 'aws', gcp: 'gcp', azure: 'azure', github: 'github', kubernetes: 'k8s' };

/**
 * `sprawl-<provider>-<name>-<hash>`: readable, unique per identity (the hash of its id), and valid
 * under hoop's rule whatever the identity's name holds (other characters become `-`, runs collapse).
 */
export function connectionName(identity: Identity): string {
  const hash = createHash('sha256').update(identity.id).digest('hex').slice(0, 8);
  const base = identity.name
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  const name = ['sprawl', PROVIDER_PREFIX[identity.provider], base, hash].filter((p) => p !== '').join('-');
  if (!CONNECTION_NAME_RE.test(name)) throw new Error(`internal: connection name ${name} breaks hoop's name rule`);
  return name;
}
