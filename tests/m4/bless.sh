#!/bin/sh
# Regenerates the golden files NAME.out / NAME.err from GNU m4 1.4.19 (run from anywhere).
# NAME.args holds extra command-line arguments, one per line. NAME.err ends with the exit
# status as `[exit N]`. Cases listed in KNOWN_DIFFERENT keep flaskc's own stderr, where
# flaskc deliberately reports a better location than GNU m4.
set -eu
cd "$(dirname "$0")"
KNOWN_DIFFERENT="err_eof_args"
for f in *.m4; do
    name=${f%.m4}
    set --
    if [ -f "$name.args" ]; then
        while IFS= read -r a; do set -- "$@" "$a"; done < "$name.args"
    fi
    status=0
    m4 "$@" "$f" > "$name.out" 2> "$name.err" || status=$?
    echo "[exit $status]" >> "$name.err"
    case " $KNOWN_DIFFERENT " in
    *" $name "*)
        status=0
        ../../target/debug/flaskc m4 "$@" "$f" > /dev/null 2> "$name.err" || status=$?
        echo "[exit $status]" >> "$name.err" ;;
    esac
done
