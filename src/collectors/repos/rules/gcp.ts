/** Google Cloud: service-account key files (JSON) and API keys. */
import type { SecretRule } from '../types.ts';
import { fakeChars, fakeHex, fakePem } from './fake.ts';

// Whitespace or an escaped newline/tab between JSON fields (the key file may itself sit, escaped,
// inside another string).
const GAP = String.raw`(?:\s|\\{1,2}[nrt]){0,64}`;
const Q = String.raw`\\{0,2}"`;
const PEM_ESCAPED = String.raw`-----BEGIN PRIVATE KEY-----(?:\\{1,2}[nr]|[A-Za-z0-9+/=]){64,12000}-----END PRIVATE KEY-----(?:\\{1,2}n)?`;

function keyFile(seed: string, pretty: boolean): string {
  const fields: [string, string][] = [
    ['type', 'service_account'],
    ['project_id', 'sprawl-fake-project'],
    ['private_key_id', fakeHex(`${seed}-id`, 40)],
    ['private_key', `${fakePem('PRIVATE KEY', seed, '\\n')}\\n`],
    ['client_email', 'fake-sa@sprawl-fake-project.iam.gserviceaccount.com'],
    ['client_id', '100000000000000000000'],
  ];
  const parts = fields.map(([k, v]) => `"${k}": "${v}"`);
  return pretty ? `{\n  ${parts.join(',\n  ')}\n}\n` : `{${parts.join(', ')}}`;
}

const serviceAccountKey: SecretRule = {
  id: 'gcp-service-account-key',
  family: 'gcp',
  title: 'GCP service account key',
  description:
    'A Google Cloud service-account key file (JSON with private_key_id and private_key). Anyone with it ' +
    'can act as the service account until the key is deleted; these keys do not expire by default. ' +
    'Disable then delete the key (`gcloud iam service-accounts keys delete <private_key_id>`), review ' +
    'Cloud Audit Logs for its use, and prefer workload identity federation over exported keys.',
  severity: 'critical',
  keywords: ['private_key_id'],
  pattern: new RegExp(
    String.raw`${Q}private_key_id${Q}[ \t]{0,4}:[ \t]{0,4}${Q}(?<keyid>[0-9a-f]{40})${Q}[ \t]{0,4},${GAP}` +
      String.raw`${Q}private_key${Q}[ \t]{0,4}:[ \t]{0,4}${Q}(?<secret>${PEM_ESCAPED})${Q}`,
    'g',
  ),
  window: { before: 0, after: 14_000 },
  publicId: (_s, g) => g['keyid'],
  credentialKind: 'gcp-sa-key',
  samples: {
    match: [
      keyFile('gcp1', true),
      keyFile('gcp2', false),
      // the key file as an escaped JSON string inside another JSON document (e.g. a CI variable export)
      `{"GOOGLE_CREDENTIALS": ${JSON.stringify(keyFile('gcp3', true))}}`,
      `resource "x" {\n  credentials = ${JSON.stringify(keyFile('gcp4', false))}\n}`,
    ],
    noMatch: [
      `{"private_key_id": "${fakeHex('gcp5', 40)}", "private_key": "-----BEGIN PRIVATE KEY-----\\n...\\n-----END PRIVATE KEY-----\\n"}`,
      `{"type": "service_account", "private_key_id": "${fakeHex('gcp6', 40)}"}`,
      '{"private_key_id": "your-private-key-id", "private_key": "-----BEGIN PRIVATE KEY-----\\nYOUR_PRIVATE_KEY\\n-----END PRIVATE KEY-----\\n"}',
      `{"private_key_id": "${fakeHex('gcp7', 40)}", "private_key": "${fakePem('PRIVATE KEY', 'gcp7', '\\n').replace(/[A-Za-z0-9+/]{64}/g, 'x'.repeat(64))}"}`,
    ],
  },
};

const fakeApiKey = (seed: string): string => `AIzaSyFAKE${fakeChars(seed, 29, '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-')}`;

const apiKey: SecretRule = {
  id: 'gcp-api-key',
  family: 'gcp',
  title: 'Google API key',
  description:
    'A Google API key (AIza…). Depending on its restrictions it can call paid or data-bearing Google ' +
    'APIs on the project\'s bill. Restrict or delete it in APIs & Services > Credentials, create a ' +
    'restricted replacement, and remove the value from the repository.',
  severity: 'high',
  keywords: ['aiza'],
  pattern: /(?<![A-Za-z0-9_-])(?<secret>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/g,
  minEntropy: 3.5,
  samples: {
    match: [
      `const firebaseConfig = { apiKey: "${fakeApiKey('g1')}", authDomain: "x.firebaseapp.com" };`,
      `GOOGLE_API_KEY=${fakeApiKey('g2')}`,
      `<string name="google_maps_key">${fakeApiKey('g3')}</string>`,
      `https://maps.googleapis.com/maps/api/geocode/json?address=x&key=${fakeApiKey('g4')}`,
    ],
    noMatch: [
      'apiKey: "AIzaSyXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"',
      `GOOGLE_API_KEY=${fakeApiKey('g5').slice(0, 30)}`,
      `key = "x${fakeApiKey('g6')}"`,
      'GOOGLE_API_KEY=AIzaSyD-EXAMPLE-EXAMPLE-EXAMPLE-EXAMPLE',
    ],
  },
};

export const GCP_RULES: readonly SecretRule[] = [serviceAccountKey, apiKey];
