#!/usr/bin/env bash
# JIT check of the benchmark matrix: runs every model's Step, many-agent Step, TrainBatch, Forward, AccumulateGradients and TrainStep
# (RnnGen.Benchmarks --jit-check: Elman/LSTM/GRU x hidden 16..256, often enough and with pauses so that tiered
# compilation reaches each method's final code) with the JIT's per-method summary switched on, then fails (exit 1)
# if any method of a generated model was compiled with MinOpts: the JIT gives up optimizing methods that are too
# large, and such a kernel runs many times slower (docs/benchmarks.md, "JIT check"); or if optimized generated code
# still calls an RnnMath activation (the JIT stops inlining in methods with too many locals).
#
#   benchmarks/jit-check.sh [output-folder]   # default: benchmarks/RnnGen.Benchmarks/BenchmarkDotNet.Artifacts/jit-check
#
# It runs once per SIMD path the generated code has, since each path is its own set of methods: the machine's
# widest (Vector512 on AVX-512), then DOTNET_EnableAVX512=0 (Vector256) and DOTNET_EnableAVX2=0 (Vector128).
# Tiered compilation stays at its default. Each summary line reads
#   "  42: JIT compiled RnnGen.Benchmarks.LstmH64:__Layer0Forward512(byref,...) [FullOpts, IL size=..., code size=...]"
# where the level is Tier0 / Instrumented Tier0 / Tier1 / Tier1-OSR / FullOpts (AggressiveOptimization) / MinOpts.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
project="$here/RnnGen.Benchmarks"
out="${1:-$project/BenchmarkDotNet.Artifacts/jit-check}"
mkdir -p "$out"

dotnet build "$project" -c Release -nologo -v quiet

# Methods of the generated models (and their nested State structs): RnnGen.Benchmarks.{Elman,Lstm,Gru}H<hidden>, their
# bfloat16 twins {Elman,Lstm,Gru}H<hidden>BFloat16, and the token and dropout models CharLstm128 and DropoutGru128
model='RnnGen\.Benchmarks\.((Elman|Lstm|Gru)H[0-9]+(BFloat16)?|CharLstm128|DropoutGru128)[:+]'
failed=0

check() {   # check <label> [VAR=value ...]
  local label="$1"; shift
  local summary="$out/jit-summary-$label.txt"
  rm -f "$summary"
  echo "== jit-check ($label${*:+: $*})"
  env "$@" DOTNET_JitStdOutFile="$summary" DOTNET_JitDisasmSummary=1 DOTNET_JitDisasm='*' \
    dotnet "$project/bin/Release/net10.0/RnnGen.Benchmarks.dll" --jit-check | tail -1
  if [ ! -s "$summary" ]; then
    echo "jit-check: no JIT summary was written to $summary" >&2
    failed=1
    return
  fi

  local generated final largest unoptimized minopts
  generated="$(grep -E "JIT compiled $model" "$summary" || true)"
  if [ -z "$generated" ]; then
    echo "jit-check: no method of a generated model in $summary" >&2
    failed=1
    return
  fi

  # the level each method was last compiled at (its steady-state code)
  final="$(printf '%s\n' "$generated" | sed -E 's/^ *[0-9]+: JIT compiled ([^ ]+).*\[([^,]*), IL size=([0-9]+).*/\1\t\2\t\3/' \
    | awk -F'\t' '{ last[$1] = $2 "\t" $3 } END { for (m in last) print m "\t" last[m] }' | sort)"
  echo "$(printf '%s\n' "$generated" | wc -l) compilations of $(printf '%s\n' "$final" | wc -l) generated-model methods; last compilation of each:"
  printf '%s\n' "$final" | cut -f2 | sed -E 's/ @0x[0-9a-f]+//' | sort | uniq -c | sed 's/^/  /'
  # sed, not head: head closes the pipe early, sort dies of SIGPIPE and pipefail ends the script with exit 141
  largest="$(printf '%s\n' "$final" | sort -t$'\t' -k3,3nr | sed -n 1,3p)"
  echo "largest (IL bytes):"
  printf '%s\n' "$largest" | awk -F'\t' '{ printf "  %6d  %-10s %s\n", $3, $2, $1 }'

  # Hot-path entry points and kernels (Step, Forward, AccumulateGradients, TrainStep, __*) still at tier 0 at the
  # end; setup-time methods (constructors, InitializeParameters, ParameterIndex) and accessors inlined into
  # optimized callers stay at tier 0 by design and are not listed.
  unoptimized="$(printf '%s\n' "$final" | awk -F'\t' '$2 ~ /Tier0/ && $1 ~ /:(Step|Forward|AccumulateGradients|TrainStep|__[A-Za-z0-9_]+)\(/' || true)"
  if [ -n "$unoptimized" ]; then
    echo "note: hot-path methods still at tier 0 at the end (not a failure):"
    printf '%s\n' "$unoptimized" | awk -F'\t' '{ printf "  %-20s %s\n", $2, $1 }'
  fi

  # Activations the JIT did not inline into optimized generated code: each RnnMath.Sigmoid / Tanh / … left as a call
  # passes its vectors through memory (and may run tier-0 code), e.g. the Vector512 many-agent kernels before their
  # epilogue got its own method (issue 17: LSTM 32 agents 1.8x slower than single steps on Zen 4).
  outofline="$(awk -v model="$model" '
    /^; Assembly listing for method / { name = $0; sub(/^; Assembly listing for method /, "", name); gen = (name ~ model); opt = (name ~ /\((FullOpts|Tier1)/); next }
    gen && opt && /call +.*RnnGen\.RnnMath:/ { calls[name]++ }
    END { for (m in calls) print "  " calls[m] " call(s) in " m }' "$summary" | sort)"
  if [ -n "$outofline" ] && [ "$label" = vector128 ]; then
    # DOTNET_EnableAVX2=0 also turns off FMA: RnnMath's no-FMA fallback (the rational in double) is too large for the
    # JIT to inline anywhere, single-step kernels included, so on this path calls are expected and not a failure.
    echo "note ($label): $(printf '%s\n' "$outofline" | wc -l) optimized generated-model methods call RnnMath (the no-FMA fallback is not inlined; not a failure)"
  elif [ -n "$outofline" ]; then
    echo "jit-check: FAILED ($label): optimized generated-model methods call RnnMath instead of inlining it:" >&2
    printf '%s\n' "$outofline" >&2
    failed=1
  else
    echo "passed ($label): every optimized generated-model method inlines its RnnMath activations"
  fi

  minopts="$(printf '%s\n' "$generated" | grep -iE '\[[^]]*(minopts|min-opts)' || true)"
  if [ -n "$minopts" ]; then
    echo "jit-check: FAILED ($label): generated-model methods compiled with MinOpts:" >&2
    printf '%s\n' "$minopts" | sed 's/^/  /' >&2
    failed=1
  else
    echo "passed ($label): no generated-model method compiled with MinOpts"
  fi
}

check native
check vector256 DOTNET_EnableAVX512=0
check vector128 DOTNET_EnableAVX2=0

if [ "$failed" -ne 0 ]; then
  echo "jit-check: FAILED (summaries in $out)" >&2
  exit 1
fi
echo "jit-check: passed on every SIMD path (summaries in $out)"
