#!/usr/bin/env bash
# Regenerates bindings/src/generated/java and native-shim/src/layout_probes.c from the
# installed DPDK headers (see bindings/README.md). Commit the result.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! /usr/bin/python3 -c 'import clang.cindex' 2>/dev/null; then
    echo "python3-clang is missing: apt-get install python3-clang" >&2
    exit 1
fi
exec /usr/bin/python3 bindings/gen/gen_bindings.py "$@"
