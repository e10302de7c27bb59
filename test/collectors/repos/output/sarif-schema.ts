/**
 * The part of SARIF 2.1.0 GitHub code scanning requires of an upload, as a zod schema, plus the
 * cross-field checks a schema cannot state (unique rule ids, results resolving to a rule).
 */
import { z } from 'zod';

const text = z.object({ text: z.string().min(1).max(1024) });
const level = z.enum(['none', 'note', 'warning', 'error']);

/** A relative URI reference: no scheme, no leading slash, no backslash, nothing left unencoded. */
const relativeUri = z
  .string()
  .min(1)
  .refine((u) => !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(u) && !u.startsWith('/') && !u.includes('\\'), 'not a relative URI')
  .refine((u) => /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})+$/.test(u), 'characters not allowed in a URI');

const region = z
  .object({
    startLine: z.number().int().min(1),
    startColumn: z.number().int().min(1).optional(),
    endLine: z.number().int().min(1).optional(),
    endColumn: z.number().int().min(1).optional(),
  })
  .refine((r) => (r.endLine ?? r.startLine) >= r.startLine, 'endLine before startLine');

const rule = z.object({
  id: z.string().min(1),
  name: z.string().max(255).optional(),
  shortDescription: text.optional(),
  fullDescription: text.optional(),
  help: z.object({ text: z.string(), markdown: z.string().optional() }).optional(),
  defaultConfiguration: z.object({ level }).optional(),
  properties: z
    .object({
      tags: z.array(z.string()).max(20).optional(),
      'security-severity': z.string().regex(/^\d+(\.\d+)?$/).optional(),
      precision: z.enum(['very-high', 'high', 'medium', 'low']).optional(),
    })
    .optional(),
});

const result = z.object({
  ruleId: z.string().min(1),
  ruleIndex: z.number().int().min(0).optional(),
  level: level.optional(),
  message: z.object({ text: z.string().min(1) }),
  locations: z
    .array(
      z.object({
        physicalLocation: z.object({
          artifactLocation: z.object({ uri: relativeUri, uriBaseId: z.string().optional() }),
          region,
        }),
      }),
    )
    .min(1)
    .max(1000),
  partialFingerprints: z.record(z.string(), z.string().min(1)).refine((p) => Object.keys(p).length > 0, 'no fingerprint'),
});

const run = z.object({
  tool: z.object({ driver: z.object({ name: z.string().min(1), semanticVersion: z.string().optional(), rules: z.array(rule).max(25_000) }) }),
  automationDetails: z.object({ id: z.string() }).optional(),
  results: z.array(result).max(25_000),
});

export const githubSarif = z
  .object({ $schema: z.string().url().optional(), version: z.literal('2.1.0'), runs: z.array(run).min(1).max(20) })
  .superRefine((log, ctx) => {
    for (const [r, run] of log.runs.entries()) {
      const ids = run.tool.driver.rules.map((x) => x.id);
      if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'rule ids not unique', path: ['runs', r] });
      for (const [i, res] of run.results.entries()) {
        const at = ['runs', r, 'results', i];
        if (!ids.includes(res.ruleId)) ctx.addIssue({ code: 'custom', message: `ruleId ${res.ruleId} names no rule`, path: at });
        if (res.ruleIndex !== undefined && ids[res.ruleIndex] !== res.ruleId) ctx.addIssue({ code: 'custom', message: 'ruleIndex points elsewhere', path: at });
      }
    }
  });

export type GithubSarif = z.infer<typeof githubSarif>;
