import { describe, expect, it } from 'vitest';
import { classifyUser, compileMachineRules } from '../../../src/collectors/aws/machine.ts';
import { machineRulesSchema } from '../../../src/config/schema.ts';

const defaults = compileMachineRules(machineRulesSchema.parse({}));
const custom = compileMachineRules(machineRulesSchema.parse({ humanPatterns: ['^[a-z]+\\.[a-z]+$'], noConsolePasswordIsMachine: false }));

describe('classifyUser', () => {
  it.each<{ name: string; tags: Record<string, string>; pw: boolean | undefined; machine: boolean; reason: RegExp }>([
    { name: 'ci-deployer', tags: {}, pw: true, machine: true, reason: /machine pattern/ },
    { name: 'SVC-Billing', tags: {}, pw: true, machine: true, reason: /machine pattern/ },
    { name: 'github-actions-bot', tags: {}, pw: false, machine: true, reason: /machine pattern/ },
    { name: 'terraform-prod', tags: {}, pw: undefined, machine: true, reason: /machine pattern/ },
    { name: 'alice.smith', tags: {}, pw: true, machine: false, reason: /console password/ },
    { name: 'jenkins', tags: {}, pw: false, machine: true, reason: /no console password/ },
    { name: 'jenkins', tags: {}, pw: undefined, machine: false, reason: /not in the credential report/ },
    { name: 'datadog-integration', tags: { 'sprawl:type': 'machine' }, pw: true, machine: true, reason: /tag sprawl:type=machine/ },
    { name: 'svc-shared', tags: { 'sprawl:type': 'Human' }, pw: false, machine: false, reason: /tag sprawl:type=Human/ },
    { name: 'bob.jones', tags: { type: 'person' }, pw: false, machine: false, reason: /tag type=person/ },
    { name: 'bob.jones', tags: { type: 'unknown-value' }, pw: true, machine: false, reason: /console password/ },
  ])('$name $tags pw=$pw → machine=$machine', ({ name, tags, pw, machine, reason }) => {
    const c = classifyUser({ name, tags }, pw, defaults);
    expect(c.machine).toBe(machine);
    expect(c.reason).toMatch(reason);
  });

  it('honours humanPatterns before machinePatterns, and noConsolePasswordIsMachine=false', () => {
    expect(classifyUser({ name: 'carol.svc', tags: {} }, false, custom).machine).toBe(false);
    expect(classifyUser({ name: 'carol.svc', tags: {} }, false, defaults).machine).toBe(true);
    expect(classifyUser({ name: 'jenkins', tags: {} }, false, custom).machine).toBe(false);
    expect(classifyUser({ name: 'carol.svc', tags: { 'sprawl:type': 'bot' } }, true, custom).machine).toBe(true);
  });
});
