/**
 * AWS IAM + STS emulator over the real wire protocol (query protocol, form-encoded POST, XML),
 * served by the sandbox harness (plain http on 127.0.0.1). The caller's account comes from the access key id in the
 * `authorization` header (`Credential=AKID/...`); signatures are not checked.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Estate } from '../estate.ts';
import { LOOP_TOKEN, credentialsExpired, loops, serveWireFault, takeWireFault } from '../faults.ts';
import type { ExpiringCredentials, PageLoop, WireFault } from '../faults.ts';
import { readBody, startEmulatorServer } from '../http.ts';
import { IAM_HANDLERS } from './iam.ts';
import { AwsFault, createState } from './state.ts';
import type { Caller, EmulatorState } from './state.ts';
import { STS_HANDLERS } from './sts.ts';
import { IAM_NS, STS_NS, errorResponse, response } from './xml.ts';

/** Faults injected at runtime: tests mutate this object on the handle. `times` counts down. */
export interface AwsFaults {
  /** Answer `Throttling` (400), which the SDK retries. */
  throttle?: { action?: string; account?: string; times: number };
  /** Answer `ServiceFailure` (500), which the SDK retries. */
  serverError?: { action?: string; account?: string; times: number };
  /** AccessDenied (403) for every call made in these accounts and for AssumeRole into them. */
  forbiddenAccounts?: string[];
  /** Delay every response by this many milliseconds. */
  delayMs?: number;
  /** Wire faults (reset, truncated or malformed body, hang, bare 5xx), matched on `Action=<name> Account=<id>`. */
  wire?: WireFault[];
  /** List answers (matched on `Action=<name> Account=<id>`) whose Marker repeats forever. */
  pageLoop?: PageLoop;
  /** After this many requests, every call (AssumeRole included) is refused with `ExpiredToken`. */
  expireCredentials?: ExpiringCredentials;
}

export interface EmulatorCall {
  action: string;
  /** Caller's account, when the credentials were recognised. */
  account?: string;
  status: number;
  /** `UserName` parameter, when present. */
  userName?: string;
}

export interface CallLog {
  /** Requests per Action (every attempt, failed ones included). */
  byAction: Record<string, number>;
  log: EmulatorCall[];
  /** Number of requests, optionally for one action and/or one account (per account needs the log). */
  count(action?: string, account?: string): number;
  reset(): void;
}

export interface AwsEmulatorOptions {
  /** Milliseconds a credential report takes to become COMPLETE after GenerateCredentialReport. Default 20. */
  reportDelayMs?: number;
  /** Keep the per-request log (counters are always kept). Default true. */
  keepLog?: boolean;
  /** Port on 127.0.0.1; default 0, a free port. */
  port?: number;
}

export interface AwsEmulator {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  faults: AwsFaults;
  calls: CallLog;
  /** The base (non-temporary) access key id the sandbox hands out; it maps to the management account. */
  baseAccessKeyId: string;
  stop(): Promise<void>;
}

function createCallLog(): CallLog {
  const calls: CallLog = {
    byAction: {},
    log: [],
    count(action, account) {
      if (account === undefined) return action === undefined ? Object.values(calls.byAction).reduce((a, b) => a + b, 0) : (calls.byAction[action] ?? 0);
      return calls.log.filter((c) => (action === undefined || c.action === action) && c.account === account).length;
    },
    reset() {
      calls.byAction = {};
      calls.log = [];
    },
  };
  return calls;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves the caller from the `Credential=` part of the SigV4 authorization header. */
function resolveCaller(req: IncomingMessage, state: EmulatorState, baseKeyId: string): Caller {
  const auth = req.headers.authorization ?? '';
  const m = /Credential=([A-Z0-9]+)\//.exec(auth);
  if (!m) throw new AwsFault(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
  const keyId = m[1] as string;
  if (keyId === baseKeyId) {
    const { accountId, userName } = state.estate.aws.scanner;
    const user = state.accounts.get(accountId)?.users.get(userName);
    // As IAM does: a deactivated or deleted key no longer signs anything.
    const key = state.accounts.get(accountId)?.keys.get(keyId)?.key;
    if (user && (!key || key.status !== 'Active')) throw new AwsFault(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    return { accountId, userName, arn: `arn:aws:iam::${accountId}:user/${userName}`, userId: user?.id ?? 'AIDASANDBOXSCANNER00' };
  }
  const session = state.sessions.get(keyId);
  if (session) {
    if (session.expiresAt < Date.now()) throw new AwsFault(403, 'ExpiredToken', 'The security token included in the request is expired');
    return {
      accountId: session.accountId,
      arn: `arn:aws:sts::${session.accountId}:assumed-role/${session.roleName}/${session.sessionName}`,
      userId: `${session.roleId}:${session.sessionName}`,
    };
  }
  throw new AwsFault(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
}

function matches(rule: { action?: string; account?: string; times: number } | undefined, action: string, account: string | undefined): boolean {
  if (!rule || rule.times <= 0) return false;
  if (rule.action !== undefined && rule.action !== action) return false;
  if (rule.account !== undefined && rule.account !== account) return false;
  rule.times--;
  return true;
}

export async function startAwsEmulator(estate: Estate, opts: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const state = createState(estate, opts.reportDelayMs ?? 20);
  const faults: AwsFaults = {};
  const keepLog = opts.keepLog ?? true;
  const calls = createCallLog();
  const baseKeyId = estate.aws.scanner.accessKeyId;

  /** The caller's account for matching a wire fault (`Account=<id>`); empty when unknown. */
  const callerAccount = (req: IncomingMessage): string => {
    try {
      return resolveCaller(req, state, baseKeyId).accountId;
    } catch {
      return '';
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const requestId = randomUUID();
    const raw = req.method === 'POST' ? await readBody(req) : (req.url ?? '').replace(/^[^?]*\??/, '');
    const params = new URLSearchParams(raw);
    const action = params.get('Action') ?? '';
    const wire = takeWireFault(faults.wire, `Action=${action} Account=${callerAccount(req)}`);
    if (wire) {
      calls.byAction[action] = (calls.byAction[action] ?? 0) + 1;
      if (keepLog) calls.log.push({ action, status: 0 });
      await serveWireFault(wire, req, res, 'xml', () => answer(req, res, params, action, requestId));
      return;
    }
    await answer(req, res, params, action, requestId);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse, params: URLSearchParams, action: string, requestId: string): Promise<void> => {
    const loop = loops(faults.pageLoop, `Action=${action} Account=${callerAccount(req)}`);
    if (loop && params.get('Marker') === LOOP_TOKEN) params.delete('Marker');
    const isSts = action in STS_HANDLERS || params.get('Version') === '2011-06-15';
    const ns = isSts ? STS_NS : IAM_NS;
    let status = 200;
    let body: string;
    let account: string | undefined;
    try {
      if (faults.delayMs) await sleep(faults.delayMs);
      if (credentialsExpired(faults.expireCredentials)) throw new AwsFault(403, 'ExpiredToken', 'The security token included in the request is expired');
      const caller = resolveCaller(req, state, baseKeyId);
      account = caller.accountId;
      if (matches(faults.throttle, action, account)) throw new AwsFault(400, 'Throttling', 'Rate exceeded');
      if (matches(faults.serverError, action, account)) throw new AwsFault(500, 'ServiceFailure', 'The request processing has failed because of an unknown error, exception or failure.');
      if (faults.forbiddenAccounts?.includes(account) && action !== 'GetCallerIdentity') {
        throw new AwsFault(403, 'AccessDenied', `User: ${caller.arn} is not authorized to perform: ${isSts ? 'sts' : 'iam'}:${action} because no identity-based policy allows the ${isSts ? 'sts' : 'iam'}:${action} action`);
      }
      const sts = STS_HANDLERS[action];
      const iam = IAM_HANDLERS[action];
      if (sts) body = response(action, STS_NS, sts(params, caller, state, faults), requestId);
      else if (iam) body = response(action, IAM_NS, iam(params, caller, state), requestId);
      else throw new AwsFault(400, 'InvalidAction', `Could not find operation ${action || '(none)'} for version ${params.get('Version') ?? '(none)'}`);
      // A paging loop: every page says there is more, at the same Marker.
      if (loop && body.includes('<IsTruncated>')) body = body.replace(/<IsTruncated>false<\/IsTruncated>/, '<IsTruncated>true</IsTruncated>').replace(/<Marker>[^<]*<\/Marker>/, '').replace('<IsTruncated>true</IsTruncated>', `<IsTruncated>true</IsTruncated><Marker>${LOOP_TOKEN}</Marker>`);
    } catch (err) {
      const fault = err instanceof AwsFault ? err : new AwsFault(500, 'InternalFailure', err instanceof Error ? err.message : String(err));
      status = fault.status;
      body = errorResponse(ns, fault.type, fault.code, fault.message, requestId);
    }
    calls.byAction[action] = (calls.byAction[action] ?? 0) + 1;
    if (keepLog) {
      const userName = params.get('UserName') ?? undefined;
      calls.log.push({ action, account, status, ...(userName !== undefined ? { userName } : {}) });
    }
    res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const server = await startEmulatorServer(handle, { port: opts.port });
  return {
    endpoint: server.endpoint,
    port: server.port,
    faults,
    calls,
    baseAccessKeyId: baseKeyId,
    stop: () => server.stop(),
  };
}
