#!/usr/bin/env bash
# Scan throughput of this checkout against an earlier revision, on the same corpus, in one run:
#   benches/compare-with.sh REV
# Builds REV in a temporary git worktree, gives it this checkout's fixture pages as its corpus,
# then runs both `scan` benches back to back and prints each one's scan/parse throughput ratio.
set -euo pipefail
rev=${1:?usage: benches/compare-with.sh REV}
here=$(cd "$(dirname "$0")/.." && pwd)
before=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$before" >/dev/null 2>&1 || true' EXIT
git -C "$here" worktree add --detach "$before" "$rev" >/dev/null
rm -f "$before"/fixtures/pages/*.html
cp "$here"/fixtures/pages/*.html "$before"/fixtures/pages/
# Each tree builds in its own target directory, where its bench reads criterion's estimates.
unset CARGO_TARGET_DIR
(cd "$before" && cargo bench --bench scan --no-run -q)
(cd "$here" && cargo bench --bench scan --no-run -q)
echo "== before: $rev"
(cd "$before" && cargo bench -q --bench scan 2>/dev/null | grep -E 'corpus:|MB/s|ratio|share')
echo "== after: $(git -C "$here" rev-parse --short HEAD) (working tree)"
(cd "$here" && cargo bench -q --bench scan 2>/dev/null | grep -E 'corpus:|MB/s|ratio|share')
