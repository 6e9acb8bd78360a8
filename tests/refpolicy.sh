#!/usr/bin/env bash
# The SELinux reference policy, as Debian ships it (selinux-policy-src), compiled by
# checkpolicy 3.4 and by flaskc: the binaries must be byte-identical.
#
# Usage: tests/refpolicy.sh [FLASKC] [--keep DIR] [--types "mcs mls standard"]
#
# Each policy type's policy.conf is made by the package's own Makefile
# (`make MONOLITHIC=y TYPE=T policy.conf`; mcs and mls compile with -M as its Makefile
# passes), then compiled with the flags refpolicy's Rules.monolithic uses
# (`-U deny -S -O -E`) and once more without -O; the reference binary is also read back
# with `-b` and re-written, as it is and with -O. Prints one line per comparison with
# both compilers' times, and `refpolicy: N passed, M failed`; exits 1 when anything
# differs. With --keep DIR the policy.conf files stay in DIR (the benchmarks and the
# isolation work reuse them); without it everything goes in a temporary directory.
# Needs checkpolicy, make, m4, python3 and the selinux-policy-src package.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
flaskc=$here/target/release/flaskc
keep=
types="mcs mls standard"
while [ $# -gt 0 ]; do
    case $1 in
        --keep) keep=$2; shift 2 ;;
        --types) types=$2; shift 2 ;;
        *) flaskc=$(realpath "$1"); shift ;;
    esac
done
src=/usr/src/selinux-policy-src.tar.zst
for need in checkpolicy make m4 python3 "$flaskc" "$src"; do
    if ! command -v "$need" >/dev/null 2>&1 && [ ! -e "$need" ]; then
        echo "refpolicy: $need is missing" >&2
        exit 1
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=${keep:-$work}
mkdir -p "$out"
tar --zstd -xf "$src" -C "$work"
tree=$work/selinux-policy-src

passed=0
failed=0
# Runs a command with its output in $work/log: prints its wall-clock seconds and leaves
# its exit status in $work/status (it runs in a command substitution's subshell).
timed() {
    local start end status=0
    start=$(date +%s.%N)
    "$@" >"$work/log" 2>&1 || status=$?
    end=$(date +%s.%N)
    echo "$status" >"$work/status"
    python3 -c "print(f'{$end - $start:.2f}')"
}

# Compares $work/ref.bin and $work/our.bin (flaskc's exit status in $status) and counts.
verdict() {
    if [ "$status" = 0 ] && cmp -s "$work/ref.bin" "$work/our.bin"; then
        echo "identical  $1  $2"
        passed=$((passed + 1))
    else
        echo "DIFFERENT  $1  (flaskc exit $status)"
        head -n 20 "$work/log"
        failed=$((failed + 1))
    fi
}

for t in $types; do
    make -C "$tree" -s clean >/dev/null 2>&1 || true
    make -C "$tree" -s MONOLITHIC=y TYPE="$t" policy.conf >"$work/make.log" 2>&1 || {
        cat "$work/make.log" >&2
        echo "refpolicy: make TYPE=$t policy.conf failed" >&2
        exit 1
    }
    conf=$out/refpolicy-$t.conf
    cp "$tree/policy.conf" "$conf"
    mls=
    [ "$t" = standard ] || mls=-M
    for flags in "-U deny -S -O -E" "-U deny -S -E"; do
        # shellcheck disable=SC2086
        ref_time=$(timed checkpolicy $mls $flags -o "$work/ref.bin" "$conf")
        if [ "$(cat "$work/status")" != 0 ]; then
            cat "$work/log" >&2
            echo "refpolicy: checkpolicy failed on $t" >&2
            exit 1
        fi
        # shellcheck disable=SC2086
        our_time=$(timed "$flaskc" checkpolicy $mls $flags -o "$work/our.bin" "$conf")
        status=$(cat "$work/status")
        verdict "$t ${mls:+-M }$flags" "(checkpolicy ${ref_time}s, flaskc ${our_time}s)"
    done
    # checkpolicy -b: the reference binary (the one without -O) read back and re-written,
    # as it is and optimized.
    cp "$work/ref.bin" "$work/input.bin"
    for flags in "-b" "-b -O"; do
        # shellcheck disable=SC2086
        checkpolicy $mls $flags -o "$work/ref.bin" "$work/input.bin" >/dev/null 2>&1
        # shellcheck disable=SC2086
        status=0
        "$flaskc" checkpolicy $mls $flags -o "$work/our.bin" "$work/input.bin" >"$work/log" 2>&1 || status=$?
        verdict "$t ${mls:+-M }$flags" ""
    done
done
echo "refpolicy: $passed passed, $failed failed"
[ "$failed" = 0 ]
