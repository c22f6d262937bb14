#!/usr/bin/env bash
# The C ABI check: builds libholdfast.so with debug info, dumps the ABI of the functions and
# types that include/holdfast/holdfast_c.h declares (abi-dumper, restricted to that header), and
# compares the dump with the baseline kept here, abi/holdfast_c.abi (abi-compliance-checker,
# binary and source compatibility). Any break fails the script with the checker's summary and
# the path of its HTML report. Adding functions is compatible.
#
#   abi/check_abi.sh            check against the baseline (CI)
#   abi/check_abi.sh --update   regenerate the baseline on purpose (abi/README.md says when)
#
# --update refuses to record a break unless the SONAME changed too (abi/SONAME holds the
# baseline's), so a break always comes with a new major version. Environment:
#   HOLDFAST_ABI_BUILD_DIR   build directory (default build/ci-abi; configured with
#                            HOLDFAST_BUILD_SHARED=ON, RelWithDebInfo)
#   HOLDFAST_JOBS            parallel build jobs (default 2)
# Needs abi-dumper, abi-compliance-checker and universal-ctags (Debian packages).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

update=0
case ${1:-} in
  "") ;;
  --update) update=1 ;;
  *) echo "usage: abi/check_abi.sh [--update]" >&2; exit 2 ;;
esac

# abi-dumper reads the public header's declarations with ctags (universal-ctags).
for tool in abi-dumper abi-compliance-checker ctags objdump; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "check_abi: $tool is missing (apt-get install abi-dumper abi-compliance-checker" \
      "universal-ctags)" >&2
    exit 1
  }
done

build=${HOLDFAST_ABI_BUILD_DIR:-build/ci-abi}
[[ $build == /* ]] || build=$root/$build
baseline=$root/abi/holdfast_c.abi
baseline_soname=$root/abi/SONAME

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHOLDFAST_BUILD_SHARED=ON \
  -DHOLDFAST_WERROR=ON -DHOLDFAST_SANITIZE= -DHOLDFAST_BUILD_EXAMPLES=OFF \
  -DHOLDFAST_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "${HOLDFAST_JOBS:-2}" --target holdfast_shared

library=$(readlink -f "$build/libholdfast.so")
version=${library##*.so.}
soname=$(objdump -p "$library" | awk '$1 == "SONAME" { print $2 }')
[[ -n $soname ]] || { echo "check_abi: $library has no SONAME" >&2; exit 1; }

# The dump: only what holdfast_c.h declares (the library's C++ API is not checked here).
work=$build/abi
rm -rf "$work" && mkdir -p "$work"
echo "$root/include/holdfast/holdfast_c.h" >"$work/public_headers.list"
abi-dumper "$library" -o "$work/holdfast_c.abi" -vnum "$version" \
  -public-headers "$work/public_headers.list" >"$work/dump.log" 2>&1 ||
  { cat "$work/dump.log" >&2; exit 1; }
symbols=$(grep -c "'ShortName' => 'hf_" "$work/holdfast_c.abi" || true)
echo "check_abi: dumped $symbols hf_ functions of $library ($soname)"
if ((symbols < 40)); then
  echo "check_abi: expected the whole C ABI in the dump; was the library built with -g?" >&2
  exit 1
fi

# compare: 0 when the dump is compatible with the baseline; the checker's files stay in $work.
compare() {
  local status=0
  (cd "$work" && abi-compliance-checker -l holdfast_c -old "$baseline" -new holdfast_c.abi \
    -report-path compat_report.html >compare.log 2>&1) || status=$?
  grep -E "compatibility|problems|report|ERROR" "$work/compare.log" || true
  if ((status != 0)) && [[ -f $work/compat_report.html ]]; then
    # The report's problem sections as text: each changed symbol or type, the change, its effect.
    sed -e 's/<[^>]*>/ /g' -e 's/&#160;\|&nbsp;/ /g' -e 's/&#8675;/->/' -e 's/  */ /g' \
      "$work/compat_report.html" |
      awk '/^ *Problems with [A-Za-z ]*, [A-Za-z]* Severity/ { on = 1 } /to the top/ { on = 0 }
           on && NF { print "  |" $0 }'
  fi
  return "$status"
}

if ((update)); then
  if [[ -f $baseline ]] && ! compare; then
    if [[ $soname == "$(cat "$baseline_soname")" ]]; then
      echo "check_abi: the C ABI broke but the SONAME is still $soname: raise" \
        "HOLDFAST_VERSION_MAJOR (include/holdfast/version.h) before recording a break" >&2
      exit 1
    fi
    echo "check_abi: recording a break with the new SONAME $soname"
  fi
  cp "$work/holdfast_c.abi" "$baseline"
  echo "$soname" >"$baseline_soname"
  echo "check_abi: baseline updated: abi/holdfast_c.abi, abi/SONAME ($soname); commit both"
  exit 0
fi

[[ -f $baseline ]] || { echo "check_abi: no baseline; run abi/check_abi.sh --update" >&2; exit 1; }
if ! compare; then
  echo "check_abi: FAILED: the C ABI is not compatible with abi/holdfast_c.abi" \
    "(report: $work/compat_report.html)." >&2
  echo "  A break needs a new SONAME (HOLDFAST_VERSION_MAJOR) and abi/check_abi.sh --update;" \
    "see abi/README.md." >&2
  exit 1
fi
if [[ $soname != "$(cat "$baseline_soname")" ]]; then
  echo "check_abi: FAILED: SONAME $soname, baseline $(cat "$baseline_soname"):" \
    "run abi/check_abi.sh --update" >&2
  exit 1
fi
echo "check_abi: OK: the C ABI of $soname is compatible with abi/holdfast_c.abi"
