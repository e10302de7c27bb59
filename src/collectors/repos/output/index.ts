/** Output formats of the committed-key scan: `text` for terminals and CI logs, `json`, and `sarif` for code scanning. */
import { renderJson } from './json.ts';
import { renderSarif } from './sarif.ts';
import type { SecretScanResult } from './summary.ts';
import { renderText } from './text.ts';

export type { SecretScanResult, SecretSummary } from './summary.ts';
export { summarize } from './summary.ts';
export { renderText, printable } from './text.ts';
export { renderJson, SECRETS_JSON_SCHEMA_VERSION } from './json.ts';
export type { JsonSecretFinding, JsonSecretReport } from './json.ts';
export { renderSarif, buildSarif, artifactLocation, pascalCase, SARIF_SCHEMA, SARIF_MAX_RESULTS, SARIF_FINGERPRINT_KEY, SARIF_LEVEL, SECURITY_SEVERITY } from './sarif.ts';
export type { SarifLog, SarifRun, SarifRule, SarifResult, SarifLevel, SarifOptions } from './sarif.ts';

export type SecretFormat = 'text' | 'json' | 'sarif';

export const SECRET_FORMATS: readonly SecretFormat[] = ['text', 'json', 'sarif'];

export interface RenderSecretsOptions {
  toolVersion: string;
  /** ANSI colours (text only). */
  color?: boolean;
  /** The repository's root on disk (SARIF only): absolute paths are made relative to it. */
  repoRoot?: string;
  /** SARIF `automationDetails.id`. */
  automationId?: string;
}

export function isSecretFormat(value: string): value is SecretFormat {
  return (SECRET_FORMATS as readonly string[]).includes(value);
}

export function renderSecrets(format: SecretFormat, result: SecretScanResult, opts: RenderSecretsOptions): string {
  switch (format) {
    case 'text':
      return renderText({ ...result, color: opts.color ?? result.color ?? false });
    case 'json':
      return renderJson({ ...result, toolVersion: opts.toolVersion });
    case 'sarif':
      return renderSarif({ ...result, toolVersion: opts.toolVersion, repoRoot: opts.repoRoot, automationId: opts.automationId });
  }
}
