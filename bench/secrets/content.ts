/**
 * Source-like text, line by line: TypeScript, Python, Go, JSON, YAML, .env, INI, Terraform, minified
 * JS, lockfiles, base64 blobs, Markdown. Full of the things that make secret scanners slow or noisy:
 * UUIDs, hex digests, base64, long lines, `key`/`token`/`password` words next to harmless values.
 */
import { BASE64, HEX, uuid } from './random.ts';
import type { Random } from './random.ts';
import type { Syntax } from './plant.ts';

const WORDS = (
  'account active address admin agent alert api apply array async audit auth backend balance batch billing bucket buffer build cache ' +
  'callback cert channel check client cluster config connect consumer context count create cursor data database deploy device digest ' +
  'domain driver email encode endpoint entry event export factory feature fetch field filter flag format gateway group handler hash ' +
  'header health host identity index input instance invoice issuer item job key label layer limit listener loader local lock logger ' +
  'manager mapping message metric model module monitor name network node offset order output owner packet page parser partition ' +
  'password path payload peer pipeline policy pool port principal profile project provider proxy queue quota range reader record ' +
  'region registry release replica report request resource response result retry role route rule runner schema scope secret ' +
  'selector service session shard signal snapshot source span state status storage stream subject subscription table target task ' +
  'template tenant token topic trace tracker transport trigger user validator value vault version volume watcher worker writer zone'
).split(' ');

const TYPES = ['string', 'number', 'boolean', 'Record<string, unknown>', 'Buffer', 'Date', 'Config', 'Session', 'Request', 'Response'];

export type FileKind = 'ts' | 'py' | 'go' | 'json' | 'yaml' | 'env' | 'ini' | 'tf' | 'minjs' | 'lock' | 'b64' | 'md';

export interface KindSpec {
  kind: FileKind;
  weight: number;
  /** File name endings to choose from. */
  names: readonly string[];
  syntax: Syntax;
  /** Smallest and largest size, bytes. */
  size: [number, number];
}

export const KINDS: readonly KindSpec[] = [
  { kind: 'ts', weight: 20, names: ['.ts', '.tsx', '.js'], syntax: 'code', size: [2_000, 120_000] },
  { kind: 'py', weight: 12, names: ['.py'], syntax: 'python', size: [2_000, 100_000] },
  { kind: 'go', weight: 10, names: ['.go'], syntax: 'go', size: [2_000, 120_000] },
  { kind: 'json', weight: 9, names: ['.json'], syntax: 'json', size: [1_000, 200_000] },
  { kind: 'yaml', weight: 8, names: ['.yaml', '.yml'], syntax: 'yaml', size: [1_000, 60_000] },
  { kind: 'env', weight: 3, names: ['.env', '.env.example', '.env.local'], syntax: 'env', size: [200, 4_000] },
  { kind: 'ini', weight: 2, names: ['.ini', '.cfg', '.properties'], syntax: 'ini', size: [500, 20_000] },
  { kind: 'tf', weight: 5, names: ['.tf', '.tfvars'], syntax: 'hcl', size: [1_000, 60_000] },
  { kind: 'minjs', weight: 5, names: ['.min.js', '.bundle.js'], syntax: 'code', size: [20_000, 400_000] },
  { kind: 'lock', weight: 5, names: ['package-lock.json', 'yarn.lock', 'go.sum'], syntax: 'json', size: [20_000, 400_000] },
  { kind: 'b64', weight: 4, names: ['.b64', '.txt', '.snap'], syntax: 'yaml', size: [5_000, 300_000] },
  { kind: 'md', weight: 8, names: ['.md'], syntax: 'markdown', size: [1_000, 60_000] },
];

const w = (r: Random): string => r.pick(WORDS);
const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
const camel = (r: Random): string => `${w(r)}${cap(w(r))}`;
const sentence = (r: Random, n: number): string => {
  const words: string[] = [];
  for (let i = 0; i < n; i++) words.push(w(r));
  return cap(words.join(' '));
};
const num = (r: Random): number => r.int(10_000);
const sha = (r: Random, bytes: number): string => r.string(bytes * 2, HEX);

type LineGen = (r: Random) => string;

const TS: LineGen[] = [
  (r) => `import { ${camel(r)}, ${camel(r)} } from './${w(r)}/${w(r)}.ts';`,
  (r) => `export async function ${camel(r)}(${w(r)}: ${r.pick(TYPES)}, ${w(r)}Id: string): Promise<${r.pick(TYPES)}> {`,
  (r) => `  const ${camel(r)} = await this.${camel(r)}.${w(r)}({ id: '${uuid(r)}', ${w(r)}: ${num(r)} });`,
  (r) => `  if (${camel(r)} === undefined) throw new Error('${sentence(r, 5)}');`,
  (r) => `  return ${w(r)}s.filter((x) => x.${w(r)} > ${num(r)}).map((x) => x.${camel(r)});`,
  (r) => `  // ${sentence(r, r.between(4, 14))}`,
  (r) => `  const ${w(r)}Key = config.get('${w(r)}.${w(r)}.${w(r)}Key');`,
  (r) => `  const ${w(r)}Token = process.env.${w(r).toUpperCase()}_TOKEN ?? '';`,
  (r) => `  logger.debug({ ${w(r)}, digest: '${sha(r, 20)}' }, '${sentence(r, 4)}');`,
  () => `}`,
  () => ``,
];

const PY: LineGen[] = [
  (r) => `from ${w(r)}.${w(r)} import ${cap(w(r))}${cap(w(r))}, ${w(r)}_${w(r)}`,
  (r) => `def ${w(r)}_${w(r)}(self, ${w(r)}: ${r.pick(['str', 'int', 'dict', 'bytes'])}, ${w(r)}=None):`,
  (r) => `    ${w(r)}_${w(r)} = self.${w(r)}.get("${w(r)}", ${num(r)})`,
  (r) => `    """${sentence(r, r.between(5, 12))}."""`,
  (r) => `    if not ${w(r)}: raise ValueError(f"${sentence(r, 4)}: {${w(r)}}")`,
  (r) => `    token = os.environ.get("${w(r).toUpperCase()}_TOKEN", "")`,
  (r) => `    checksum = hashlib.sha256(${w(r)}).hexdigest()  # ${sha(r, 32)}`,
  (r) => `    return [x.${w(r)} for x in ${w(r)}s if x.${w(r)} > ${num(r)}]`,
  (r) => `# ${sentence(r, r.between(4, 12))}`,
  () => ``,
];

const GO: LineGen[] = [
  (r) => `func (s *${cap(w(r))}${cap(w(r))}) ${cap(w(r))}(ctx context.Context, ${w(r)} string) (*${cap(w(r))}, error) {`,
  (r) => `\t${w(r)}, err := s.${w(r)}.${cap(w(r))}(ctx, &${cap(w(r))}Input{ID: "${uuid(r)}", Limit: ${num(r)}})`,
  () => `\tif err != nil {`,
  (r) => `\t\treturn nil, fmt.Errorf("${sentence(r, 4)}: %w", err)`,
  () => `\t}`,
  (r) => `\t// ${sentence(r, r.between(4, 12))}`,
  (r) => `\t${w(r)}Key := os.Getenv("${w(r).toUpperCase()}_KEY")`,
  (r) => `\treturn &${cap(w(r))}{${cap(w(r))}: ${w(r)}, Digest: "${sha(r, 32)}"}, nil`,
  () => `}`,
  () => ``,
];

const JSON_LINES: LineGen[] = [
  (r) => `  "${camel(r)}": "${sentence(r, 3)}",`,
  (r) => `  "${w(r)}Id": "${uuid(r)}",`,
  (r) => `  "${w(r)}": ${num(r)},`,
  (r) => `  "sha256": "${sha(r, 32)}",`,
  (r) => `  "${w(r)}Key": "${w(r)}-${w(r)}-${num(r)}",`,
  (r) => `  "url": "https://${w(r)}.example.com/${w(r)}/${w(r)}?page=${num(r)}",`,
  (r) => `  "${w(r)}": { "enabled": ${r.chance(0.5)}, "${w(r)}": [${num(r)}, ${num(r)}, ${num(r)}] },`,
];

const YAML: LineGen[] = [
  (r) => `${w(r)}:`,
  (r) => `  ${w(r)}: ${w(r)}-${w(r)}`,
  (r) => `  image: registry.example.com/${w(r)}/${w(r)}@sha256:${sha(r, 32)}`,
  (r) => `  ${w(r)}Ref: ${uuid(r)}`,
  (r) => `    - name: ${w(r).toUpperCase()}_${w(r).toUpperCase()}`,
  (r) => `      valueFrom: { secretKeyRef: { name: ${w(r)}-secret, key: ${w(r)} } }`,
  (r) => `  replicas: ${r.between(1, 12)}`,
  (r) => `# ${sentence(r, r.between(3, 9))}`,
];

const ENV: LineGen[] = [
  (r) => `${w(r).toUpperCase()}_${w(r).toUpperCase()}=${w(r)}`,
  (r) => `${w(r).toUpperCase()}_URL=https://${w(r)}.internal:${r.between(1000, 9999)}/${w(r)}`,
  (r) => `${w(r).toUpperCase()}_PASSWORD=changeme`,
  (r) => `${w(r).toUpperCase()}_TOKEN=\${${w(r).toUpperCase()}_TOKEN}`,
  (r) => `${w(r).toUpperCase()}_PORT=${r.between(1000, 65000)}`,
  (r) => `# ${sentence(r, 5)}`,
];

const INI: LineGen[] = [
  (r) => `[${w(r)}.${w(r)}]`,
  (r) => `${w(r)}_${w(r)} = ${w(r)}`,
  (r) => `${w(r)}.timeout = ${num(r)}`,
  (r) => `${w(r)}_key_file = /etc/${w(r)}/${w(r)}.pem`,
  (r) => `; ${sentence(r, 6)}`,
];

const TF: LineGen[] = [
  (r) => `resource "aws_${w(r)}_${w(r)}" "${w(r)}" {`,
  (r) => `  name     = "${w(r)}-${w(r)}-${num(r)}"`,
  (r) => `  kms_key_id = "arn:aws:kms:us-east-1:${r.string(12, '0123456789')}:key/${uuid(r)}"`,
  (r) => `  tags     = { Team = "${w(r)}", Env = "${r.pick(['dev', 'prod', 'staging'])}" }`,
  (r) => `  ${w(r)}_arn = aws_iam_role.${w(r)}.arn`,
  (r) => `variable "${w(r)}_${w(r)}" { default = "${w(r)}" }`,
  () => `}`,
  () => ``,
];

const MD: LineGen[] = [
  (r) => `## ${sentence(r, r.between(2, 5))}`,
  (r) => `${sentence(r, r.between(12, 40))}. ${sentence(r, r.between(8, 25))}.`,
  (r) => `- ${sentence(r, r.between(4, 12))} (\`${w(r)}.${w(r)}\`)`,
  (r) => `Set \`${w(r).toUpperCase()}_TOKEN\` to your token and \`${w(r).toUpperCase()}_KEY\` to the key ID.`,
  () => ``,
];

const GENERATORS: Record<Exclude<FileKind, 'minjs' | 'lock' | 'b64'>, LineGen[]> = {
  ts: TS,
  py: PY,
  go: GO,
  json: JSON_LINES,
  yaml: YAML,
  env: ENV,
  ini: INI,
  tf: TF,
  md: MD,
};

const MINIFIED_PARTS: LineGen[] = [
  (q) => `function ${q.string(2, 'abcdefghij')}(${q.string(1, 'abcdef')},${q.string(1, 'ghijk')}){return ${q.string(1, 'abc')}.${w(q)}(${num(q)})}`,
  (q) => `var ${q.string(2, 'abcdefghij')}="${w(q)}${cap(w(q))}"`,
  (q) => `${q.string(1, 'xyz')}.${w(q)}=${q.string(1, 'xyz')}.${w(q)}||{}`,
  (q) => `"${uuid(q)}"`,
  (q) => `h="${q.string(40, HEX)}"`,
  (q) => `"data:image/png;base64,${q.string(q.between(40, 400), BASE64)}"`,
];

/** One minified line of 2-40 KB. */
function minifiedLine(r: Random): string {
  const parts: string[] = [];
  let n = 0;
  const target = r.between(2_000, 40_000);
  while (n < target) {
    const s = r.pick(MINIFIED_PARTS)(r);
    parts.push(s);
    n += s.length + 1;
  }
  return parts.join(';');
}

function lockLine(r: Random, name: string): string[] {
  const pkg = `${w(r)}-${w(r)}`;
  const version = `${r.between(0, 9)}.${r.between(0, 30)}.${r.between(0, 20)}`;
  if (name === 'go.sum') return [`github.com/${w(r)}/${pkg} v${version} h1:${r.string(43, BASE64)}=`];
  if (name === 'yarn.lock')
    return [`"${pkg}@^${version}":`, `  version "${version}"`, `  resolved "https://registry.yarnpkg.com/${pkg}/-/${pkg}-${version}.tgz#${sha(r, 20)}"`, `  integrity sha512-${r.string(86, BASE64)}==`, ``];
  return [
    `    "node_modules/${pkg}": {`,
    `      "version": "${version}",`,
    `      "resolved": "https://registry.npmjs.org/${pkg}/-/${pkg}-${version}.tgz",`,
    `      "integrity": "sha512-${r.string(86, BASE64)}==",`,
    `      "license": "MIT"`,
    `    },`,
  ];
}

/**
 * The lines of one file of about `size` bytes. Returns them as an array so planted keys can be put
 * between lines at a known line number.
 */
export function fileLines(r: Random, spec: KindSpec, name: string, size: number): string[] {
  const lines: string[] = [];
  let bytes = 0;
  const push = (line: string): void => {
    lines.push(line);
    bytes += line.length + 1;
  };
  switch (spec.kind) {
    case 'minjs':
      while (bytes < size) push(minifiedLine(r));
      break;
    case 'lock':
      while (bytes < size) for (const l of lockLine(r, name)) push(l);
      break;
    case 'b64':
      push(`# ${w(r)} ${w(r)} snapshot ${uuid(r)}`);
      while (bytes < size) push(r.string(76, BASE64));
      break;
    default: {
      const gens = GENERATORS[spec.kind];
      while (bytes < size) push(r.pick(gens)(r));
    }
  }
  return lines;
}
