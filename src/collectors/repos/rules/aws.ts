/** AWS: access key ids, secret access keys (keyword-anchored), session tokens. */
import type { SecretRule } from '../types.ts';
import { fakeBase64 } from './fake.ts';
import { ASSIGN, ASSIGN_OR_SPACE } from './shared.ts';

// Access key ids are identifiers (not secret by themselves) but a committed one almost always sits
// next to its secret, and the id is what the inventory matches on. Only the credential prefixes:
// AKIA (long-term), ASIA (STS temporary), ABIA (STS service bearer), ACCA (context-specific).
// AIDA/AROA/AGPA/ANPA/ANVA/AIPA/APKA are unique ids of users, roles, groups, policies... and
// are deliberately not matched: they are not credentials.
const accessKeyId: SecretRule = {
  id: 'aws-access-key-id',
  family: 'aws',
  title: 'AWS access key id',
  description:
    'An AWS access key id (AKIA… long-term, ASIA… temporary). The id itself is not secret, but it is ' +
    'rarely committed without its secret access key nearby. Deactivate the key in IAM ' +
    '(`aws iam update-access-key --status Inactive`), check CloudTrail for its use, create a ' +
    'replacement or move the workload to a role, then delete the old key and purge it from history.',
  severity: 'high',
  keywords: ['akia', 'asia', 'abia', 'acca'],
  pattern: /(?<![A-Za-z0-9/+])(?<secret>(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?![A-Za-z0-9/+])/g,
  publicId: (secret) => secret,
  credentialKind: 'aws-access-key',
  samples: {
    match: [
      '[default]\naws_access_key_id = AKIA2FAKEKEYQ7ZT3MVB\n',
      'export AWS_ACCESS_KEY_ID="ASIA3FAKE5TOKENQWZ7R"',
      '{"AccessKeyId": "AKIA6FAKEZQ4MNB2RT5X", "Status": "Active"}',
      'curl "https://bucket.s3.amazonaws.com/f?AWSAccessKeyId=AKIA7FAKEW3XQ2MZ5NLB&Expires=1700000000"',
      'access_key = "AKIA4FAKERZ7QW2MX3NB" # terraform',
    ],
    noMatch: [
      'aws_access_key_id = AKIAIOSFODNN7EXAMPLE',
      '"UserId": "AIDA2FAKEKEYQ7ZT3MVB"',
      'aws_access_key_id = AKIA2FAKEKEYQ7ZT3MV',
      'id = "AKIA0FAKE1KEY8Q7ZT3M"',
      'blob: "bXlzdGVyeUFAKIA2FAKEKEYQ7ZT3MVBmore"',
    ],
  },
};

const SECRET_NAMES = String.raw`(?:aws[_.-]?)?secret[_.-]?access[_.-]?key|aws[_.-]?secret(?:[_.-]?key)?|secret[_.-]?key`;
const fakeSecret = (seed: string): string => `FAKE${fakeBase64(seed, 36)}`;

const secretAccessKey: SecretRule = {
  id: 'aws-secret-access-key',
  family: 'aws',
  title: 'AWS secret access key',
  description:
    'A 40-character AWS secret access key assigned to an AWS secret-key name. With its access key id it ' +
    'signs any API call the IAM user may make. Deactivate the key pair in IAM at once, review ' +
    'CloudTrail for calls made with it, rotate (or better, replace the user with a role), and remove ' +
    'the value from the repository history.',
  severity: 'critical',
  keywords: [
    'secret_access_key', 'secretaccesskey', 'secret-access-key', 'secret.access.key',
    'aws_secret', 'aws-secret', 'aws.secret', 'awssecret', 'secret_key', 'secretkey', 'secret-key', 'secret.key',
  ],
  pattern: new RegExp(String.raw`(?:${SECRET_NAMES})${ASSIGN_OR_SPACE}(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])`, 'gi'),
  minEntropy: 4,
  validate: (s) => /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9/+]/.test(s),
  credentialKind: 'aws-access-key',
  samples: {
    match: [
      `[default]\naws_access_key_id = AKIA2FAKEKEYQ7ZT3MVB\naws_secret_access_key = ${fakeSecret('aws1')}\n`,
      `AWS_SECRET_ACCESS_KEY=${fakeSecret('aws2')}`,
      `{"AccessKeyId": "AKIA6FAKEZQ4MNB2RT5X", "SecretAccessKey": "${fakeSecret('aws3')}"}`,
      `aws configure set aws_secret_access_key ${fakeSecret('aws4')}`,
      `provider "aws" {\n  secret_key = "${fakeSecret('aws5')}"\n}`,
      `  aws.secretKey: '${fakeSecret('aws6')}'`,
    ],
    noMatch: [
      'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      `checksum = "${fakeSecret('aws7')}"`,
      'AWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}',
      'aws_secret_access_key = 3f786850e387550fdab836ed7e6dc881de23001b',
      'secret_key = "<your-secret-access-key-goes-here-000000>"',
      `aws_secret_access_key = ${fakeSecret('aws8')}Z`,
    ],
  },
};

const SESSION_NAMES = String.raw`(?:aws[_.-]?)?session[_.-]?token|(?:aws[_.-]?)?security[_.-]?token|x-amz-security-token`;
const fakeSession = (seed: string): string => `IQoJb3JpZ2luX2VjEFAKE${fakeBase64(seed, 380)}`;

const sessionToken: SecretRule = {
  id: 'aws-session-token',
  family: 'aws',
  title: 'AWS session token',
  description:
    'A temporary AWS session token (STS). Together with its ASIA… key id and secret it grants the ' +
    'role\'s permissions until it expires (up to 36 hours, longer for some federation setups). Revoke ' +
    'active sessions of the role (IAM console: "Revoke active sessions"), find how it was issued, and ' +
    'remove it from the repository.',
  severity: 'high',
  keywords: [
    'session_token', 'sessiontoken', 'session-token', 'session.token',
    'security_token', 'securitytoken', 'security-token', 'iqojb3jpz2lux2vj', 'fwogzxivyxdz', 'fqogzxivyxdz',
  ],
  pattern: new RegExp(
    String.raw`(?:(?:${SESSION_NAMES})${ASSIGN}|(?<![A-Za-z0-9/+%])(?=IQoJb3JpZ2luX2Vj|FwoGZXIvYXdz|FQoGZXIvYXdz))` +
      String.raw`(?<secret>(?:[A-Za-z0-9/+]|%2[BbFf]){100,4096}(?:=|%3[Dd]){0,2})(?![A-Za-z0-9/+=%])`,
    'gi',
  ),
  window: { before: 0, after: 4_200 },
  minEntropy: 4,
  samples: {
    match: [
      `[default]\naws_session_token = ${fakeSession('s1')}\n`,
      `export AWS_SESSION_TOKEN="${fakeSession('s2')}"`,
      `{"Credentials": {"SessionToken": "${fakeSession('s3')}"}}`,
      `https://b.s3.amazonaws.com/k?X-Amz-Security-Token=${encodeURIComponent(fakeSession('s4'))}&X-Amz-Expires=300`,
      `token_for_tests: ${fakeSession('s5')}`,
    ],
    noMatch: [
      'aws_session_token = abc',
      'AWS_SESSION_TOKEN=${AWS_SESSION_TOKEN}',
      'session_token: "<your-session-token>"',
      `data = "${fakeBase64('s6', 300)}"`,
      `aws_session_token = ${'x'.repeat(200)}`,
    ],
  },
};

export const AWS_RULES: readonly SecretRule[] = [accessKeyId, secretAccessKey, sessionToken];
