/**
 * A sandbox repository for the demo and for trying `sprawl secrets` by hand: a small service whose
 * history commits keys of the sandbox estate (one of them removed again in a later commit), a
 * Slack token and a database password. Every secret is generated from the estate's seed: fake,
 * valid in shape only, and the AWS key ids are those of the estate's own (emulated) users, so a
 * scan links them to the inventory.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Estate } from './estate.ts';
import { createRng } from './random.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

interface Step {
  message: string;
  author: string;
  daysAgo: number;
  write?: Record<string, string>;
  remove?: string[];
}

export interface SandboxRepo {
  dir: string;
  name: string;
  /** AWS key ids of estate users committed to it. */
  committedKeyIds: string[];
  /** AWS key ids committed to it that belong to no account of the estate. */
  unknownKeyIds: string[];
}

/** Active keys of machine users, for planting: same estate, same picks. */
function plantableKeys(estate: Estate): { user: string; key: string }[] {
  return estate.aws.accounts.flatMap((a) =>
    a.users.filter((u) => u.nature === 'machine').flatMap((u) => u.accessKeys.filter((k) => k.status === 'Active').map((k) => ({ user: u.name, key: k.id }))),
  );
}

export function sandboxRepoSteps(estate: Estate): { steps: Step[]; committedKeyIds: string[]; unknownKeyIds: string[] } {
  const rng = createRng(`${String(estate.seed)}:repo`);
  const keys = plantableKeys(estate);
  const first = keys.length > 0 ? keys[rng.int(0, keys.length - 1)] : undefined;
  const second = keys.length > 1 ? keys.find((k) => k !== first && rng.chance(0.5)) ?? keys.find((k) => k !== first) : undefined;
  const secret = (): string => rng.chars(40, B64);
  const slack = `xoxb-${rng.int(1e10, 9e10)}-${rng.int(1e10, 9e10)}-${rng.chars(24, ALNUM)}`;
  const dbPassword = rng.chars(22, ALNUM);
  // A key of an account nobody scans any more (or deleted since): found, but of unknown origin.
  const forgotten = `AKIA${rng.chars(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`;
  const steps: Step[] = [
    {
      message: 'Initial service skeleton',
      author: 'Priya Raman <priya@acme.example>',
      daysAgo: 420,
      write: {
        'README.md': '# payments-api\n\nCharges, refunds and payouts. Configuration comes from the environment (see .env.example).\n',
        '.env.example': 'AWS_ACCESS_KEY_ID=<your-key-id>\nAWS_SECRET_ACCESS_KEY=${AWS_SECRET_ACCESS_KEY}\nDATABASE_PASSWORD=changeme\n',
        'src/server.ts': "import { createServer } from 'node:http';\n\ncreateServer((_req, res) => res.end('ok')).listen(Number(process.env.PORT ?? 8080));\n",
      },
    },
  ];
  if (first) {
    steps.push(
      {
        message: 'Deploy script for the nightly export',
        author: 'Tom Becker <tom@acme.example>',
        daysAgo: 300,
        write: { 'ops/deploy.sh': `#!/bin/sh\n# nightly export to the data lake\nexport AWS_ACCESS_KEY_ID=${first.key}\nexport AWS_SECRET_ACCESS_KEY=${secret()}\naws s3 sync ./out s3://acme-exports/nightly\n` },
      },
      { message: 'Read credentials from the environment', author: 'Priya Raman <priya@acme.example>', daysAgo: 299, remove: ['ops/deploy.sh'] },
    );
  }
  steps.push({
    message: 'Backfill script from the old billing account',
    author: 'Tom Becker <tom@acme.example>',
    daysAgo: 200,
    write: { 'scripts/backfill.py': `import boto3\n\nsession = boto3.Session(\n    aws_access_key_id="${forgotten}",\n    aws_secret_access_key="${secret()}",\n)\n` },
  });
  steps.push({
    message: 'Slack alerts on failed payouts',
    author: 'Tom Becker <tom@acme.example>',
    daysAgo: 120,
    write: { 'config/alerts.yaml': `slack:\n  channel: '#payouts'\n  token: ${slack}\n` },
  });
  steps.push({
    message: 'Local database settings',
    author: 'Lena Ortiz <lena@acme.example>',
    daysAgo: 40,
    write: { 'config/database.ini': `[database]\nhost = db.internal\nuser = payments\npassword = ${dbPassword}\n` },
  });
  if (second) {
    steps.push({
      message: 'Terraform backend for the payouts bucket',
      author: 'Lena Ortiz <lena@acme.example>',
      daysAgo: 12,
      write: { 'infra/provider.tf': `provider "aws" {\n  region     = "us-east-1"\n  access_key = "${second.key}"\n  secret_key = "${secret()}"\n}\n` },
    });
  }
  return { steps, committedKeyIds: [first, second].filter((k) => k !== undefined).map((k) => k.key), unknownKeyIds: [forgotten] };
}

/** Writes the repository with git (which must be installed); replaces what `dir` held. */
export function createSandboxRepo(estate: Estate, dir: string, name = 'acme/payments-api'): SandboxRepo {
  const { steps, committedKeyIds, unknownKeyIds } = sandboxRepoSteps(estate);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const now = Date.parse(estate.now);
  const git = (args: string[], env: NodeJS.ProcessEnv = {}): void => {
    execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', ...env } });
  };
  git(['init', '-q', '-b', 'main']);
  for (const step of steps) {
    for (const [path, content] of Object.entries(step.write ?? {})) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    for (const path of step.remove ?? []) rmSync(join(dir, path), { force: true });
    const [, who = 'Sandbox', email = 'sandbox@acme.example'] = /^(.*) <(.*)>$/.exec(step.author) ?? [];
    const date = new Date(now - step.daysAgo * 86_400_000).toISOString();
    const env = { GIT_AUTHOR_NAME: who, GIT_AUTHOR_EMAIL: email, GIT_AUTHOR_DATE: date, GIT_COMMITTER_NAME: who, GIT_COMMITTER_EMAIL: email, GIT_COMMITTER_DATE: date };
    git(['add', '-A'], env);
    git(['commit', '-q', '-m', step.message], env);
  }
  return { dir, name, committedKeyIds, unknownKeyIds };
}
