/** Azure: Entra ID client secrets, storage account keys and connection strings, SAS tokens. */
import type { SecretRule } from '../types.ts';
import { decodeBase64, percentDecodeAscii } from '../engine/encoding.ts';
import { fakeBytes, fakeChars } from './fake.ts';
import { ASSIGN, charClasses } from './shared.ts';

const SECRET_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.-';
const fakeClientSecret = (seed: string): string => `Fk${fakeChars(seed, 1, '3456789')}8Q~FAKE${fakeChars(seed, 30, SECRET_CHARS)}`;

const clientSecret: SecretRule = {
  id: 'azure-client-secret',
  family: 'azure',
  title: 'Azure AD (Entra ID) client secret',
  description:
    'An Entra ID application client secret in the current format (…Q~…). It authenticates as the ' +
    'application (service principal) with all its API permissions and role assignments. Delete the ' +
    'secret under App registrations > Certificates & secrets, review sign-in logs of the service ' +
    'principal, and prefer certificates or workload identity federation.',
  severity: 'critical',
  keywords: ['q~'],
  pattern: /(?<![A-Za-z0-9_~.-])(?<secret>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/g,
  minEntropy: 3.5,
  credentialKind: 'azure-client-secret',
  samples: {
    match: [
      `AZURE_CLIENT_SECRET=${fakeClientSecret('az1')}`,
      `{"clientSecret": "${fakeClientSecret('az2')}", "tenantId": "00000000-0000-0000-0000-000000000000"}`,
      `client_secret = "${fakeClientSecret('az3')}"`,
      `  ARM_CLIENT_SECRET: '${fakeClientSecret('az4')}'`,
    ],
    noMatch: [
      'AZURE_CLIENT_SECRET=abc8Q~xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
      `AZURE_CLIENT_SECRET=${fakeClientSecret('az5').slice(0, 30)}`,
      'regex = "[A-Za-z0-9]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34}"',
      `token = "zz${fakeClientSecret('az6')}zz"`,
    ],
  },
};

const LEGACY_CHARS = String.raw`[A-Za-z0-9_~.+/=@:*?\[\]-]`;
const legacyClientSecret: SecretRule = {
  id: 'azure-client-secret-legacy',
  family: 'azure',
  title: 'Azure AD client secret (older format)',
  description:
    'A 32-34 character value assigned to an Azure/Entra client secret name: the format client secrets ' +
    'had before the …Q~… prefix. Delete the secret in the app registration, review the service ' +
    'principal\'s sign-ins, and move to certificates or federated credentials.',
  severity: 'high',
  keywords: ['client_secret', 'clientsecret', 'client-secret', 'client.secret'],
  pattern: new RegExp(
    String.raw`(?:(?:azure|arm|az)[_.-]?)?client[_.-]?secret${ASSIGN}(?<secret>${LEGACY_CHARS}{32,34})(?!${LEGACY_CHARS})`,
    'gi',
  ),
  minEntropy: 4,
  validate: (s) => charClasses(s) >= 3,
  credentialKind: 'azure-client-secret',
  samples: {
    match: [
      `AZURE_CLIENT_SECRET=Jx7${fakeChars('azl1', 25)}/Fk+=`,
      `"clientSecret": "Qw9${fakeChars('azl2', 26)}.FK-"`,
      `client_secret = 'Zt4${fakeChars('azl3', 27)}@Fk'`,
    ],
    noMatch: [
      `AZURE_CLIENT_SECRET=${fakeChars('azl4', 20)}`,
      'client_secret: 0123456789abcdef0123456789abcdef',
      'clientSecret = "your-client-secret-value-goes-here"',
      `AZURE_CLIENT_SECRET=Jx7${fakeChars('azl5', 25)}/Fk+=extra`,
    ],
  },
};

const fakeAccountKey = (seed: string): string => fakeBytes(`FAKE-storage-${seed}`, 64).toString('base64');
const ACCOUNT_KEY = String.raw`(?<secret>[A-Za-z0-9+/]{86}==)(?![A-Za-z0-9+/=])`;

const connectionString: SecretRule = {
  id: 'azure-storage-connection-string',
  family: 'azure',
  title: 'Azure Storage connection string',
  description:
    'An Azure Storage connection string with an account key. The key gives full control of every blob, ' +
    'queue, table and file share in the account. Rotate the key (Storage account > Access keys > ' +
    'Rotate), update consumers, and switch them to Entra ID auth or user-delegation SAS.',
  severity: 'critical',
  keywords: ['defaultendpointsprotocol'],
  pattern: new RegExp(
    String.raw`DefaultEndpointsProtocol=https?;(?:[A-Za-z]{1,30}=[^;"'\s]{0,256};){0,6}?AccountName=(?<account>[A-Za-z0-9]{3,24});` +
      String.raw`(?:[A-Za-z]{1,30}=[^;"'\s]{0,256};){0,6}?AccountKey=${ACCOUNT_KEY}`,
    'g',
  ),
  validate: (s) => decodeBase64(s)?.length === 64,
  publicId: (_s, g) => g['account'],
  samples: {
    match: [
      `AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=sprawlfake;AccountKey=${fakeAccountKey('c1')};EndpointSuffix=core.windows.net"`,
      `{"ConnectionStrings": {"Storage": "DefaultEndpointsProtocol=https;AccountName=fakeacct01;AccountKey=${fakeAccountKey('c2')}"}}`,
      `var cs = "DefaultEndpointsProtocol=https;BlobEndpoint=https://x.blob.core.windows.net/;AccountName=fakeacct02;AccountKey=${fakeAccountKey('c3')}";`,
    ],
    noMatch: [
      'AzureWebJobsStorage=UseDevelopmentStorage=true',
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;',
      'DefaultEndpointsProtocol=https;AccountName=myaccount;AccountKey=<your-account-key>;',
      'DefaultEndpointsProtocol=https;AccountName=myaccount;AccountKey=${STORAGE_KEY}',
    ],
  },
};

const storageKey: SecretRule = {
  id: 'azure-storage-account-key',
  family: 'azure',
  title: 'Azure Storage account key',
  description:
    'An 88-character Azure Storage account key assigned to an account-key name. It gives full control ' +
    'of the storage account. Rotate it under Storage account > Access keys, update consumers, and ' +
    'disable shared-key authorization where Entra ID auth is possible.',
  severity: 'critical',
  keywords: ['accountkey', 'account_key', 'account-key', 'account.key', 'storage', 'primary_access_key', 'primaryaccesskey', 'secondary_access_key', 'secondaryaccesskey'],
  pattern: new RegExp(
    String.raw`(?:account[_.-]?key|storage[_.-]?(?:account[_.-]?)?(?:access[_.-]?)?key|(?:primary|secondary)[_.-]?access[_.-]?key)${ASSIGN}${ACCOUNT_KEY}`,
    'gi',
  ),
  minEntropy: 4.5,
  validate: (s) => decodeBase64(s)?.length === 64,
  samples: {
    match: [
      `AZURE_STORAGE_KEY=${fakeAccountKey('k1')}`,
      `storage_account_key = "${fakeAccountKey('k2')}"`,
      `{"primaryAccessKey": "${fakeAccountKey('k3')}"}`,
      `azure:\n  storage:\n    account-key: ${fakeAccountKey('k4')}\n`,
    ],
    noMatch: [
      'AZURE_STORAGE_KEY=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
      `blob = "${fakeAccountKey('k5')}"`,
      'storage_account_key = "${var.storage_key}"',
      `AZURE_STORAGE_KEY=${fakeAccountKey('k6').slice(0, 60)}==`,
    ],
  },
};

const fakeSig = (seed: string): string => encodeURIComponent(fakeBytes(`FAKE-sas-${seed}`, 32).toString('base64'));

const sasToken: SecretRule = {
  id: 'azure-sas-token',
  family: 'azure',
  title: 'Azure shared access signature (SAS)',
  description:
    'An Azure Storage SAS token (sv=…&sig=…). Until it expires it grants the listed permissions on the ' +
    'account, container or blob. Revoke it by rotating the account key that signed it (or deleting the ' +
    'stored access policy it references); prefer short-lived user-delegation SAS.',
  severity: 'high',
  keywords: ['sig='],
  pattern: new RegExp(
    String.raw`(?<=(?<![A-Za-z0-9_])sv=\d{4}-\d{2}-\d{2}(?:&[^\s"'<>]{0,1024})?&)sig=` +
      String.raw`(?<secret>(?:[A-Za-z0-9+/]|%2[BbFf]){40,64}(?:=|%3[Dd]){0,2})(?![A-Za-z0-9+/=%])`,
    'g',
  ),
  window: { before: 1024, after: 0 },
  validate: (s) => decodeBase64(percentDecodeAscii(s))?.length === 32,
  samples: {
    match: [
      `https://sprawlfake.blob.core.windows.net/c/f.txt?sv=2022-11-02&ss=b&srt=co&sp=rl&se=2030-01-01T00:00:00Z&spr=https&sig=${fakeSig('1')}`,
      `AZURE_SAS_TOKEN="sv=2021-06-08&ss=bfqt&srt=sco&sp=rwdlacup&se=2030-01-01T00:00:00Z&st=2024-01-01T00:00:00Z&spr=https&sig=${fakeSig('2')}"`,
      `BlobEndpoint=https://x.blob.core.windows.net/;SharedAccessSignature=sv=2020-08-04&ss=b&srt=sco&sp=rl&se=2030-01-01&sig=${fakeSig('3')}`,
      `{"sasUrl": "https://x.blob.core.windows.net/c?sp=r&st=2024-01-01&se=2030-01-01&spr=https&sv=2022-11-02&sr=c&sig=${fakeSig('4')}"}`,
    ],
    noMatch: [
      'https://x.blob.core.windows.net/c?sv=2022-11-02&sr=c&sig=<signature>',
      `https://example.org/download?id=1&sig=${fakeSig('5')}`,
      'sv=2022-11-02&ss=b&sig=${SAS_SIGNATURE}',
      `sv=2022-11-02&ss=b&sig=${fakeSig('6').slice(0, 40)}`,
    ],
  },
};

export const AZURE_RULES: readonly SecretRule[] = [clientSecret, legacyClientSecret, connectionString, storageKey, sasToken];
