#!/usr/bin/env bash
# Routing micro-benchmark (issue 4): ns per publish with 10 000 prefix/wildcard subscriptions,
# trie index vs. the linear scan. Compiles the router's index sources with `swiftc -O` directly,
# so it needs no package build: scripts/routing-bench.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
swiftc -O -o "$OUT/routing-bench" \
    "$REPO/Sources/JunctionRouter/Routing/URIPatternIndex.swift" \
    "$REPO/Sources/JunctionRouter/Routing/URIPrefixTrie.swift" \
    "$REPO/Sources/JunctionRouter/Routing/URIWildcardTrie.swift" \
    "$REPO/Sources/JunctionRouter/Authorization/MatchPolicy.swift" "$REPO/scripts/routing-bench/main.swift" 2>&1 | grep -v warning || true
"$OUT/routing-bench"
