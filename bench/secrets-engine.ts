/**
 * Benchmark: single-threaded throughput of the secret detection engine (all rules, generic
 * included) on ~50 MB of generated source-like text: code, JSON, YAML, .env lines, base64 blobs,
 * hex hashes, UUIDs, minified JS, with a few planted fake keys. Prints figures, asserts nothing.
 *   node bench/secrets-engine.ts [megabytes=50] [rounds=3]
 */
import { createScanner } from '../src/collectors/repos/engine/index.ts';
import { SECRET_RULES } from '../src/collectors/repos/rules/index.ts';

const targetMb = Number(process.argv[2] ?? 50);
const rounds = Number(process.argv[3] ?? 3);

let seed = 0x5eed;
const rnd = (): number => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const chars = (alphabet: string, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
  return s;
};
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const HEX = '0123456789abcdef';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const uuid = (): string => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-a${chars(HEX, 3)}-${chars(HEX, 12)}`;
const ident = (): string =>
  pick(['user', 'request', 'response', 'config', 'options', 'result', 'value', 'items', 'index', 'handler', 'token',
    'session', 'client', 'cache', 'buffer', 'path', 'key', 'auth', 'data', 'count', 'name', 'service', 'logger']);

const generators: (() => string)[] = [
  // TypeScript / JavaScript
  () => `  const ${ident()}${pick(['', 'Id', 'Map', 'List'])} = await this.${ident()}.${pick(['get', 'find', 'load', 'resolve'])}(${ident()}, { ${ident()}: ${Math.floor(rnd() * 1000)} });\n`,
  () => `  if (!${ident()}.${ident()}) throw new Error(\`missing ${ident()} for \${${ident()}.id}\`);\n`,
  () => `export function ${ident()}${pick(['Handler', 'Factory', 'ToString'])}(${ident()}: string, ${ident()}?: number): boolean {\n  return ${ident()}.length > 0;\n}\n`,
  () => `  // TODO: refresh the auth token before it expires; see docs/${ident()}.md\n`,
  () => `import { ${ident()} } from '../${ident()}/${ident()}.ts';\n`,
  () => `  const token = request.headers.authorization?.split(' ')[1] ?? '';\n`,
  () => `  password: z.string().min(12), passwordConfirm: z.string(),\n`,
  // Python / Go
  () => `    ${ident()} = self.${ident()}.get("${ident()}", None)  # type: Optional[str]\n`,
  () => `\tif err := ${ident()}.Validate(ctx, ${ident()}); err != nil {\n\t\treturn nil, fmt.Errorf("validate: %w", err)\n\t}\n`,
  () => `    secret = os.environ.get("APP_SECRET")\n`,
  // JSON (package-lock style)
  () => `    "node_modules/${ident()}-${ident()}": {\n      "version": "${Math.floor(rnd() * 9)}.${Math.floor(rnd() * 20)}.${Math.floor(rnd() * 30)}",\n      "resolved": "https://registry.npmjs.org/${ident()}/-/${ident()}-1.0.0.tgz",\n      "integrity": "sha512-${chars(B64, 86)}==",\n      "license": "MIT"\n    },\n`,
  () => `{"id": "${uuid()}", "${ident()}": "${chars(ALNUM, 12)}", "createdAt": "2024-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 9)}T10:00:00Z", "tags": ["${ident()}", "${ident()}"]}\n`,
  // YAML (Kubernetes, CI)
  () => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${ident()}-${ident()}\n  labels:\n    app: ${ident()}\nspec:\n  replicas: 3\n  template:\n    spec:\n      serviceAccountName: ${ident()}\n      containers:\n        - name: app\n          image: registry.internal/${ident()}:${chars(HEX, 7)}\n          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef: {name: db, key: password}\n`,
  () => `  - run: npm ci && npm test\n    env:\n      GITHUB_TOKEN: \${{ secrets.GITHUB_TOKEN }}\n`,
  // .env / INI
  () => `${pick(['APP', 'DB', 'REDIS', 'API'])}_${pick(['HOST', 'PORT', 'NAME', 'TIMEOUT', 'URL'])}=${pick(['localhost', '5432', 'app', '30s', 'https://api.internal/v1'])}\n`,
  () => `[${ident()}]\n${ident()} = ${Math.floor(rnd() * 100)}\n${ident()}_enabled = true\n`,
  // hashes, UUIDs, base64 blobs
  () => `${chars(HEX, 40)} refs/heads/${ident()}\n`,
  () => `sha256:${chars(HEX, 64)}  ${ident()}.tar.gz\n`,
  () => `${uuid()},${uuid()},${ident()},${Math.floor(rnd() * 1e6)}\n`,
  () => {
    let s = '';
    for (let i = 0; i < 20; i++) s += `${chars(B64, 76)}\n`;
    return s;
  },
  // minified JS: one long line
  () => {
    let s = '!function(e,t){';
    for (let i = 0; i < 200; i++) s += `var ${chars('abcdefghijklmnop', 2)}=${pick(['e', 't', 'n'])}.${ident()}(${pick(['"', "'"])}${ident()}${pick(['"', "'"])}),`;
    return `${s}r=0}(this,function(){return{}});\n`;
  },
  // Markdown
  () => `## ${ident()} ${ident()}\n\nSet the \`${ident()}\` option to configure how the ${ident()} is ${pick(['cached', 'retried', 'authenticated', 'stored'])}. See https://docs.example.com/${ident()}.\n\n`,
];

// Planted fake keys (one of each kind every ~1 MB).
const planted = SECRET_RULES.map((r) => r.samples.match[0]!).filter((s) => s.length < 4000);

const parts: string[] = [];
let size = 0;
let nextPlant = 1 << 20;
let plantedCount = 0;
while (size < targetMb * 1024 * 1024) {
  const chunk = pick(generators)();
  parts.push(chunk);
  size += chunk.length;
  if (size > nextPlant) {
    const p = `${planted[plantedCount % planted.length]!}\n`;
    parts.push(p);
    size += p.length;
    plantedCount++;
    nextPlant += 1 << 20;
  }
}
const corpus = parts.join('');
const bytes = Buffer.byteLength(corpus);

if (process.env.DUMP) (await import("node:fs")).writeFileSync(process.env.DUMP, corpus);
const scanner = createScanner();
const files: string[] = [];
for (let i = 0; i < corpus.length; i += 64 * 1024) files.push(corpus.slice(i, i + 64 * 1024));

let hits = 0;
let best = Infinity;
let bestFiles = Infinity;
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  hits = scanner.scan(corpus).length;
  best = Math.min(best, performance.now() - t0);
  const t1 = performance.now();
  for (const f of files) scanner.scan(f);
  bestFiles = Math.min(bestFiles, performance.now() - t1);
}
const mbs = (ms: number): string => ((bytes / 1024 / 1024) / (ms / 1000)).toFixed(0);
console.log(`corpus: ${(bytes / 1024 / 1024).toFixed(1)} MB, ${SECRET_RULES.length} rules, ${plantedCount} planted, ${hits} hits`);
console.log(`one string:      ${best.toFixed(0)} ms  ${mbs(best)} MB/s`);
console.log(`64 KB "files":   ${bestFiles.toFixed(0)} ms  ${mbs(bestFiles)} MB/s`);
