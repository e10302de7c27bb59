/**
 * The enforcer's journal: append-only rows, each carrying the hash of the row before it, so that
 * an edited, inserted or deleted row breaks the chain where it happened (verifyJournal names it).
 * And the plans applied, stored as reviewed.
 */
import type { Plan } from '../model/index.ts';
import { canonicalJson, sha256 } from '../util/digest.ts';
import type { Store } from './db.ts';
import { parseJson } from './json.ts';
import type { JournalTable } from './schema.ts';

export type JournalPhase = 'apply' | 'undo';
export type JournalStatus = 'started' | 'minted' | 'done' | 'noop' | 'failed';

export interface JournalEntry {
  seq: number;
  at: string;
  planId: string;
  actionId: string;
  kind: string;
  identityId: string;
  phase: JournalPhase;
  status: JournalStatus;
  /** before, request, after, error, publicId...: never a secret. */
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export type JournalInput = Omit<JournalEntry, 'seq' | 'prevHash' | 'hash'>;

/** The chain's start: the hash the first row points back to. */
export const GENESIS = '0'.repeat(64);

function rowHash(prevHash: string, e: Omit<JournalEntry, 'prevHash' | 'hash'>): string {
  const body = { seq: e.seq, at: e.at, planId: e.planId, actionId: e.actionId, kind: e.kind, identityId: e.identityId, phase: e.phase, status: e.status, detail: e.detail };
  return sha256(`${prevHash}\n${canonicalJson(body)}`);
}

function toEntry(r: JournalTable): JournalEntry {
  return {
    seq: Number(r.seq),
    at: r.at,
    planId: r.plan_id,
    actionId: r.action_id,
    kind: r.kind,
    identityId: r.identity_id,
    phase: r.phase as JournalPhase,
    status: r.status as JournalStatus,
    detail: parseJson<Record<string, unknown>>(r.detail, {}, `journal row ${r.seq}`),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * Appends one row at the end of the chain. Two writers racing for the same seq: one insert fails
 * on the primary key and retries on the new end.
 */
export async function appendJournal(store: Store, input: JournalInput): Promise<JournalEntry> {
  // The detail as it will read back: JSON round trip (undefined fields dropped, dates as strings).
  const detail = JSON.parse(JSON.stringify(input.detail)) as Record<string, unknown>;
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.db.transaction().execute(async (trx) => {
        const last = await trx.selectFrom('journal').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
        const seq = last ? Number(last.seq) + 1 : 1;
        const prevHash = last?.hash ?? GENESIS;
        const entry = { ...input, detail, seq };
        const hash = rowHash(prevHash, entry);
        await trx
          .insertInto('journal')
          .values({
            seq,
            at: input.at,
            plan_id: input.planId,
            action_id: input.actionId,
            kind: input.kind,
            identity_id: input.identityId,
            phase: input.phase,
            status: input.status,
            detail: JSON.stringify(detail),
            prev_hash: prevHash,
            hash,
          })
          .execute();
        return { ...entry, prevHash, hash };
      });
    } catch (err) {
      if (attempt >= 20 || !/unique|duplicate|constraint/i.test((err as Error).message)) throw err;
    }
  }
}

export async function loadJournal(store: Store, opts: { planId?: string } = {}): Promise<JournalEntry[]> {
  let q = store.db.selectFrom('journal').selectAll();
  if (opts.planId) q = q.where('plan_id', '=', opts.planId);
  return (await q.orderBy('seq').execute()).map(toEntry);
}

export interface JournalProblem {
  seq: number;
  problem: string;
}

/** Walks the whole chain; every row whose content, link or place is wrong is named. */
export async function verifyJournal(store: Store): Promise<{ rows: number; problems: JournalProblem[] }> {
  const rows = await store.db.selectFrom('journal').selectAll().orderBy('seq').execute();
  const problems: JournalProblem[] = [];
  let prev: { seq: number; hash: string } | undefined;
  for (const raw of rows) {
    let e: JournalEntry;
    try {
      e = { ...toEntry(raw), detail: JSON.parse(raw.detail) as Record<string, unknown> };
    } catch {
      problems.push({ seq: Number(raw.seq), problem: 'its detail is not valid JSON (the row was edited)' });
      prev = { seq: Number(raw.seq), hash: raw.hash };
      continue;
    }
    const expectedSeq = prev ? prev.seq + 1 : 1;
    if (e.seq !== expectedSeq) problems.push({ seq: e.seq, problem: `rows ${expectedSeq}${e.seq - 1 > expectedSeq ? `-${e.seq - 1}` : ''} before it are missing (deleted)` });
    const expectedPrev = prev?.hash ?? GENESIS;
    if (e.prevHash !== expectedPrev) problems.push({ seq: e.seq, problem: 'it does not point to the row before it (a row was deleted, inserted or replaced)' });
    if (rowHash(e.prevHash, e) !== e.hash) problems.push({ seq: e.seq, problem: 'its content does not match its hash (the row was edited)' });
    prev = { seq: e.seq, hash: e.hash };
  }
  return { rows: rows.length, problems };
}

/** Stores the plan being applied (once; a later approval updates who approved it). */
export async function savePlan(store: Store, plan: Plan, now: Date): Promise<void> {
  const existing = await store.db.selectFrom('plans').select(['id', 'digest']).where('id', '=', plan.id).executeTakeFirst();
  if (existing) {
    if (plan.approval) await store.db.updateTable('plans').set({ approved_by: plan.approval.by, approved_at: plan.approval.at }).where('id', '=', plan.id).execute();
    return;
  }
  await store.db
    .insertInto('plans')
    .values({
      id: plan.id,
      digest: plan.digest,
      scan_id: plan.scan.id,
      created_at: plan.createdAt,
      stored_at: now.toISOString(),
      approved_by: plan.approval?.by ?? null,
      approved_at: plan.approval?.at ?? null,
      body: JSON.stringify(plan),
    })
    .execute();
}

/** When the plan was first applied (stored by `savePlan`), or undefined. */
export async function planStoredAt(store: Store, id: string): Promise<string | undefined> {
  const row = await store.db.selectFrom('plans').select(['stored_at']).where('id', '=', id).executeTakeFirst();
  return row?.stored_at;
}

export async function loadPlan(store: Store, id: string): Promise<Plan | undefined> {
  const row = await store.db.selectFrom('plans').select(['body']).where('id', '=', id).executeTakeFirst();
  return row ? parseJson<Plan | undefined>(row.body, undefined, `plan ${id}`) : undefined;
}

/** The plan an action id belongs to (action ids are unique per plan, rarely across plans: the newest wins). */
export async function planOfAction(store: Store, actionId: string): Promise<string | undefined> {
  const row = await store.db.selectFrom('journal').select(['plan_id']).where('action_id', '=', actionId).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return row?.plan_id;
}
