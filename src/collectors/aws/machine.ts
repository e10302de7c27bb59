/** Which IAM users are machines: tags first, then name patterns, then the absence of a console password. */
import type { MachineRules } from '../../config/schema.ts';

export type UserClass = { machine: true; reason: string } | { machine: false; reason: string };

export interface CompiledMachineRules {
  tagKeys: string[];
  machineValues: Set<string>;
  humanValues: Set<string>;
  human: RegExp[];
  machine: RegExp[];
  noConsolePasswordIsMachine: boolean;
}

export function compileMachineRules(rules: MachineRules): CompiledMachineRules {
  return {
    tagKeys: rules.tagKeys,
    machineValues: new Set(rules.machineTagValues.map((v) => v.toLowerCase())),
    humanValues: new Set(rules.humanTagValues.map((v) => v.toLowerCase())),
    human: rules.humanPatterns.map((p) => new RegExp(p, 'i')),
    machine: rules.machinePatterns.map((p) => new RegExp(p, 'i')),
    noConsolePasswordIsMachine: rules.noConsolePasswordIsMachine,
  };
}

/**
 * @param passwordEnabled from the credential report; undefined when unknown (the user is not in it).
 */
export function classifyUser(user: { name: string; tags: Record<string, string> }, passwordEnabled: boolean | undefined, rules: CompiledMachineRules): UserClass {
  for (const key of rules.tagKeys) {
    const raw = user.tags[key];
    if (raw === undefined) continue;
    const v = raw.trim().toLowerCase();
    if (rules.machineValues.has(v)) return { machine: true, reason: `tag ${key}=${raw}` };
    if (rules.humanValues.has(v)) return { machine: false, reason: `tag ${key}=${raw}` };
  }
  const human = rules.human.find((re) => re.test(user.name));
  if (human) return { machine: false, reason: `name matches human pattern ${human.source}` };
  const machine = rules.machine.find((re) => re.test(user.name));
  if (machine) return { machine: true, reason: `name matches machine pattern ${machine.source}` };
  if (passwordEnabled === false && rules.noConsolePasswordIsMachine) return { machine: true, reason: 'no console password' };
  return { machine: false, reason: passwordEnabled === undefined ? 'not in the credential report' : 'console password' };
}
