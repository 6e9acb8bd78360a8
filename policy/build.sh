#!/bin/sh
# Build this policy with GNU m4 and checkpolicy, in the same way as
# Xen's tools/flask/policy Makefile (until "flaskc build" replaces it).
#
# usage: policy/build.sh [-M] [-o OUTPUT] [-E]
#   -M         build the MLS policy (m4 -D enable_mls, checkpolicy -M)
#   -o OUTPUT  binary policy to write (default: ./xenpolicy)
#   -E         only print the m4 output (the policy.conf) on stdout
# Environment: M4, CHECKPOLICY, POLICY_VERSION (30), MLS_SENS (16),
# MLS_CATS (256), M4_EXTRA (more m4 options, e.g. -D NAME_override=true).
set -e
here=$(cd "$(dirname "$0")" && pwd)
out=$(pwd)/xenpolicy
mls=
only_m4=
while [ $# -gt 0 ]; do
	case "$1" in
	-M) mls=1 ;;
	-o) shift; case "$1" in /*) out=$1 ;; *) out=$(pwd)/$1 ;; esac ;;
	-E) only_m4=1 ;;
	*) echo "usage: $0 [-M] [-o OUTPUT] [-E]" >&2; exit 2 ;;
	esac
	shift
done
M4=${M4:-m4}
CHECKPOLICY=${CHECKPOLICY:-checkpolicy}
cd "$here"
hv=$(sed -n 's/^[ \t]*hypervisor_policy[ \t]*=[ \t]*"\(.*\)".*/\1/p' flaskc.toml)
hv=${hv:-xsm}
enabled=$(awk '/^[ \t]*[a-zA-Z]/ { if ($3 == "on") print $1 }' modules/modules.conf)
ifs= tes= cons=
for m in $enabled; do
	[ -f "modules/$m.if" ] && ifs="$ifs modules/$m.if"
	tes="$tes modules/$m.te"
	[ -f "modules/$m.cons" ] && cons="$cons modules/$m.cons"
done
spt=$(ls policy/support/*.spt | LC_ALL=C sort)
m4opts="-D self_contained_policy -s -D mls_num_sens=${MLS_SENS:-16} -D mls_num_cats=${MLS_CATS:-256}"
cpopts="-t Xen -c ${POLICY_VERSION:-30}"
if [ -n "$mls" ]; then
	m4opts="$m4opts -D enable_mls"
	cpopts="$cpopts -M"
fi
# shellcheck disable=SC2086
set -- $hv/security_classes policy/security_classes $hv/initial_sids \
	$hv/access_vectors policy/access_vectors $spt policy/mls $ifs \
	policy/global_tunables $tes policy/users $cons policy/initial_sids \
	policy/device_contexts
if [ -n "$only_m4" ]; then
	# shellcheck disable=SC2086
	exec $M4 $m4opts $M4_EXTRA "$@"
fi
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
# shellcheck disable=SC2086
$M4 $m4opts $M4_EXTRA "$@" > "$tmp"
# shellcheck disable=SC2086
$CHECKPOLICY $cpopts -o "$out" "$tmp"
