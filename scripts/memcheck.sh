#!/usr/bin/env bash
# Runs the Rust unit tests under valgrind's memcheck: any invalid read or write, use of
# uninitialised memory, or definite leak fails. The Argon2id vector test is skipped: 256 MiB of
# memory-hard hashing takes minutes under valgrind (the JS tests cover that path natively).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cargo test --lib --no-run --message-format=json 2>/dev/null |
  node -e "let s='';process.stdin.on('data',(d)=>(s+=d)).on('end',()=>{for(const l of s.split('\n')){try{const j=JSON.parse(l);if(j.executable&&j.target.kind.includes('lib'))console.log(j.executable)}catch{}}})")
valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
  --show-possibly-lost=no --show-reachable=no -q "$bin" --skip derive_matches --test-threads=2
echo "memcheck: clean"
