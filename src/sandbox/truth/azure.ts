/**
 * Ground truth of the Azure identities (`azure:<tenantId>:sp/<objectId>`): the tenant's service
 * principals and managed identities with their applications' client secrets and certificates,
 * sign-in activity and role assignments. Microsoft first-party principals are provider-managed
 * (and left out of the scan): they get no marks. The gateway holds no Azure connections.
 */
import { MICROSOFT_TENANT_ID } from '../azure/estate.ts';
import type { AzureApplication, AzureKeyCredential, AzurePasswordCredential, AzureServicePrincipal } from '../azure/estate.ts';
import type { Mark, TruthContext } from './types.ts';

const DAY = 86_400_000;

interface Secret {
  kind: 'secret' | 'certificate';
  cred: AzurePasswordCredential | AzureKeyCredential;
}

interface Principal {
  id: string;
  sp: AzureServicePrincipal;
  app: AzureApplication | undefined;
  secrets: Secret[];
}

const daysSince = (iso: string, now: Date): number => Math.floor((now.getTime() - Date.parse(iso)) / DAY);
const latest = (times: (string | undefined)[]): string | undefined => times.reduce<string | undefined>((a, t) => (t === undefined ? a : a === undefined || Date.parse(t) > Date.parse(a) ? t : a), undefined);

/** Microsoft's own apps (not managed identities, which Microsoft also owns but the customer controls). */
const firstParty = (sp: AzureServicePrincipal): boolean => sp.appOwnerOrganizationId === MICROSOFT_TENANT_ID && sp.servicePrincipalType !== 'ManagedIdentity';

function principals(ctx: TruthContext): Principal[] {
  const { azure } = ctx.estate;
  const apps = new Map(azure.applications.map((a) => [a.appId, a]));
  return azure.servicePrincipals
    .filter((sp) => !firstParty(sp))
    .map((sp) => {
      const app = apps.get(sp.appId);
      const secrets: Secret[] = [];
      // The application's and the principal's own, once per key id.
      for (const holder of [app, sp]) {
        for (const cred of holder?.passwordCredentials ?? []) secrets.push({ kind: 'secret', cred });
        for (const cred of holder?.keyCredentials ?? []) secrets.push({ kind: 'certificate', cred });
      }
      const unique = secrets.filter((s, i) => secrets.findIndex((o) => o.cred.keyId === s.cred.keyId) === i);
      return { id: `azure:${azure.tenantId}:sp/${sp.id}`, sp, app, secrets: unique };
    });
}

/** Entra keeps a secret past its end date, but it no longer authenticates. */
const live = (s: Secret, now: Date): boolean => Date.parse(s.cred.endDateTime) > now.getTime();
const label = (s: Secret): string => `${s.kind} ${s.cred.keyId}`;

function keyAge(ctx: TruthContext, mark: Mark): void {
  for (const p of principals(ctx)) {
    if (!p.sp.accountEnabled) continue;
    for (const s of p.secrets) {
      const age = daysSince(s.cred.startDateTime, ctx.now);
      if (live(s, ctx.now) && age > ctx.policy.keyRotationDays) mark('credential.key-age', p.id, `${label(s)} ${age} days old`);
    }
  }
}

function unused(ctx: TruthContext, mark: Mark): void {
  const { now } = ctx;
  const threshold = ctx.policy.unusedDays;
  const { signIns, credentialSignIns } = ctx.estate.azure;
  const credentialUse = (keyId: string): string | undefined => latest(credentialSignIns.filter((c) => c.keyId === keyId).map((c) => c.lastSignIn));
  for (const p of principals(ctx)) {
    if (!p.sp.accountEnabled) continue;
    const usable = p.secrets.filter((s) => live(s, now));
    for (const s of usable) {
      const last = credentialUse(s.cred.keyId);
      if (last !== undefined) {
        if (daysSince(last, now) > threshold) mark('credential.unused', p.id, `${label(s)} last used ${daysSince(last, now)} days ago`);
      } else if (daysSince(s.cred.startDateTime, now) > threshold) {
        mark('credential.unused', p.id, `${label(s)} never used, created ${daysSince(s.cred.startDateTime, now)} days ago`);
      }
    }
    if (usable.length > 0) continue;
    // No usable credential: the principal's own sign-ins (any kind) and its expired credentials'.
    const activity = signIns.find((a) => a.appId === p.sp.appId);
    const last = latest([activity?.lastSignIn, activity?.applicationClient, activity?.applicationResource, activity?.delegatedClient, activity?.delegatedResource, ...p.secrets.map((s) => credentialUse(s.cred.keyId))]);
    if (last !== undefined) {
      if (daysSince(last, now) > threshold) mark('credential.unused', p.id, `principal without usable credential last signed in ${daysSince(last, now)} days ago`);
    } else if (p.sp.servicePrincipalType === 'Application' && p.app !== undefined && daysSince(p.app.createdDateTime, now) > threshold) {
      // Managed identities have no sign-in report of their own and external apps no creation date here: unknown, not never.
      mark('credential.unused', p.id, `principal never signed in, app created ${daysSince(p.app.createdDateTime, now)} days ago`);
    }
  }
}

function multipleActive(ctx: TruthContext, mark: Mark): void {
  for (const p of principals(ctx)) {
    if (!p.sp.accountEnabled) continue;
    for (const kind of ['secret', 'certificate'] as const) {
      const n = p.secrets.filter((s) => s.kind === kind && live(s, ctx.now)).length;
      if (n >= 2) mark('credential.multiple-active', p.id, `${n} unexpired ${kind}s`);
    }
  }
}

/** Role definitions by GUID: name, and whether the role can write role assignments (grant access). */
function roles(ctx: TruthContext): Map<string, { name: string; grantsAccess: boolean }> {
  const canAssign = (actions: string[], notActions: string[]): boolean =>
    actions.some((a) => ['*', 'Microsoft.Authorization/*', 'Microsoft.Authorization/roleAssignments/write'].includes(a)) && !notActions.some((n) => /^Microsoft\.Authorization\/\*\/Write$/i.test(n));
  return new Map(ctx.estate.azure.roleDefinitions.map((d) => [d.name, { name: d.roleName, grantsAccess: d.permissions.some((p) => canAssign(p.actions, p.notActions)) }]));
}

function privilegedRole(ctx: TruthContext, mark: Mark): void {
  const { azure } = ctx.estate;
  const byObjectId = new Map(principals(ctx).map((p) => [p.sp.id, p]));
  const definitions = roles(ctx);
  // Role assignments are read per subscription: those at a subscription or at a management group
  // above one. An assignment on a management group with no subscription below it covers nothing.
  const groupsWithSubscriptions = new Set<string>();
  for (const s of azure.subscriptions) {
    for (let g: string | undefined = s.managementGroup; g !== undefined && !groupsWithSubscriptions.has(g); g = azure.managementGroups.find((m) => m.name === g)?.parent) groupsWithSubscriptions.add(g);
  }
  for (const a of azure.roleAssignments) {
    const p = byObjectId.get(a.principalId);
    const role = definitions.get(a.roleDefinitionName);
    if (!p || !role || a.principalType !== 'ServicePrincipal') continue;
    const mg = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/.exec(a.scope)?.[1];
    const broad = /^\/subscriptions\/[^/]+$/.test(a.scope) || (mg !== undefined && groupsWithSubscriptions.has(mg));
    const privileged = ['Owner', 'Contributor', 'User Access Administrator'].includes(role.name) || role.grantsAccess;
    if (broad && privileged) mark('azure.privileged-role', p.id, `${role.name} on ${a.scope}`);
  }
}

function secretExpired(ctx: TruthContext, mark: Mark): void {
  for (const p of principals(ctx)) {
    for (const s of p.secrets) if (!live(s, ctx.now)) mark('azure.secret-expired', p.id, `${label(s)} expired ${s.cred.endDateTime}, still on the app`);
  }
}

function secretLifetime(ctx: TruthContext, mark: Mark): void {
  for (const p of principals(ctx)) {
    for (const s of p.secrets) {
      const lifetime = Math.floor((Date.parse(s.cred.endDateTime) - Date.parse(s.cred.startDateTime)) / DAY);
      if (live(s, ctx.now) && lifetime > ctx.policy.maxSecretLifetimeDays) mark('azure.secret-lifetime', p.id, `${label(s)} valid for ${lifetime} days`);
    }
  }
}

function secretExpiring(ctx: TruthContext, mark: Mark): void {
  for (const p of principals(ctx)) {
    if (!p.sp.accountEnabled) continue;
    for (const s of p.secrets) {
      const left = (Date.parse(s.cred.endDateTime) - ctx.now.getTime()) / DAY;
      if (live(s, ctx.now) && left <= ctx.policy.expiryWarningDays) mark('azure.secret-expiring', p.id, `${label(s)} expires in ${Math.ceil(left)} days`);
    }
  }
}

export function azureTruth(ctx: TruthContext, mark: Mark): void {
  keyAge(ctx, mark);
  unused(ctx, mark);
  multipleActive(ctx, mark);
  privilegedRole(ctx, mark);
  secretExpired(ctx, mark);
  secretLifetime(ctx, mark);
  secretExpiring(ctx, mark);
  // credential.expiry leaves Azure secrets to azure.secret-expired / azure.secret-lifetime;
  // identity.admin leaves Azure to azure.privileged-role; no Azure grant carries escalation
  // marks (the role-assignment writers are administrators, reported by azure.privileged-role).
}
