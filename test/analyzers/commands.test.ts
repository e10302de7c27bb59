import { describe, expect, it } from 'vitest';
import { isReadCommand } from '../../src/model/commands.ts';

describe('isReadCommand', () => {
  it.each<[string | undefined, boolean | undefined]>([
    ['SELECT id FROM customers', true],
    ['  select now()', true],
    ['SHOW PROCESSLIST', true],
    ["UPDATE jobs SET state = 'retry'", false],
    ['DELETE FROM sessions', false],
    ['VACUUM ANALYZE events', false],
    ['aws s3 ls', true],
    ['aws s3 cp s3://exports/daily.csv -', true],
    ['aws s3 cp ./x s3://bucket/x', false],
    ['aws s3 rm s3://bucket/x', false],
    ['aws ec2 describe-instances --region eu-west-1', true],
    ['aws iam list-users', true],
    ['aws sts get-caller-identity', true],
    ['aws iam create-access-key --user-name x', false],
    ['kubectl get pods -A', true],
    ['kubectl logs deploy/api --tail=100', true],
    ['kubectl rollout restart deploy/worker', false],
    ['kubectl delete pod x', false],
    ['gcloud storage ls gs://warehouse-exports', true],
    ['gcloud iam service-accounts keys create k.json', false],
    ['bq ls', true],
    ['bq query --use_legacy_sql=false "SELECT COUNT(*) FROM analytics.events"', true],
    ['./run-report.sh', undefined],
    ['uptime', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j -> %s', (text, expected) => expect(isReadCommand(text)).toBe(expected));
});
