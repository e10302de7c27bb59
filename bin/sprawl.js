#!/usr/bin/env node
// sprawl's entry point: checks the Node version, then runs the compiled CLI (dist/), or the
// TypeScript sources directly in a git checkout that has not been built (Node >= 22.18 strips types).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `sprawl needs Node.js >= 22.12; this is ${process.versions.node}.\n` +
      'Install a current Node.js, or from a checkout run ./scripts/with-node.sh, which brings Node 24 along.\n',
  );
  process.exit(2);
}

const { existsSync } = await import('node:fs');
const compiled = new URL('../dist/cli/main.js', import.meta.url);
let entry = compiled;
if (process.env.SPRAWL_FROM_SOURCE === '1' || !existsSync(compiled)) {
  // Type stripping is on by default from Node 22.18 and 23.6.
  const strips = major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
  if (!strips) {
    process.stderr.write('sprawl: this checkout is not built; run `npm run build` first (or use Node >= 22.18)\n');
    process.exit(2);
  }
  entry = new URL('../src/cli/main.ts', import.meta.url);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
