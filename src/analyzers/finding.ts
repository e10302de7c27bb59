import type { Finding, Severity, SubjectType } from '../model/index.ts';
import { findingId } from '../model/index.ts';
import type { Subject } from './facts.ts';
import type { Rule } from './types.ts';

export interface FindingInput {
  subjectType: SubjectType;
  subjectId: string;
  identityId: string;
  subject: Subject;
  message: string;
  evidence: Finding['evidence'];
  /** Defaults to the rule's severity. */
  severity?: Severity;
}

/** A finding of `rule` on one subject, with the stable id and the rule's shared text. */
export function makeFinding(rule: Rule, input: FindingInput): Finding {
  return {
    id: findingId(rule.id, input.subjectId),
    ruleId: rule.id,
    title: rule.title,
    severity: input.severity ?? rule.severity,
    subjectType: input.subjectType,
    subjectId: input.subjectId,
    identityId: input.identityId,
    provider: input.subject.provider,
    scope: input.subject.scope,
    message: input.message,
    evidence: input.evidence,
    remediation: rule.remediation,
    references: rule.references.map((r) => ({ ...r })),
  };
}
