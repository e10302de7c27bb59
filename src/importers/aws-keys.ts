/**
 * Access keys and the root account as a credential report shows them.
 *
 * The report has no key ids, so a key is named by its slot: publicId `<user>#key1` / `<user>#key2`
 * (credential id `aws:<acct>:user/<user>/key/<user>#key1`). Age and last-use rules work on them;
 * they never match a leaked AKIA id, and their ids differ from a live scan's (which knows the ids).
 *
 * The root account (`<root_account>` row) is left out like people unless it has access keys: then it
 * becomes identity `aws:<acct>:root` (kind aws-iam-user, name `root`, label `sprawl:root=true`,
 * managed false) with its slot keys, so rules can see root keys (CIS AWS 1.4).
 */
import type { CredentialReportRow, ReportKeySlot } from '../collectors/aws/credential-report.ts';
import { buildCredential, keyActivity, latest } from '../collectors/aws/records.ts';
import type { KeyInput } from '../collectors/aws/records.ts';
import type { Identity, InventoryRecord } from '../model/index.ts';

export const slotPublicId = (user: string, slot: ReportKeySlot['slot']): string => `${user}#key${slot}`;
export const ROOT_LABEL = 'sprawl:root';
export const rootIdentityId = (accountId: string): string => `aws:${accountId}:root`;

/** The report's key slots as keys named by slot; `last_rotated` stands for the creation time. */
export function slotKeys(publicUser: string, slots: readonly ReportKeySlot[]): KeyInput[] {
  return slots.map((s) => {
    const k: KeyInput = { id: slotPublicId(publicUser, s.slot), active: s.active };
    if (s.lastRotated !== undefined) k.createdAt = s.lastRotated;
    if (s.lastUsedAt !== undefined) k.lastUsedAt = s.lastUsedAt;
    if (s.lastUsedService !== undefined) k.lastUsedService = s.lastUsedService;
    if (s.lastUsedRegion !== undefined) k.lastUsedRegion = s.lastUsedRegion;
    return k;
  });
}

/** Credential and last-use activity records of an identity's keys, in the live collector's order. */
export function keyRecords(identityId: string, keys: readonly KeyInput[]): InventoryRecord[] {
  const out: InventoryRecord[] = [];
  for (const k of keys) {
    const c = buildCredential(identityId, k);
    out.push({ type: 'credential', record: c });
    const act = keyActivity(c);
    if (act) out.push({ type: 'activity', record: act });
  }
  return out;
}

/** Last use of a user as the live collector computes it: console sign-in or any key. */
export const userLastUsed = (row: CredentialReportRow | undefined, keys: readonly KeyInput[]): string | undefined =>
  latest(row?.passwordLastUsed, ...keys.map((k) => k.lastUsedAt));

/** Root identity and keys, or nothing when the root account has no access keys. */
export function rootRecords(accountId: string, row: CredentialReportRow): InventoryRecord[] {
  if (row.keys.length === 0) return [];
  const keys = slotKeys('root', row.keys);
  const active = row.keys.filter((k) => k.active).length;
  const identity: Identity = {
    id: rootIdentityId(accountId),
    provider: 'aws',
    kind: 'aws-iam-user',
    scope: accountId,
    name: 'root',
    labels: { [ROOT_LABEL]: 'true' },
    disabled: false,
    managed: false,
    machineReason: active > 0 ? `root account with ${active} active access key(s)` : 'root account with access keys',
  };
  if (row.arn) identity.nativeId = row.arn;
  if (row.createdAt !== undefined) identity.createdAt = row.createdAt;
  const used = userLastUsed(row, keys);
  if (used !== undefined) identity.lastUsedAt = used;
  return [{ type: 'identity', record: identity }, ...keyRecords(identity.id, keys)];
}
