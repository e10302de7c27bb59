/** STS actions of the emulator: GetCallerIdentity and AssumeRole (temporary ASIA credentials). */
import { BASE32, createRng, isoSeconds } from '../random.ts';
import type { PolicyStatement } from './policies.ts';
import { AwsFault, accessDenied, required } from './state.ts';
import type { Caller, EmulatorState } from './state.ts';
import { el, wrap } from './xml.ts';

export type StsHandler = (params: URLSearchParams, caller: Caller, state: EmulatorState, faults: { forbiddenAccounts?: string[] }) => string;

let sessionCounter = 0;

function statements(doc: { Statement: PolicyStatement | PolicyStatement[] }): PolicyStatement[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Does the role's trust policy let this caller assume it (account root or the caller's ARN, external id checked)? */
function trusts(statement: PolicyStatement, caller: Caller, externalId: string | null): boolean {
  if (statement.Effect !== 'Allow' || !asList(statement.Action).includes('sts:AssumeRole')) return false;
  const principal = statement.Principal;
  if (principal === undefined) return false;
  const aws = principal === '*' ? ['*'] : asList(principal.AWS);
  const ok = aws.some((p) => p === '*' || p === caller.accountId || p === `arn:aws:iam::${caller.accountId}:root` || p === caller.arn);
  if (!ok) return false;
  const wanted = statement.Condition?.StringEquals?.['sts:ExternalId'];
  return wanted === undefined || asList(wanted).includes(externalId ?? '');
}

export const STS_HANDLERS: Record<string, StsHandler> = {
  GetCallerIdentity(_params, caller) {
    return el('UserId', caller.userId) + el('Account', caller.accountId) + el('Arn', caller.arn);
  },

  AssumeRole(params, caller, state, faults) {
    const roleArn = required(params, 'RoleArn');
    const sessionName = required(params, 'RoleSessionName');
    if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) throw new AwsFault(400, 'ValidationError', `Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint`);
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
    const denied = (): AwsFault => accessDenied(`User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
    if (!m) throw new AwsFault(400, 'ValidationError', `${roleArn} is invalid`);
    const [, accountId = '', roleName = ''] = m;
    if (faults.forbiddenAccounts?.includes(accountId)) throw denied();
    const role = state.accounts.get(accountId)?.roles.get(roleName);
    if (!role || role.arn !== roleArn) throw denied();
    if (!statements(role.trust).some((s) => trusts(s, caller, params.get('ExternalId')))) throw denied();

    const duration = Number(params.get('DurationSeconds') ?? 3600);
    if (!Number.isInteger(duration) || duration < 900 || duration > role.maxSessionDuration) {
      throw new AwsFault(400, 'ValidationError', `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`);
    }
    const rng = createRng(`session:${state.estate.seed}:${roleArn}:${++sessionCounter}:${Date.now()}`);
    const accessKeyId = 'ASIA' + rng.chars(16, BASE32);
    // Expiration on the wall clock (the SDK refreshes credentials by the real time, not the estate's).
    const expiresAt = Date.now() + duration * 1000;
    state.sessions.set(accessKeyId, { accountId, roleName, roleId: role.id, sessionName, expiresAt });
    return (
      wrap(
        'Credentials',
        el('AccessKeyId', accessKeyId) +
          el('SecretAccessKey', `sandbox/session/${rng.chars(24, BASE32)}`) +
          el('SessionToken', `sandbox-session-token/${rng.chars(64, BASE32)}`) +
          el('Expiration', isoSeconds(expiresAt)),
      ) + wrap('AssumedRoleUser', el('AssumedRoleId', `${role.id}:${sessionName}`) + el('Arn', `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`))
    );
  },
};
