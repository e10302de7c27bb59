/**
 * Placeholder and documentation-example filtering, shared by every rule: a match whose secret is a
 * known documentation value, a template variable, a masked or repetitive value, or a sequential run
 * is dropped before it becomes a hit.
 */
import { isPem, pemBody, unescapeLiteral } from './normalize.ts';

/** Values published in vendor documentation (and widely copied into tutorials and tests). */
export const KNOWN_EXAMPLES: ReadonlySet<string> = new Set([
  // AWS documentation
  'AKIAIOSFODNN7EXAMPLE',
  'ASIAIOSFODNN7EXAMPLE',
  'AKIAI44QH8DHBEXAMPLE',
  'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY',
  // GitHub documentation
  'ghp_16C7e42F292c6912E7710c838347Ae178B4a',
  'gho_16C7e42F292c6912E7710c838347Ae178B4a',
  'ghu_16C7e42F292c6912E7710c838347Ae178B4a',
  'ghs_16C7e42F292c6912E7710c838347Ae178B4a',
  'ghr_1B4a2e77838347a7E420ce178F2E7c6912E169246c34E1ccbF66C46812d16D5B1A9Dc86A1498',
  // Stripe documentation
  'sk_test_4eC39HqLyjWDarjtT1zdp7dc',
  'sk_test_BQokikJOvBiI2HlWgH4olfQ2',
  'sk_test_26PHem9AhJZvU623DfE1x4sd',
  'pk_test_TYooMQauvdEDq54NiTphI7jx',
  // Slack documentation
  'xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy',
  'xoxp-23984754863-2348975623103',
  // jwt.io sample token
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c',
  // Azurite / storage emulator well-known development account key
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
]);

/** Whole values that are words people put in config as stand-ins. */
const STAND_IN_VALUES = new Set([
  'password', 'passwd', 'secret', 'token', 'changeme', 'admin', 'root', 'test', 'testing', 'guest',
  'null', 'none', 'nil', 'true', 'false', 'undefined', 'default', 'example', 'dummy', 'sample',
  'placeholder', 'redacted', 'hidden', 'masked', 'secret123', 'password123', 'letmein', 'qwerty',
]);

const PLACEHOLDER_WORDS =
  /example|placeholder|change[_-]?me|dummy|sample|redacted|replace[_-]?me|[_-]here\b|your[_-]?(?:api[_-]?)?(?:key|token|secret|pass|client|access|own)|notreal|not[_-]a[_-]real|lorem[_-]?ipsum/i;
const TEMPLATE = /\$\{|\$\(|#\{|\{\{|\}\}|<[A-Za-z_ -]{1,40}>|%[sdvq]\b|%\([a-z_]+\)s|^\$[A-Za-z_]|^\{[A-Za-z_]+\}$|^%[A-Za-z_]+%$|^@[A-Za-z_]+@$|^__[A-Z_]+__$/;
const MASKED = /\*{3,}|•{3,}|x{5,}|X{5,}|#{4,}|\.{3}|…/;
const SEQ = '0123456789abcdefghijklmnopqrstuvwxyz';

/** Longest run of characters ascending or descending by one (case-insensitive, digits then letters). */
function longestSequentialRun(s: string): number {
  let best = 1;
  let up = 1;
  let down = 1;
  let prev = -10;
  for (let i = 0; i < s.length; i++) {
    const cur = SEQ.indexOf(s[i]!.toLowerCase());
    if (cur >= 0 && prev >= 0 && cur === prev + 1) up++;
    else up = 1;
    if (cur >= 0 && prev >= 0 && cur === prev - 1) down++;
    else down = 1;
    best = Math.max(best, up, down);
    prev = cur;
  }
  return best;
}

function longestRepeat(s: string): number {
  let best = s.length > 0 ? 1 : 0;
  let run = 1;
  for (let i = 1; i < s.length; i++) {
    run = s.charCodeAt(i) === s.charCodeAt(i - 1) ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

function distinctChars(s: string): number {
  return new Set(s).size;
}

function pemIsPlaceholder(pem: string): boolean {
  const text = unescapeLiteral(pem);
  if (MASKED.test(text) || /example|placeholder|your[_ -]?key|redacted|<[^>]{1,40}>/i.test(text)) return true;
  const body = pemBody(pem);
  return body.length < 64 || distinctChars(body) < 16;
}

/** True when the value is a documentation example, a template, a stand-in or otherwise not a real secret. */
export function isPlaceholder(value: string): boolean {
  if (value.length === 0) return true;
  if (isPem(value)) return pemIsPlaceholder(value);
  const v = unescapeLiteral(value);
  if (KNOWN_EXAMPLES.has(v)) return true;
  for (const known of KNOWN_EXAMPLES) if (v.length > known.length && v.includes(known)) return true;
  if (STAND_IN_VALUES.has(v.toLowerCase())) return true;
  if (PLACEHOLDER_WORDS.test(v) || TEMPLATE.test(v) || MASKED.test(v)) return true;
  if (v.length >= 6 && (distinctChars(v) <= 3 || longestRepeat(v) >= (v.length > 64 ? 16 : 6))) return true;
  if (longestSequentialRun(v) >= 8) return true;
  return false;
}
