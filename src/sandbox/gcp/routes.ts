/**
 * The GCP REST routes the emulator answers, in the shapes of the real APIs:
 * IAM v1 (service accounts and keys), Resource Manager v1/v2/v3 (IAM policies of projects,
 * folders and the organization; project and folder listing) and the Policy Analyzer's
 * activity query (last authentication of service accounts and keys); the calls that change
 * accounts and keys are in ./writes.ts.
 */
import type { GcpBinding, GcpKey, GcpPolicy, GcpProject, GcpServiceAccount } from './estate.ts';
import { GcpFault, accountOf, invalid, notFound, page, projectOf } from './state.ts';
import type { GcpState } from './state.ts';
import { writeRoute } from './writes.ts';
import type { GcpWriteOperation } from './writes.ts';

export type GcpOperation =
  | 'iam.serviceAccounts.list'
  | 'iam.serviceAccounts.get'
  | 'iam.serviceAccounts.keys.list'
  | 'iam.serviceAccounts.keys.get'
  | 'crm.projects.getIamPolicy'
  | 'crm.folders.getIamPolicy'
  | 'crm.organizations.getIamPolicy'
  | 'crm.projects.list'
  | 'crm.projects.get'
  | 'crm.folders.list'
  | 'policyanalyzer.activities.query'
  | GcpWriteOperation;

export interface RouteRequest {
  params: URLSearchParams;
  body: unknown;
  state: GcpState;
}

export interface Route {
  op: GcpOperation;
  /** The project (id or number, as requested) the call is about. */
  project?: string;
  /** `folders/<id>` or `organizations/<id>` for hierarchy calls. */
  resource?: string;
  run(req: RouteRequest): unknown;
}

const ACTIVITY_TYPES = ['serviceAccountLastAuthentication', 'serviceAccountKeyLastAuthentication'] as const;
type ActivityType = (typeof ACTIVITY_TYPES)[number];

function accountJson(project: GcpProject, sa: GcpServiceAccount): Record<string, unknown> {
  return {
    name: `projects/${project.projectId}/serviceAccounts/${sa.email}`,
    projectId: project.projectId,
    uniqueId: sa.uniqueId,
    email: sa.email,
    ...(sa.displayName ? { displayName: sa.displayName } : {}),
    ...(sa.description ? { description: sa.description } : {}),
    etag: 'MDEwMjE5MjA=',
    oauth2ClientId: sa.uniqueId,
    ...(sa.disabled ? { disabled: true } : {}),
  };
}

function keyJson(project: GcpProject, sa: GcpServiceAccount, k: GcpKey): Record<string, unknown> {
  return {
    name: `projects/${project.projectId}/serviceAccounts/${sa.email}/keys/${k.id}`,
    validAfterTime: k.validAfter,
    validBeforeTime: k.validBefore,
    keyAlgorithm: k.algorithm,
    keyOrigin: k.origin,
    keyType: k.type,
    ...(k.disabled ? { disabled: true } : {}),
  };
}

/** IAM's answer to a version-1 request for a policy with conditions: roles renamed, conditions dropped. */
function policyJson(policy: GcpPolicy, body: unknown): Record<string, unknown> {
  const requested = (body as { options?: { requestedPolicyVersion?: unknown } } | undefined)?.options?.requestedPolicyVersion;
  const version = typeof requested === 'number' ? requested : 1;
  if (![0, 1, 3].includes(version)) throw invalid(`Invalid requested policy version ${version}.`);
  const conditional = policy.bindings.some((b) => b.condition);
  const bindings: GcpBinding[] =
    version >= 3 || !conditional
      ? policy.bindings
      : policy.bindings.map((b, i) => (b.condition ? { role: `${b.role}_withcond_${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}`, members: b.members } : b));
  return { version: version >= 3 && conditional ? 3 : 1, etag: policy.etag, bindings };
}

function projectJson(p: GcpProject): Record<string, unknown> {
  return { name: `projects/${p.projectNumber}`, parent: p.parent, projectId: p.projectId, state: 'ACTIVE', displayName: p.displayName, createTime: p.createTime, etag: 'W/"sandbox"' };
}

/** The analyzer reports a trailing window; the estate's times all fall in it. */
function observation(): { startTime: string; endTime: string } {
  return { startTime: '2020-01-01T00:00:00Z', endTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') };
}

function activities(project: GcpProject, type: ActivityType): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const period = observation();
  for (const sa of project.serviceAccounts) {
    const saName = `//iam.googleapis.com/projects/${project.projectId}/serviceAccounts/${sa.email}`;
    if (type === 'serviceAccountLastAuthentication') {
      if (sa.lastAuthenticatedAt === undefined) continue;
      out.push({
        fullResourceName: saName,
        activityType: type,
        observationPeriod: period,
        activity: { lastAuthenticatedTime: sa.lastAuthenticatedAt, serviceAccount: { fullResourceName: saName, projectNumber: project.projectNumber, serviceAccountId: sa.uniqueId } },
      });
      continue;
    }
    for (const k of sa.keys) {
      if (k.lastAuthenticatedAt === undefined) continue;
      const keyName = `${saName}/keys/${k.id}`;
      out.push({
        fullResourceName: keyName,
        activityType: type,
        observationPeriod: period,
        activity: { lastAuthenticatedTime: k.lastAuthenticatedAt, serviceAccountKey: { fullResourceName: keyName, projectNumber: project.projectNumber, serviceAccountId: sa.uniqueId } },
      });
    }
  }
  return out;
}

const KEY_TYPES = new Set(['USER_MANAGED', 'SYSTEM_MANAGED']);

/** The route for a method and a decoded path, or undefined (404). */
export function route(method: string, path: string): Route | undefined {
  let m: RegExpExecArray | null;
  const write = writeRoute(method, path);
  if (write) return write;
  if (method === 'GET') {
    if ((m = /^\/v1\/projects\/([^/:]+)\/serviceAccounts$/.exec(path))) {
      const key = m[1] as string;
      return {
        op: 'iam.serviceAccounts.list',
        project: key,
        run: ({ state, params }) => {
          const p = projectOf(state, key);
          const r = page(p.serviceAccounts, `sa:${p.projectId}`, params, 20, 100);
          return { accounts: r.items.map((sa) => accountJson(p, sa)), ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}) };
        },
      };
    }
    if ((m = /^\/v1\/projects\/([^/:]+)\/serviceAccounts\/([^/:]+)\/keys$/.exec(path))) {
      const [key, sa] = [m[1] as string, m[2] as string];
      return {
        op: 'iam.serviceAccounts.keys.list',
        project: key,
        run: ({ state, params }) => {
          const { project, account } = accountOf(state, key, sa);
          const types = params.getAll('keyTypes');
          for (const t of types) if (!KEY_TYPES.has(t)) throw invalid(`Invalid value at 'key_types' (TYPE_ENUM), "${t}"`);
          const keys = account.keys.filter((k) => types.length === 0 || types.includes(k.type));
          return { keys: keys.map((k) => keyJson(project, account, k)) };
        },
      };
    }
    if ((m = /^\/v1\/projects\/([^/:]+)\/serviceAccounts\/([^/:]+)\/keys\/([^/:]+)$/.exec(path))) {
      const [key, sa, keyId] = [m[1] as string, m[2] as string, m[3] as string];
      return {
        op: 'iam.serviceAccounts.keys.get',
        project: key,
        run: ({ state }) => {
          const { project, account } = accountOf(state, key, sa);
          const k = account.keys.find((x) => x.id === keyId);
          if (!k) throw notFound(`Service account key ${keyId}`);
          return keyJson(project, account, k);
        },
      };
    }
    if ((m = /^\/v1\/projects\/([^/:]+)\/serviceAccounts\/([^/:]+)$/.exec(path))) {
      const [key, sa] = [m[1] as string, m[2] as string];
      return {
        op: 'iam.serviceAccounts.get',
        project: key,
        run: ({ state }) => {
          const { project, account } = accountOf(state, key, sa);
          return accountJson(project, account);
        },
      };
    }
    if ((m = /^\/v1\/projects\/([^/:]+)\/locations\/global\/activityTypes\/([^/:]+)\/activities:query$/.exec(path))) {
      const [key, type] = [m[1] as string, m[2] as string];
      return {
        op: 'policyanalyzer.activities.query',
        project: key,
        run: ({ state, params }) => {
          if (!(ACTIVITY_TYPES as readonly string[]).includes(type)) throw invalid(`Unsupported activity type: ${type}`);
          const p = projectOf(state, key);
          const r = page(activities(p, type as ActivityType), `act:${p.projectId}:${type}`, params, 1000, 1000);
          return { activities: r.items, ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}) };
        },
      };
    }
    if ((m = /^\/v[13]\/projects\/([^/:]+)$/.exec(path))) {
      const key = m[1] as string;
      return { op: 'crm.projects.get', project: key, run: ({ state }) => projectJson(projectOf(state, key)) };
    }
    if (path === '/v3/projects' || path === '/v3/folders') {
      const projects = path === '/v3/projects';
      return {
        op: projects ? 'crm.projects.list' : 'crm.folders.list',
        run: ({ state, params }) => {
          const parent = params.get('parent') ?? '';
          if (!/^(folders|organizations)\/\d+$/.test(parent)) throw invalid(`Invalid parent: "${parent}". Expected folders/{id} or organizations/{id}.`);
          if (parent.startsWith('folders/') && !state.foldersById.has(parent.slice(8))) throw new GcpFault(403, 'PERMISSION_DENIED', `Permission denied on resource '${parent}' (or it may not exist).`);
          if (parent.startsWith('organizations/') && parent !== `organizations/${state.estate.organization.id}`) throw new GcpFault(403, 'PERMISSION_DENIED', `Permission denied on resource '${parent}' (or it may not exist).`);
          if (projects) {
            const r = page(state.estate.projects.filter((p) => p.parent === parent), `projects:${parent}`, params, 50, 1000);
            return { projects: r.items.map(projectJson), ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}) };
          }
          const r = page(state.estate.folders.filter((f) => f.parent === parent), `folders:${parent}`, params, 50, 1000);
          return {
            folders: r.items.map((f) => ({ name: `folders/${f.id}`, parent: f.parent, displayName: f.displayName, state: 'ACTIVE' })),
            ...(r.nextPageToken ? { nextPageToken: r.nextPageToken } : {}),
          };
        },
      };
    }
    return undefined;
  }
  if (method === 'POST') {
    if ((m = /^\/v[13]\/projects\/([^/:]+):getIamPolicy$/.exec(path))) {
      const key = m[1] as string;
      return { op: 'crm.projects.getIamPolicy', project: key, run: ({ state, body }) => policyJson(projectOf(state, key).policy, body) };
    }
    if ((m = /^\/v[23]\/folders\/(\d+):getIamPolicy$/.exec(path))) {
      const id = m[1] as string;
      return {
        op: 'crm.folders.getIamPolicy',
        resource: `folders/${id}`,
        run: ({ state, body }) => {
          const f = state.foldersById.get(id);
          if (!f) throw new GcpFault(403, 'PERMISSION_DENIED', `The caller does not have permission`);
          return policyJson(f.policy, body);
        },
      };
    }
    if ((m = /^\/v[13]\/organizations\/(\d+):getIamPolicy$/.exec(path))) {
      const id = m[1] as string;
      return {
        op: 'crm.organizations.getIamPolicy',
        resource: `organizations/${id}`,
        run: ({ state, body }) => {
          if (id !== state.estate.organization.id) throw new GcpFault(403, 'PERMISSION_DENIED', `The caller does not have permission`);
          return policyJson(state.estate.organization.policy, body);
        },
      };
    }
  }
  return undefined;
}
