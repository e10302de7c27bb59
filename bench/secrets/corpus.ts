/**
 * The benchmark corpus: `size` MB of source-like files (a few KB to a few hundred KB each) in
 * package folders of about 5 MB, with a known set of planted fake keys. Seeded: the same seed and
 * size give the same bytes. Runs on its own too:
 *   node bench/secrets/corpus.ts <dir> [--size-mb 200] [--seed sprawl]
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { KINDS, fileLines } from './content.ts';
import type { KindSpec } from './content.ts';
import { PLANT_KINDS, makePlant } from './plant.ts';
import type { PlantKind, Planted } from './plant.ts';
import { createRandom } from './random.ts';
import type { Random } from './random.ts';

export interface CorpusOptions {
  /** Where to write; the corpus goes in `<dir>` itself. */
  dir: string;
  sizeMb: number;
  seed?: string;
  /** Planted keys (or key pairs, PEM blocks) per MB. */
  plantsPerMb?: number;
  /** Plant GitHub tokens (only when the checksum is known to be right). */
  github?: boolean;
}

export interface Corpus {
  root: string;
  files: number;
  bytes: number;
  planted: Planted[];
  /** Top-level package folders, in order, with their sizes: subsets are prefixes of this list. */
  packages: { name: string; bytes: number }[];
  ms: number;
}

const PACKAGE_BYTES = 5 * 1024 * 1024;
const DIRS = ['src', 'src/lib', 'src/api', 'src/internal', 'config', 'deploy', 'docs', 'scripts', 'test', 'vendor'];
const IN_FLIGHT = 32;

export async function generateCorpus(opts: CorpusOptions): Promise<Corpus> {
  const started = performance.now();
  const r = createRandom(opts.seed ?? 'sprawl-secrets-bench');
  const target = opts.sizeMb * 1024 * 1024;
  const plantChance = (opts.plantsPerMb ?? 5) / 1024 / 1024;
  const kinds = PLANT_KINDS.filter((k) => k !== 'aws-secret-access-key' && (opts.github !== false || k !== 'github-pat'));
  const totalWeight = KINDS.reduce((s, k) => s + k.weight, 0);
  const planted: Planted[] = [];
  const packages: Corpus['packages'] = [];
  const pending: Promise<void>[] = [];
  const madeDirs = new Set<string>();
  let bytes = 0;
  let files = 0;

  while (bytes < target) {
    const pkg = { name: `pkg-${String(packages.length).padStart(3, '0')}`, bytes: 0 };
    packages.push(pkg);
    while (pkg.bytes < PACKAGE_BYTES && bytes < target) {
      const spec = pickKind(r, totalWeight);
      const name = fileName(r, spec, files);
      const dir = `${pkg.name}/${r.pick(DIRS)}`;
      const rel = `${dir}/${name}`;
      // log-uniform size in the kind's range
      const [lo, hi] = spec.size;
      const size = Math.round(lo * Math.pow(hi / lo, r.next()));
      const lines = fileLines(r, spec, name, size);
      const plants = countPlants(r, size * plantChance);
      const here: Planted[] = [];
      for (let p = 0; p < plants; p++) {
        const kind: PlantKind = r.pick(kinds);
        const plant = makePlant(r, kind, spec.syntax);
        let at = r.int(lines.length + 1);
        // never inside an earlier plant (a PEM block, an AWS pair): after it
        for (const earlier of here) if (at > earlier.startLine - 1 && at <= earlier.endLine - 1) at = earlier.endLine;
        lines.splice(at, 0, ...plant.lines);
        // lines at or after `at` move down
        for (const earlier of here) {
          if (earlier.startLine > at) {
            earlier.startLine += plant.lines.length;
            earlier.endLine += plant.lines.length;
          }
        }
        for (const k of plant.keys) here.push({ kind: k.kind, path: rel, startLine: at + k.first + 1, endLine: at + k.last + 1 });
      }
      planted.push(...here);
      const text = lines.join('\n') + '\n';
      const size8 = Buffer.byteLength(text);
      bytes += size8;
      pkg.bytes += size8;
      files += 1;
      if (!madeDirs.has(dir)) {
        mkdirSync(join(opts.dir, dir), { recursive: true });
        madeDirs.add(dir);
      }
      pending.push(writeFile(join(opts.dir, rel), text));
      if (pending.length >= IN_FLIGHT) await pending.shift();
    }
  }
  await Promise.all(pending);
  return { root: opts.dir, files, bytes, planted, packages, ms: performance.now() - started };
}

function pickKind(r: Random, totalWeight: number): KindSpec {
  let x = r.next() * totalWeight;
  for (const k of KINDS) {
    x -= k.weight;
    if (x < 0) return k;
  }
  return KINDS[0]!;
}

function fileName(r: Random, spec: KindSpec, n: number): string {
  const end = r.pick(spec.names);
  if (!end.startsWith('.')) return `${n}-${end}`;
  if (spec.kind === 'env') return `${n}${end}`;
  return `${r.pick(['main', 'index', 'client', 'server', 'handler', 'util', 'model', 'routes', 'settings', 'store'])}-${n}${end}`;
}

/** A Poisson-ish count with mean `mean` (a file gets 0, 1, sometimes 2 or more). */
function countPlants(r: Random, mean: number): number {
  let n = 0;
  let p = r.next();
  const limit = Math.exp(-mean);
  while (p > limit) {
    n += 1;
    p *= r.next();
  }
  return n;
}

async function writeFile(path: string, text: string): Promise<void> {
  const out = createWriteStream(path);
  out.end(text);
  await once(out, 'finish');
}

export function describeCorpus(c: Corpus): string {
  const byKind = new Map<string, number>();
  for (const p of c.planted) byKind.set(p.kind, (byKind.get(p.kind) ?? 0) + 1);
  const kinds = [...byKind].map(([k, n]) => `${k} ${n}`).join(', ');
  return (
    `corpus: ${c.files.toLocaleString('en-US')} files, ${(c.bytes / 1024 / 1024).toFixed(1)} MB in ${c.packages.length} packages, ` +
    `written in ${(c.ms / 1000).toFixed(1)} s (${(c.bytes / 1024 / 1024 / (c.ms / 1000)).toFixed(0)} MB/s)\n` +
    `planted: ${c.planted.length} keys (${kinds})`
  );
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const dir = args.find((a) => !a.startsWith('--'));
  if (!dir) throw new Error('usage: node bench/secrets/corpus.ts <dir> [--size-mb 200] [--seed s]');
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  mkdirSync(dir, { recursive: true });
  const corpus = await generateCorpus({ dir, sizeMb: Number(flag('--size-mb') ?? 200), seed: flag('--seed') });
  console.log(describeCorpus(corpus));
}
