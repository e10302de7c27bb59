/**
 * The GitHub REST routes the emulator answers, in the shapes of the real API (see
 * shared/reference/sdk-and-emulators.md, section 4). Lists return every item; the server pages
 * them. Secret values are never part of any answer (GitHub does not return them either); the
 * alerts' `secret` field is a fixed placeholder.
 */
import type { GithubAlert, GithubDeployKey, GithubEstate, GithubInstallation, GithubOrg, GithubPatGrant, GithubPatRequest, GithubRepo, GithubSecret } from './estate.ts';
import { REDACTED_ALERT_SECRET } from './estate.ts';

export type GithubOperation =
  | 'GET /rate_limit'
  | 'GET /user'
  | 'GET /orgs/{org}'
  | 'GET /orgs/{org}/repos'
  | 'GET /repos/{owner}/{repo}/keys'
  | 'GET /repos/{owner}/{repo}/keys/{key_id}'
  | 'DELETE /repos/{owner}/{repo}/keys/{key_id}'
  | 'POST /repos/{owner}/{repo}/keys'
  | 'GET /orgs/{org}/installations'
  | 'GET /orgs/{org}/installation'
  | 'GET /orgs/{org}/personal-access-tokens'
  | 'GET /orgs/{org}/personal-access-token-requests'
  | 'GET /orgs/{org}/actions/secrets'
  | 'GET /repos/{owner}/{repo}/actions/secrets'
  | 'GET /repos/{owner}/{repo}/environments'
  | 'GET /repos/{owner}/{repo}/environments/{env}/secrets'
  | 'GET /orgs/{org}/secret-scanning/alerts'
  | 'GET /repos/{owner}/{repo}/secret-scanning/alerts/{n}/locations'
  | 'GET /app'
  | 'GET /app/installations'
  | 'POST /app/installations/{id}/access_tokens';

export class GithubFault extends Error {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** More fields of the error body (`errors` of a 422 Validation Failed). */
  readonly extra: Record<string, unknown>;
  constructor(status: number, message: string, headers: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
    super(message);
    this.status = status;
    this.headers = headers;
    this.extra = extra;
  }
}

/** 422 Validation Failed, with GitHub's `errors` list. */
export const validationFailed = (errors: Record<string, unknown>[]): GithubFault => new GithubFault(422, 'Validation Failed', {}, { errors });

export const DOCS = 'https://docs.github.com/rest';
export const notFound = (): GithubFault => new GithubFault(404, 'Not Found');

export interface RouteContext {
  estate: GithubEstate;
  origin: string;
  params: URLSearchParams;
  /** Mints an installation access token (app auth). */
  mint(installation: GithubInstallation, org: GithubOrg): { token: string; expiresAt: string };
  /** The parsed JSON body of a POST (undefined when there is none). */
  body?: unknown;
  /** The emulator's clock (ISO, seconds precision, as GitHub writes dates). */
  now?: () => string;
  /** The login of the caller (`added_by` of what it creates). */
  caller?: string;
}

/** A list answer (paged by the server) or a single object. */
export type RouteResult = { list: unknown[]; envelope?: string } | { object: unknown; status?: number } | { status: 204 };

export interface Route {
  op: GithubOperation;
  /** Who may call it: the static/installation token, or an app JWT. */
  auth: 'token' | 'app';
  org?: string;
  repo?: string;
  run(ctx: RouteContext): RouteResult;
}

const user = (login: string, id: number): Record<string, unknown> => ({ login, id, type: 'User', site_admin: false });

function orgJson(o: GithubOrg, origin: string): Record<string, unknown> {
  return { login: o.login, id: o.id, url: `${origin}/orgs/${o.login}`, type: 'Organization', description: null };
}

function repoJson(o: GithubOrg, r: GithubRepo, origin: string): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    full_name: `${o.login}/${r.name}`,
    owner: { login: o.login, id: o.id, type: 'Organization' },
    private: r.private,
    visibility: r.private ? 'private' : 'public',
    archived: r.archived,
    disabled: false,
    default_branch: r.defaultBranch,
    created_at: r.createdAt,
    url: `${origin}/repos/${o.login}/${r.name}`,
    clone_url: `${origin}/${o.login}/${r.name}.git`,
  };
}

function keyJson(o: GithubOrg, r: GithubRepo, k: GithubDeployKey, origin: string): Record<string, unknown> {
  return {
    id: k.id,
    key: k.key,
    url: `${origin}/repos/${o.login}/${r.name}/keys/${k.id}`,
    title: k.title,
    verified: k.verified,
    created_at: k.createdAt,
    read_only: k.readOnly,
    added_by: k.addedBy,
    ...(k.lastUsed !== undefined ? { last_used: k.lastUsed } : {}),
    enabled: true,
  };
}

export function installationJson(o: GithubOrg, i: GithubInstallation, origin: string): Record<string, unknown> {
  return {
    id: i.id,
    account: { login: o.login, id: o.id, type: 'Organization' },
    repository_selection: i.repositorySelection,
    access_tokens_url: `${origin}/app/installations/${i.id}/access_tokens`,
    repositories_url: `${origin}/installation/repositories`,
    app_id: i.appId,
    app_slug: i.appSlug,
    target_id: o.id,
    target_type: 'Organization',
    permissions: i.permissions,
    events: i.events,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    single_file_name: null,
    suspended_at: i.suspendedAt,
    suspended_by: i.suspendedAt ? user('alice', 100) : null,
  };
}

function patJson(o: GithubOrg, p: GithubPatGrant | GithubPatRequest, origin: string): Record<string, unknown> {
  const common = {
    id: p.id,
    owner: user(p.ownerLogin, p.ownerId),
    repository_selection: p.repositorySelection,
    repositories_url: `${origin}/orgs/${o.login}/personal-access-tokens/${p.id}/repositories`,
    permissions: p.permissions,
    token_id: p.tokenId,
    token_name: p.tokenName,
    token_expired: p.tokenExpired,
    token_expires_at: p.tokenExpiresAt,
    token_last_used_at: p.tokenLastUsedAt,
  };
  return 'accessGrantedAt' in p ? { ...common, access_granted_at: p.accessGrantedAt } : { ...common, reason: p.reason, created_at: p.createdAt };
}

function secretJson(s: GithubSecret, org?: GithubOrg, origin?: string): Record<string, unknown> {
  return {
    name: s.name,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    ...(s.visibility !== undefined ? { visibility: s.visibility } : {}),
    ...(s.visibility === 'selected' && org && origin ? { selected_repositories_url: `${origin}/orgs/${org.login}/actions/secrets/${s.name}/repositories` } : {}),
  };
}

function alertJson(o: GithubOrg, a: GithubAlert, origin: string): Record<string, unknown> {
  const repo = o.repos.find((r) => r.name === a.repo);
  return {
    number: a.number,
    created_at: a.createdAt,
    updated_at: a.updatedAt,
    url: `${origin}/repos/${o.login}/${a.repo}/secret-scanning/alerts/${a.number}`,
    html_url: `https://github.example/${o.login}/${a.repo}/security/secret-scanning/${a.number}`,
    locations_url: `${origin}/repos/${o.login}/${a.repo}/secret-scanning/alerts/${a.number}/locations`,
    state: a.state,
    resolution: a.resolution,
    resolved_at: a.resolvedAt,
    resolved_by: a.resolvedAt ? user('bob', 101) : null,
    secret_type: a.secretType,
    secret_type_display_name: a.secretTypeDisplayName,
    secret: REDACTED_ALERT_SECRET,
    validity: a.validity,
    publicly_leaked: false,
    multi_repo: false,
    repository: repo ? repoJson(o, repo, origin) : { name: a.repo, full_name: `${o.login}/${a.repo}` },
  };
}

function orgOf(estate: GithubEstate, login: string): GithubOrg {
  const o = estate.orgs.find((x) => x.login.toLowerCase() === login.toLowerCase());
  if (!o) throw notFound();
  return o;
}

function repoOf(estate: GithubEstate, owner: string, name: string): { org: GithubOrg; repo: GithubRepo } {
  const org = orgOf(estate, owner);
  const repo = org.repos.find((r) => r.name === name);
  if (!repo) throw notFound();
  return { org, repo };
}

function installationOf(estate: GithubEstate, id: number): { org: GithubOrg; installation: GithubInstallation } {
  for (const org of estate.orgs) {
    const installation = org.installations.find((i) => i.id === id);
    if (installation) return { org, installation };
  }
  throw notFound();
}

function keyOf(repo: GithubRepo, keyId: string): GithubDeployKey {
  const key = /^\d+$/.test(keyId) ? repo.deployKeys.find((k) => k.id === Number(keyId)) : undefined;
  if (!key) throw notFound();
  return key;
}

const archived = (): GithubFault => new GithubFault(403, 'Repository was archived so is read-only.');

/** The key blob of an OpenSSH public key line, when it is one GitHub accepts. */
function keyBlob(line: string): string | undefined {
  const m = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+([A-Za-z0-9+/]+={0,2})(\s.*)?$/.exec(line.trim());
  return m ? `${m[1] ?? ''} ${m[2] ?? ''}` : undefined;
}

/**
 * POST /repos/{owner}/{repo}/keys: validates like GitHub (key required and in OpenSSH format,
 * not in use as a deploy key anywhere, title and read_only optional) and adds the key with a
 * fresh id.
 */
function createDeployKey(ctx: RouteContext, repo: GithubRepo): GithubDeployKey {
  const body = ctx.body !== null && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : {};
  const { key, title } = body;
  const readOnly = body.read_only;
  if (key === undefined || key === null || key === '') throw validationFailed([{ resource: 'PublicKey', code: 'missing_field', field: 'key' }]);
  if (typeof key !== 'string') throw validationFailed([{ resource: 'PublicKey', code: 'invalid', field: 'key' }]);
  if ((title !== undefined && title !== null && typeof title !== 'string') || (readOnly !== undefined && readOnly !== null && typeof readOnly !== 'boolean')) {
    throw new GithubFault(422, 'Invalid request.\n\nFor \'properties/title\', or \'properties/read_only\', the value has the wrong type.');
  }
  const blob = keyBlob(key);
  if (blob === undefined) throw validationFailed([{ resource: 'PublicKey', code: 'custom', field: 'key', message: 'key is invalid. You must supply a key in OpenSSH public key format' }]);
  const inUse = ctx.estate.orgs.some((o) => o.repos.some((r) => r.deployKeys.some((k) => keyBlob(k.key) === blob)));
  if (inUse) throw validationFailed([{ resource: 'PublicKey', code: 'custom', field: 'key', message: 'key is already in use' }]);
  let max = 0;
  for (const o of ctx.estate.orgs) for (const r of o.repos) for (const k of r.deployKeys) max = Math.max(max, k.id);
  const created: GithubDeployKey = {
    id: max + 1,
    title: typeof title === 'string' ? title : '',
    key: blob,
    readOnly: readOnly === true,
    createdAt: ctx.now?.() ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    lastUsed: null,
    addedBy: ctx.caller ?? 'sprawl-sandbox',
    verified: true,
  };
  repo.deployKeys.push(created);
  return created;
}

const seg = '([^/]+)';

type Matcher = [method: string, pattern: RegExp, build: (m: string[]) => Route];

const MATCHERS: readonly Matcher[] = [
  ['GET', /^\/rate_limit$/, () => ({ op: 'GET /rate_limit', auth: 'token', run: () => ({ object: {} }) })],
  ['GET', /^\/user$/, () => ({ op: 'GET /user', auth: 'token', run: () => ({ object: user('sprawl-sandbox', 99) }) })],
  ['GET', /^\/app$/, () => ({ op: 'GET /app', auth: 'app', run: ({ estate }) => ({ object: { id: estate.app.id, slug: estate.app.slug, name: estate.app.slug } }) })],
  [
    'GET',
    /^\/app\/installations$/,
    () => ({ op: 'GET /app/installations', auth: 'app', run: ({ estate, origin }) => ({ list: estate.orgs.flatMap((o) => o.installations.filter((i) => i.appId === estate.app.id).map((i) => installationJson(o, i, origin))) }) }),
  ],
  [
    'POST',
    new RegExp(`^/app/installations/${seg}/access_tokens$`),
    (m) => ({
      op: 'POST /app/installations/{id}/access_tokens',
      auth: 'app',
      run: (ctx) => {
        const { org, installation } = installationOf(ctx.estate, Number(m[1]));
        if (installation.appId !== ctx.estate.app.id) throw notFound();
        const { token, expiresAt } = ctx.mint(installation, org);
        return { status: 201, object: { token, expires_at: expiresAt, permissions: installation.permissions, repository_selection: installation.repositorySelection } };
      },
    }),
  ],
  ['GET', new RegExp(`^/orgs/${seg}$`), (m) => ({ op: 'GET /orgs/{org}', auth: 'token', org: m[1], run: ({ estate, origin }) => ({ object: orgJson(orgOf(estate, m[1] ?? ''), origin) }) })],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/installation$`),
    (m) => ({
      op: 'GET /orgs/{org}/installation',
      auth: 'app',
      org: m[1],
      run: ({ estate, origin }) => {
        const o = orgOf(estate, m[1] ?? '');
        const i = o.installations.find((x) => x.appId === estate.app.id);
        if (!i) throw notFound();
        return { object: installationJson(o, i, origin) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/repos$`),
    (m) => ({
      op: 'GET /orgs/{org}/repos',
      auth: 'token',
      org: m[1],
      run: ({ estate, origin }) => {
        const o = orgOf(estate, m[1] ?? '');
        return { list: o.repos.map((r) => repoJson(o, r, origin)) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/installations$`),
    (m) => ({
      op: 'GET /orgs/{org}/installations',
      auth: 'token',
      org: m[1],
      run: ({ estate, origin }) => {
        const o = orgOf(estate, m[1] ?? '');
        return { list: o.installations.map((i) => installationJson(o, i, origin)), envelope: 'installations' };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/personal-access-tokens$`),
    (m) => ({
      op: 'GET /orgs/{org}/personal-access-tokens',
      auth: 'token',
      org: m[1],
      run: ({ estate, origin }) => {
        const o = orgOf(estate, m[1] ?? '');
        return { list: o.patGrants.map((p) => patJson(o, p, origin)) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/personal-access-token-requests$`),
    (m) => ({
      op: 'GET /orgs/{org}/personal-access-token-requests',
      auth: 'token',
      org: m[1],
      run: ({ estate, origin }) => {
        const o = orgOf(estate, m[1] ?? '');
        return { list: o.patRequests.map((p) => patJson(o, p, origin)) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/actions/secrets$`),
    (m) => ({
      op: 'GET /orgs/{org}/actions/secrets',
      auth: 'token',
      org: m[1],
      run: ({ estate, origin }) => {
        const o = orgOf(estate, m[1] ?? '');
        return { list: o.secrets.map((s) => secretJson(s, o, origin)), envelope: 'secrets' };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/orgs/${seg}/secret-scanning/alerts$`),
    (m) => ({
      op: 'GET /orgs/{org}/secret-scanning/alerts',
      auth: 'token',
      org: m[1],
      run: ({ estate, origin, params }) => {
        const o = orgOf(estate, m[1] ?? '');
        if (!o.secretScanning) throw new GithubFault(404, 'Secret scanning is disabled on this organization.');
        const state = params.get('state');
        return { list: o.alerts.filter((a) => !state || a.state === state).map((a) => alertJson(o, a, origin)) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/repos/${seg}/${seg}/keys$`),
    (m) => ({
      op: 'GET /repos/{owner}/{repo}/keys',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate, origin }) => {
        const { org, repo } = repoOf(estate, m[1] ?? '', m[2] ?? '');
        return { list: repo.deployKeys.map((k) => keyJson(org, repo, k, origin)) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/repos/${seg}/${seg}/keys/${seg}$`),
    (m) => ({
      op: 'GET /repos/{owner}/{repo}/keys/{key_id}',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate, origin }) => {
        const { org, repo } = repoOf(estate, m[1] ?? '', m[2] ?? '');
        return { object: keyJson(org, repo, keyOf(repo, m[3] ?? ''), origin) };
      },
    }),
  ],
  [
    'DELETE',
    new RegExp(`^/repos/${seg}/${seg}/keys/${seg}$`),
    (m) => ({
      op: 'DELETE /repos/{owner}/{repo}/keys/{key_id}',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate }) => {
        const { repo } = repoOf(estate, m[1] ?? '', m[2] ?? '');
        const key = keyOf(repo, m[3] ?? '');
        if (repo.archived) throw archived();
        repo.deployKeys.splice(repo.deployKeys.indexOf(key), 1);
        return { status: 204 };
      },
    }),
  ],
  [
    'POST',
    new RegExp(`^/repos/${seg}/${seg}/keys$`),
    (m) => ({
      op: 'POST /repos/{owner}/{repo}/keys',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: (ctx) => {
        const { org, repo } = repoOf(ctx.estate, m[1] ?? '', m[2] ?? '');
        if (repo.archived) throw archived();
        const key = createDeployKey(ctx, repo);
        return { status: 201, object: keyJson(org, repo, key, ctx.origin) };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/repos/${seg}/${seg}/actions/secrets$`),
    (m) => ({
      op: 'GET /repos/{owner}/{repo}/actions/secrets',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate }) => ({ list: repoOf(estate, m[1] ?? '', m[2] ?? '').repo.secrets.map((s) => secretJson(s)), envelope: 'secrets' }),
    }),
  ],
  [
    'GET',
    new RegExp(`^/repos/${seg}/${seg}/environments$`),
    (m) => ({
      op: 'GET /repos/{owner}/{repo}/environments',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate, origin }) => {
        const { org, repo } = repoOf(estate, m[1] ?? '', m[2] ?? '');
        return {
          list: repo.environments.map((e, i) => ({ id: repo.id * 10 + i, name: e.name, url: `${origin}/repos/${org.login}/${repo.name}/environments/${e.name}`, created_at: repo.createdAt, updated_at: repo.createdAt, protection_rules: [] })),
          envelope: 'environments',
        };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/repos/${seg}/${seg}/environments/${seg}/secrets$`),
    (m) => ({
      op: 'GET /repos/{owner}/{repo}/environments/{env}/secrets',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate }) => {
        const env = repoOf(estate, m[1] ?? '', m[2] ?? '').repo.environments.find((e) => e.name === m[3]);
        if (!env) throw notFound();
        return { list: env.secrets.map((s) => secretJson(s)), envelope: 'secrets' };
      },
    }),
  ],
  [
    'GET',
    new RegExp(`^/repos/${seg}/${seg}/secret-scanning/alerts/${seg}/locations$`),
    (m) => ({
      op: 'GET /repos/{owner}/{repo}/secret-scanning/alerts/{n}/locations',
      auth: 'token',
      org: m[1],
      repo: m[2],
      run: ({ estate }) => {
        const { org } = repoOf(estate, m[1] ?? '', m[2] ?? '');
        if (!org.secretScanning) throw new GithubFault(404, 'Secret scanning is disabled on this repository.');
        const a = org.alerts.find((x) => x.repo === m[2] && x.number === Number(m[3]));
        if (!a) throw notFound();
        const sha = (a.number * 2654435761 >>> 0).toString(16).padStart(8, '0').repeat(5);
        return { list: [{ type: 'commit', details: { path: a.path, start_line: a.line, end_line: a.line, start_column: 1, end_column: 40, blob_sha: sha, commit_sha: sha } }] };
      },
    }),
  ],
];

export function route(method: string, path: string): Route | undefined {
  for (const [m, pattern, build] of MATCHERS) {
    if (m !== method) continue;
    const match = pattern.exec(path);
    if (match) return build(match.map((x) => decodeURIComponent(x)));
  }
  return undefined;
}
