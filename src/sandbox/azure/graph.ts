/**
 * Microsoft Graph, the part sprawl reads: organization, servicePrincipals and applications
 * (`$select`, `$top`, `$expand=owners`, absolute `@odata.nextLink` with `$skiptoken`; one object
 * by id or `(appId='...')`), their owners, and the beta sign-in activity reports (the credential
 * changes are in ./graph-write.ts). Secret values are never served (Graph never
 * returns them): password credentials carry `secretText: null` and a three-character hint.
 */
import type { AzureApplication, AzureEstate, AzureServicePrincipal } from './estate.ts';
import { AzureFault, nextLinkOf, offsetOf, ok, page } from './wire.ts';
import type { Reply } from './wire.ts';
import { resolveAppIdKey } from './graph-write.ts';

export interface GraphRequest {
  path: string;
  url: URL;
  /** Largest page the emulator serves whatever `$top` says (forces paging in tests). */
  maxPageSize: number;
  /** Answer 403 to the sign-in reports (a tenant without Entra ID P1). */
  reportsForbidden: boolean;
}

export interface GraphIndex {
  estate: AzureEstate;
  servicePrincipals: Map<string, AzureServicePrincipal>;
  applications: Map<string, AzureApplication>;
  directoryObjects: Map<string, Record<string, unknown>>;
  /** Secrets made by addPassword, by keyId: the application's appId and the secret's sha256 (never the value). */
  secrets: Map<string, { appId: string; sha256: string }>;
}

export function indexGraph(estate: AzureEstate): GraphIndex {
  const directoryObjects = new Map<string, Record<string, unknown>>();
  for (const u of estate.users) directoryObjects.set(u.id, { '@odata.type': '#microsoft.graph.user', id: u.id, displayName: u.displayName, userPrincipalName: u.userPrincipalName });
  for (const sp of estate.servicePrincipals) directoryObjects.set(sp.id, { '@odata.type': '#microsoft.graph.servicePrincipal', id: sp.id, displayName: sp.displayName, appId: sp.appId });
  return {
    estate,
    servicePrincipals: new Map(estate.servicePrincipals.map((s) => [s.id, s])),
    applications: new Map(estate.applications.map((a) => [a.id, a])),
    directoryObjects,
    secrets: new Map(),
  };
}

const passwordBody = (p: AzureServicePrincipal['passwordCredentials'][number]): unknown => ({ customKeyIdentifier: null, displayName: p.displayName, endDateTime: p.endDateTime, hint: p.hint, keyId: p.keyId, secretText: null, startDateTime: p.startDateTime });
const keyBody = (k: AzureServicePrincipal['keyCredentials'][number]): unknown => ({ customKeyIdentifier: k.customKeyIdentifier, displayName: k.displayName, endDateTime: k.endDateTime, key: null, keyId: k.keyId, startDateTime: k.startDateTime, type: k.type, usage: k.usage });

function spBody(sp: AzureServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    deletedDateTime: null,
    accountEnabled: sp.accountEnabled,
    alternativeNames: sp.alternativeNames,
    appDisplayName: sp.displayName,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    displayName: sp.displayName,
    servicePrincipalNames: [sp.appId, ...sp.alternativeNames.filter((n) => n.startsWith('/'))],
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: sp.servicePrincipalType === 'ManagedIdentity' ? null : 'AzureADMyOrg',
    tags: sp.tags,
    passwordCredentials: sp.passwordCredentials.map(passwordBody),
    keyCredentials: sp.keyCredentials.map(keyBody),
  };
}

function appBody(app: AzureApplication): Record<string, unknown> {
  return {
    id: app.id,
    deletedDateTime: null,
    appId: app.appId,
    createdDateTime: app.createdDateTime,
    displayName: app.displayName,
    signInAudience: app.signInAudience,
    tags: [],
    passwordCredentials: app.passwordCredentials.map(passwordBody),
    keyCredentials: app.keyCredentials.map(keyBody),
  };
}

/** `$select` projection (id always kept, as Graph does); unknown properties are a 400. */
function project(body: Record<string, unknown>, select: string[] | undefined, extra: readonly string[] = []): Record<string, unknown> {
  if (!select) return body;
  const out: Record<string, unknown> = { id: body['id'] };
  for (const name of [...select, ...extra]) {
    if (!(name in body)) throw new AzureFault(400, 'Request_BadRequest', `Could not find a property named '${name}' on type 'microsoft.graph.directoryObject'.`);
    out[name] = body[name];
  }
  return out;
}

function parseSelect(url: URL): string[] | undefined {
  const raw = url.searchParams.get('$select');
  return raw ? raw.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
}

/** `$expand=owners` or `$expand=owners($select=id,userPrincipalName)`. */
function parseExpand(url: URL): { owners: boolean; select?: string[] } {
  const raw = url.searchParams.get('$expand');
  if (!raw) return { owners: false };
  const m = /^owners(?:\(\$select=([^)]*)\))?$/.exec(raw.trim());
  if (!m) throw new AzureFault(400, 'Request_BadRequest', `Expanding '${raw}' is not supported.`);
  return m[1] !== undefined ? { owners: true, select: m[1].split(',').map((s) => s.trim()) } : { owners: true };
}

function pageSize(req: GraphRequest, max: number): number {
  const raw = req.url.searchParams.get('$top');
  if (raw === null) return Math.min(100, req.maxPageSize);
  const top = Number(raw);
  if (!Number.isInteger(top) || top < 1 || top > max) throw new AzureFault(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${raw}'. Must be between 1 and ${max} inclusive.`);
  return Math.min(top, req.maxPageSize);
}

function listing(req: GraphRequest, context: string, items: readonly Record<string, unknown>[], max: number): Reply {
  const p = page(items, offsetOf(req.url.searchParams.get('$skiptoken')), pageSize(req, max));
  const origin = req.url.origin;
  return ok({
    '@odata.context': `${origin}/${context}`,
    ...(p.next !== undefined ? { '@odata.nextLink': nextLinkOf(req.url, '$skiptoken', p.next) } : {}),
    value: p.items,
  });
}

function owners(graph: GraphIndex, ids: readonly string[], select?: string[]): Record<string, unknown>[] {
  return ids
    .map((id) => graph.directoryObjects.get(id))
    .filter((o): o is Record<string, unknown> => o !== undefined)
    .map((o) => (select ? { '@odata.type': o['@odata.type'], ...Object.fromEntries(select.filter((k) => k in o).map((k) => [k, o[k]])), id: o['id'] } : o));
}

function directoryList<T extends { id: string; ownerIds: string[] }>(req: GraphRequest, graph: GraphIndex, version: string, name: string, items: readonly T[], body: (x: T) => Record<string, unknown>): Reply {
  const select = parseSelect(req.url);
  const expand = parseExpand(req.url);
  const rows = items.map((x) => {
    const row = project(body(x), select);
    if (expand.owners) row['owners'] = owners(graph, x.ownerIds, expand.select);
    return row;
  });
  return listing(req, `${version}/$metadata#${name}${select ? `(${select.join(',')})` : ''}`, rows, 999);
}

function activity(at: string | undefined): { lastSignInDateTime: string | null; lastSignInRequestId: string | null } {
  return { lastSignInDateTime: at ?? null, lastSignInRequestId: at ? `req-${at.replace(/\D/g, '')}` : null };
}

/** Answers one Graph GET; undefined when the path is not a Graph route. */
export function handleGraph(req: GraphRequest, graph: GraphIndex): Reply | undefined {
  const m = /^\/(v1\.0|beta)(\/.*)$/.exec(req.path);
  if (!m) return undefined;
  const version = m[1] as string;
  const rest = resolveAppIdKey(m[2] as string, graph);
  const { estate } = graph;

  if (rest === '/organization') {
    return ok({ '@odata.context': `${req.url.origin}/${version}/$metadata#organization`, value: [{ id: estate.tenantId, displayName: estate.tenantDomain.split('.')[0], verifiedDomains: [{ name: estate.tenantDomain, isDefault: true, isInitial: true, type: 'Managed' }] }] });
  }
  if (rest === '/servicePrincipals') return directoryList(req, graph, version, 'servicePrincipals', estate.servicePrincipals, spBody);
  if (rest === '/applications') return directoryList(req, graph, version, 'applications', estate.applications, appBody);

  const one = /^\/(servicePrincipals|applications)\/([^/]+)(\/owners)?$/.exec(rest);
  if (one) {
    const kind = one[1] as string;
    const id = one[2] as string;
    const obj = kind === 'servicePrincipals' ? graph.servicePrincipals.get(id) : graph.applications.get(id);
    if (!obj) throw new AzureFault(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
    if (one[3]) return listing(req, `${version}/$metadata#directoryObjects`, owners(graph, obj.ownerIds), 999);
    const body = 'servicePrincipalType' in obj ? spBody(obj) : appBody(obj);
    return ok({ '@odata.context': `${req.url.origin}/${version}/$metadata#${kind}/$entity`, ...project(body, parseSelect(req.url)) });
  }

  if (version === 'beta' && rest === '/reports/servicePrincipalSignInActivities') {
    if (req.reportsForbidden) throw new AzureFault(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Neither tenant is B2C or tenant doesn\'t have premium license');
    const appId = /appId\s+eq\s+'([^']+)'/i.exec(req.url.searchParams.get('$filter') ?? '')?.[1];
    const rows = estate.signIns
      .filter((s) => appId === undefined || s.appId === appId)
      .map((s) => ({
        id: Buffer.from(s.servicePrincipalId).toString('base64url'),
        appId: s.appId,
        lastSignInActivity: activity(s.lastSignIn),
        delegatedClientSignInActivity: activity(s.delegatedClient),
        delegatedResourceSignInActivity: activity(s.delegatedResource),
        applicationAuthenticationClientSignInActivity: activity(s.applicationClient),
        applicationAuthenticationResourceSignInActivity: activity(s.applicationResource),
      }));
    return listing(req, `beta/$metadata#reports/servicePrincipalSignInActivities`, rows, 1000);
  }
  if (version === 'beta' && rest === '/reports/appCredentialSignInActivities') {
    if (req.reportsForbidden) throw new AzureFault(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', 'Neither tenant is B2C or tenant doesn\'t have premium license');
    const rows = estate.credentialSignIns.map((c) => ({
      id: Buffer.from(`${c.appId}:${c.keyId}`).toString('base64url'),
      keyId: c.keyId,
      keyType: c.keyType,
      keyUsage: c.keyType === 'certificate' ? 'verify' : 'sign',
      appId: c.appId,
      appObjectId: c.appObjectId,
      servicePrincipalObjectId: c.servicePrincipalObjectId,
      resourceId: null,
      credentialOrigin: 'application',
      expirationDateTime: null,
      signInActivity: activity(c.lastSignIn),
    }));
    return listing(req, `beta/$metadata#reports/appCredentialSignInActivities`, rows, 1000);
  }
  throw new AzureFault(400, 'BadRequest', `Resource not found for the segment '${rest.split('/')[1] ?? ''}'.`);
}
