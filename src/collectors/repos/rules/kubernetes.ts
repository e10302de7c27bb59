/** Kubernetes: service-account tokens (validated JWT claims) and kubeconfig user credentials. */
import { decodeBase64 } from '../engine/encoding.ts';
import type { SecretRule } from '../types.ts';
import { fakeJwt, fakePem, fakeChars } from './fake.ts';
import { jwtClaims } from './jwt.ts';
import { JWT } from './shared.ts';

interface SaClaims {
  namespace?: string;
  secretName?: string;
  serviceAccount?: string;
}

/** The service-account claims of a Kubernetes token, or undefined when it is not one. */
export function serviceAccountClaims(token: string): SaClaims | undefined {
  const claims = jwtClaims(token);
  if (!claims) return undefined;
  const alg = claims.header['alg'];
  if (typeof alg !== 'string' || alg.toLowerCase() === 'none') return undefined;
  const p = claims.payload;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const legacyName = str(p['kubernetes.io/serviceaccount/service-account.name']);
  const bound = p['kubernetes.io'];
  const sub = str(p['sub']);
  const iss = str(p['iss']);
  if (legacyName !== undefined || iss === 'kubernetes/serviceaccount') {
    return {
      namespace: str(p['kubernetes.io/serviceaccount/namespace']),
      secretName: str(p['kubernetes.io/serviceaccount/secret.name']),
      serviceAccount: legacyName,
    };
  }
  if (bound !== null && typeof bound === 'object' && 'serviceaccount' in bound) {
    const b = bound as { namespace?: unknown; serviceaccount?: { name?: unknown } };
    return { namespace: str(b.namespace), serviceAccount: str(b.serviceaccount?.name) };
  }
  if (sub?.startsWith('system:serviceaccount:')) {
    const [, , namespace, serviceAccount] = sub.split(':');
    return { namespace, serviceAccount };
  }
  return undefined;
}

const legacyToken = (seed: string): string =>
  fakeJwt(
    { alg: 'RS256', kid: 'FAKE-kid-0000' },
    {
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'ci',
      'kubernetes.io/serviceaccount/secret.name': `runner-token-fake${seed}`,
      'kubernetes.io/serviceaccount/service-account.name': 'runner',
      'kubernetes.io/serviceaccount/service-account.uid': '00000000-0000-0000-0000-000000000000',
      sub: 'system:serviceaccount:ci:runner',
    },
    `k8s-${seed}`,
  );
const boundToken = (seed: string): string =>
  fakeJwt(
    { alg: 'RS256', kid: 'FAKE-kid-0000' },
    {
      aud: ['https://kubernetes.default.svc.cluster.local'],
      exp: 1900000000,
      iat: 1700000000,
      iss: 'https://kubernetes.default.svc.cluster.local',
      'kubernetes.io': { namespace: 'prod', serviceaccount: { name: 'deployer', uid: '00000000-0000-0000-0000-000000000000' } },
      sub: 'system:serviceaccount:prod:deployer',
    },
    `k8s-${seed}`,
  );

const kubeconfig = (user: string): string =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- cluster:',
    '    server: https://10.0.0.1:6443',
    '  name: prod',
    'contexts:',
    '- context: {cluster: prod, user: ci}',
    '  name: prod',
    'current-context: prod',
    'users:',
    '- name: ci',
    '  user:',
    user,
    '',
  ].join('\n');

const serviceAccountToken: SecretRule = {
  id: 'kubernetes-service-account-token',
  family: 'kubernetes',
  title: 'Kubernetes service account token',
  description:
    'A Kubernetes service-account token (a JWT issued by the cluster). It authenticates to the API ' +
    'server as the service account with all its RBAC bindings; legacy secret-based tokens never ' +
    'expire. Delete the token Secret (legacy) or rotate the service-account signing key / recreate ' +
    'the service account (bound tokens), review the audit log, and use short-lived projected tokens.',
  severity: 'high',
  keywords: ['eyj'],
  pattern: new RegExp(JWT, 'g'),
  window: { before: 0, after: 10_300 },
  validate: (s) => serviceAccountClaims(s) !== undefined,
  publicId: (s) => {
    const c = serviceAccountClaims(s);
    return c?.secretName === undefined ? undefined : `${c.namespace ?? ''}/${c.secretName}`;
  },
  credentialKind: 'k8s-token-secret',
  samples: {
    match: [
      kubeconfig(`    token: ${legacyToken('1')}`),
      `kubectl --token=${boundToken('2')} get pods`,
      `K8S_TOKEN="${legacyToken('3')}"`,
      `{"status": {"token": "${boundToken('4')}"}}`,
    ],
    noMatch: [
      `token: ${fakeJwt({ alg: 'RS256' }, { iss: 'https://accounts.sprawl.invalid', sub: 'user-0000' }, 'k8s-5')}`,
      `token: ${fakeJwt({ alg: 'none' }, { iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:a:b' }, 'k8s-6')}`,
      `token: ${legacyToken('7').split('.').slice(0, 2).join('.')}`,
    ],
  },
};

const kubeconfigToken: SecretRule = {
  id: 'kubernetes-kubeconfig-token',
  family: 'kubernetes',
  title: 'Kubernetes kubeconfig user token',
  description:
    'A bearer token in the users section of a kubeconfig. It authenticates to the cluster as that ' +
    'user or service account. Revoke it where it was issued (token Secret, bootstrap token, OIDC ' +
    'provider), review the audit log, and keep kubeconfigs out of repositories.',
  severity: 'high',
  keywords: ['token:'],
  pattern:
    /token:(?<=^[ \t]{1,16}token:)(?<=^users:[ \t]*\r?\n[\s\S]{0,4096})[ \t]{0,4}["']?(?<secret>[A-Za-z0-9._~+/=-]{16,4096})["']?[ \t]*\r?$/gm,
  window: { before: 4096, after: 0 },
  minEntropy: 3,
  validate: (s) => !s.startsWith('/') && !s.includes('..'),
  credentialKind: 'k8s-token-secret',
  samples: {
    match: [
      kubeconfig(`    token: fake00.${fakeChars('kc1', 16, 'abcdefghijklmnopqrstuvwxyz0123456789')}`),
      kubeconfig(`    token: "FAKE${fakeChars('kc2', 40)}"`),
      kubeconfig(`    client-certificate: /etc/k8s/ci.crt\n    token: FAKE${fakeChars('kc3', 60)}`).replace(/\n/g, '\r\n'),
    ],
    noMatch: [
      kubeconfig('    token: <your-token>'),
      `spec:\n  template:\n    token: FAKE${fakeChars('kc4', 40)}\n`,
      kubeconfig('    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token'),
    ],
  },
};

const pemData = (seed: string): string => Buffer.from(fakePem('RSA PRIVATE KEY', seed)).toString('base64');

const kubeconfigClientKey: SecretRule = {
  id: 'kubernetes-kubeconfig-client-key',
  family: 'kubernetes',
  title: 'Kubernetes client private key (kubeconfig)',
  description:
    'A base64-encoded client certificate private key (client-key-data) in a kubeconfig: it authenticates ' +
    'to the cluster as the certificate\'s user and groups (often cluster-admin) until the certificate ' +
    'expires, and certificates cannot be revoked. Rotate the cluster CA if the user is privileged, ' +
    'remove the binding for the certificate\'s identity, and issue new credentials.',
  severity: 'critical',
  keywords: ['client-key-data'],
  pattern:
    /client-key-data\\?["']?[ \t]{0,4}:[ \t]{0,4}\\?["']?(?<secret>LS0tLS1CRUdJTi[A-Za-z0-9+/]{60,16000}={0,2})(?![A-Za-z0-9+/=])/g,
  window: { before: 0, after: 16_100 },
  validate: (s) => decodeBase64(s)?.toString('latin1').includes('PRIVATE KEY-----') === true,
  samples: {
    match: [
      kubeconfig(`    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n    client-key-data: ${pemData('kk1')}`),
      `{"users": [{"name": "admin", "user": {"client-key-data": "${pemData('kk2')}"}}]}`,
      kubeconfig(`    client-key-data: "${pemData('kk3')}"`),
    ],
    noMatch: [
      kubeconfig('    client-key-data: DATA+OMITTED'),
      kubeconfig('    client-key-data: REDACTED'),
      kubeconfig(`    client-key-data: ${Buffer.from(fakePem('CERTIFICATE', 'kk4')).toString('base64')}`),
      kubeconfig('    client-key: /home/ci/.kube/ci.key'),
    ],
  },
};

export const KUBERNETES_RULES: readonly SecretRule[] = [serviceAccountToken, kubeconfigToken, kubeconfigClientKey];
