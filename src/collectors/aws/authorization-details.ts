/** Users, groups, roles and customer-managed policies of an account in a few bulk pages (GetAccountAuthorizationDetails). */
import { GetAccountAuthorizationDetailsCommand } from '@aws-sdk/client-iam';
import type { EntityType, GroupDetail, IAMClient, RoleDetail, UserDetail } from '@aws-sdk/client-iam';
import type { CallRunner } from './calls.ts';
import { pageAll } from './calls.ts';

export interface AuthorizationDetails {
  users: UserDetail[];
  groups: Map<string, GroupDetail>;
  roles: RoleDetail[];
  /** Customer-managed policies: ARN → the default version's document (still URL-encoded). */
  localPolicies: Map<string, string | undefined>;
}

export async function fetchAuthorizationDetails(iam: IAMClient, run: CallRunner, opts: { pageSize: number; includeRoles: boolean }): Promise<AuthorizationDetails> {
  const filter: EntityType[] = ['User', 'Group', 'LocalManagedPolicy'];
  if (opts.includeRoles) filter.push('Role');
  const out: AuthorizationDetails = { users: [], groups: new Map(), roles: [], localPolicies: new Map() };
  await pageAll(
    run,
    (marker, abortSignal) => iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: filter, MaxItems: opts.pageSize, ...(marker ? { Marker: marker } : {}) }), { abortSignal }),
    (page) => {
      for (const u of page.UserDetailList ?? []) out.users.push(u);
      for (const g of page.GroupDetailList ?? []) if (g.GroupName) out.groups.set(g.GroupName, g);
      for (const r of page.RoleDetailList ?? []) out.roles.push(r);
      for (const p of page.Policies ?? []) {
        if (!p.Arn) continue;
        const versions = p.PolicyVersionList ?? [];
        const def = versions.find((v) => v.IsDefaultVersion) ?? versions.find((v) => v.VersionId === p.DefaultVersionId);
        out.localPolicies.set(p.Arn, def?.Document);
      }
    },
  );
  return out;
}
