/** AWS-managed policy documents: GetPolicy + GetPolicyVersion once per distinct ARN for the whole scan. */
import { GetPolicyCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { CallRunner } from './calls.ts';

/** Documents by policy ARN (still URL-encoded); shared by all accounts (AWS-managed policies are global). */
export type ManagedPolicyCache = Map<string, Promise<string | undefined>>;

export const isAwsManagedPolicy = (arn: string): boolean => /^arn:aws[a-z-]*:iam::aws:policy\//.test(arn);

export function fetchManagedPolicyDocument(cache: ManagedPolicyCache, iam: IAMClient, run: CallRunner, arn: string): Promise<string | undefined> {
  const hit = cache.get(arn);
  if (hit) return hit;
  const p = (async () => {
    const pol = await run((abortSignal) => iam.send(new GetPolicyCommand({ PolicyArn: arn }), { abortSignal }));
    const versionId = pol.Policy?.DefaultVersionId;
    if (!versionId) return undefined;
    const ver = await run((abortSignal) => iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: versionId }), { abortSignal }));
    return ver.PolicyVersion?.Document;
  })();
  cache.set(arn, p);
  // A failure is not cached: another account may succeed.
  void p.catch(() => {
    if (cache.get(arn) === p) cache.delete(arn);
  });
  return p;
}
