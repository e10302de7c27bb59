/**
 * Entra ID's token service, just enough for @azure/identity's ClientSecretCredential (and
 * EnvironmentCredential / DefaultAzureCredential built on it) with `authorityHost` pointing at
 * the emulator: the OIDC discovery document and the client-credentials token endpoint (the
 * scanner's own client, or an application with a secret made through addPassword). Tokens
 * are opaque random strings remembered with their audience (ARM or Graph).
 */
import { randomBytes } from 'node:crypto';
import type { AzureEstate } from './estate.ts';
import { AzureFault, ok } from './wire.ts';
import type { Reply } from './wire.ts';

export type Audience = 'arm' | 'graph';

export interface TokenStore {
  issued: Map<string, { audience: Audience; expiresAt: number }>;
  /** A static token valid for both audiences (what `SPRAWL_AZURE_ACCESS_TOKEN` carries in the sandbox). */
  staticToken: string;
}

const AUDIENCES: Record<string, Audience> = {
  'https://management.azure.com/.default': 'arm',
  'https://management.azure.com//.default': 'arm',
  'https://management.core.windows.net/.default': 'arm',
  'https://graph.microsoft.com/.default': 'graph',
};

function oauthError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)], timestamp: new Date().toISOString() } };
}

/** Answers the OIDC document or a token request; undefined when the path is not an Entra route. */
export function handleEntra(method: string, path: string, origin: string, body: string, estate: AzureEstate, tokens: TokenStore, clientSecretValid: (clientId: string, secret: string) => boolean = () => false): Reply | undefined {
  const m = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token)$/.exec(path);
  if (!m) return undefined;
  const tenant = m[1] as string;
  if (tenant !== estate.tenantId && tenant !== estate.tenantDomain && tenant !== 'organizations') {
    return oauthError(400, 'invalid_tenant', `AADSTS90002: Tenant '${tenant}' not found.`);
  }
  if ((m[2] as string).startsWith('v2.0')) {
    const base = `${origin}/${estate.tenantId}`;
    return ok({
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${base}/v2.0`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    });
  }
  if (method !== 'POST') throw new AzureFault(405, 'MethodNotAllowed', 'Use POST for the token endpoint.');
  const form = new URLSearchParams(body);
  if (form.get('grant_type') !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
  const clientId = form.get('client_id') ?? '';
  const secret = form.get('client_secret') ?? '';
  if (clientId === estate.scanner.clientId) {
    if (secret !== estate.scanner.clientSecret) return oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
  } else if (!estate.applications.some((a) => a.appId === clientId)) {
    return oauthError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory.`);
  } else if (!clientSecretValid(clientId, secret)) {
    return oauthError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
  }
  const scope = form.get('scope') ?? '';
  const audience = scope.split(' ').map((s) => AUDIENCES[s]).find((a) => a !== undefined);
  if (!audience) return oauthError(400, 'invalid_scope', `AADSTS70011: The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`);
  const token = `emu.${audience}.${randomBytes(18).toString('base64url')}`;
  const expiresIn = 3599;
  tokens.issued.set(token, { audience, expiresAt: Date.now() + expiresIn * 1000 });
  return ok({ token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: token });
}

/** Checks the bearer token of an ARM or Graph call; throws the 401 each API answers. */
export function authorize(header: string | undefined, audience: Audience, tokens: TokenStore): void {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  const code = 'InvalidAuthenticationToken';
  if (!m) throw new AzureFault(401, audience === 'arm' ? 'AuthenticationFailed' : code, 'Authentication failed. The \'Authorization\' header is missing.');
  const token = m[1] as string;
  if (token === tokens.staticToken) return;
  const t = tokens.issued.get(token);
  if (!t) throw new AzureFault(401, code, 'The access token is invalid.');
  if (t.expiresAt < Date.now()) throw new AzureFault(401, 'ExpiredAuthenticationToken', 'The access token expiry UTC time is earlier than current UTC time.');
  if (t.audience !== audience) throw new AzureFault(401, code, `Access token validation failure. Invalid audience (${t.audience}, expected ${audience}).`);
}
