/**
 * Lookup tables over the GCP estate the emulator serves, and the error type its handlers throw
 * (Google's JSON error body: `{ error: { code, message, status } }`).
 */
import type { KeyObject } from 'node:crypto';
import type { GcpEstate, GcpFolder, GcpProject, GcpServiceAccount } from './estate.ts';

export class GcpFault extends Error {
  readonly code: number;
  readonly status: string;
  readonly headers: Record<string, string>;
  constructor(code: number, status: string, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.status = status;
    this.headers = headers;
  }
}

export const notFound = (what: string): GcpFault => new GcpFault(404, 'NOT_FOUND', `${what} not found.`);
export const invalid = (message: string): GcpFault => new GcpFault(400, 'INVALID_ARGUMENT', message);

export interface GcpState {
  estate: GcpEstate;
  projectsByKey: Map<string, GcpProject>;
  foldersById: Map<string, GcpFolder>;
  /** Per project: account by email and by unique id. */
  accounts: Map<string, Map<string, GcpServiceAccount>>;
  /** Accounts deleted through the API, by unique id: `:undelete` restores them (GCP keeps them 30 days). */
  deleted: Map<string, { project: GcpProject; account: GcpServiceAccount; deletedAtMs: number }>;
  /** Public keys of the keys created through the API, by key id: bearer JWTs signed with them are accepted. */
  publicKeys: Map<string, KeyObject>;
}

export function createGcpState(estate: GcpEstate): GcpState {
  const projectsByKey = new Map<string, GcpProject>();
  const accounts = new Map<string, Map<string, GcpServiceAccount>>();
  for (const p of estate.projects) {
    projectsByKey.set(p.projectId, p);
    projectsByKey.set(p.projectNumber, p);
    const byKey = new Map<string, GcpServiceAccount>();
    for (const sa of p.serviceAccounts) {
      byKey.set(sa.email, sa);
      byKey.set(sa.uniqueId, sa);
    }
    accounts.set(p.projectId, byKey);
  }
  return { estate, projectsByKey, foldersById: new Map(estate.folders.map((f) => [f.id, f])), accounts, deleted: new Map(), publicKeys: new Map() };
}

export function projectOf(state: GcpState, key: string): GcpProject {
  const p = state.projectsByKey.get(key);
  // Google answers 403 for a project that does not exist (it will not tell which).
  if (!p) throw new GcpFault(403, 'PERMISSION_DENIED', `Permission denied on resource project ${key} (or it may not exist).`);
  return p;
}

/** An account by email or unique id; `-` as the project means any project. */
export function accountOf(state: GcpState, projectKey: string, key: string): { project: GcpProject; account: GcpServiceAccount } {
  if (projectKey === '-') {
    for (const project of state.estate.projects) {
      const account = state.accounts.get(project.projectId)?.get(key);
      if (account) return { project, account };
    }
    throw notFound(`Service account projects/-/serviceAccounts/${key}`);
  }
  const project = projectOf(state, projectKey);
  const account = state.accounts.get(project.projectId)?.get(key);
  if (!account) throw notFound(`Service account projects/${project.projectId}/serviceAccounts/${key}`);
  return { project, account };
}

/** Opaque page tokens bound to the list they page (`scope`), so a token from another list is refused. */
export function encodePageToken(scope: string, offset: number): string {
  return Buffer.from(`${scope}|${offset}`, 'utf8').toString('base64url');
}

export function decodePageToken(scope: string, token: string | null): number {
  if (!token) return 0;
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const bar = text.lastIndexOf('|');
  const offset = Number(text.slice(bar + 1));
  if (bar < 0 || text.slice(0, bar) !== scope || !Number.isInteger(offset) || offset < 0) throw invalid('The page token is invalid.');
  return offset;
}

/** One page of `items` from the request's pageSize/pageToken; `nextPageToken` only when more remain. */
export function page<T>(items: readonly T[], scope: string, params: URLSearchParams, defaultSize: number, maxSize: number): { items: T[]; nextPageToken?: string } {
  const raw = params.get('pageSize');
  const requested = raw === null || raw === '' ? defaultSize : Number(raw);
  if (!Number.isInteger(requested) || requested < 0) throw invalid(`Invalid page size ${raw ?? ''}.`);
  const size = Math.min(requested === 0 ? defaultSize : requested, maxSize);
  const offset = decodePageToken(scope, params.get('pageToken'));
  const slice = items.slice(offset, offset + size);
  return offset + size < items.length ? { items: slice, nextPageToken: encodePageToken(scope, offset + size) } : { items: slice };
}
