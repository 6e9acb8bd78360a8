#!/bin/bash
#
# Builds the starter policy in policy/ with GNU m4 + checkpolicy and
# checks, with sesearch/seinfo (setools), the isolation it promises.
#
# Skips (exit 0) when m4 or checkpolicy is missing; skips only the
# sesearch checks when setools is missing.  Prints "N passed, M failed"
# at the end and exits non-zero when a check failed.
#
# Environment: M4, CHECKPOLICY (tools to use), XEN_TREE (a Xen source
# tree whose xen/xsm/flask/policy files the hypervisor files in
# policy/xsm are compared with; optional).
#
set -u

root=$(cd "$(dirname "$0")/../.." && pwd)
policy="$root/policy"
M4=${M4:-m4}
CHECKPOLICY=${CHECKPOLICY:-checkpolicy}
export M4 CHECKPOLICY

if ! command -v "$M4" >/dev/null 2>&1 || ! command -v "$CHECKPOLICY" >/dev/null 2>&1; then
	echo "check_isolation: skipped: GNU m4 and checkpolicy are needed" \
	     "(apt-get install m4 checkpolicy setools)"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "ok   - $*"; }
fail() { failed=$((failed + 1)); echo "FAIL - $*"; }

# check NAME COMMAND...: the command must succeed.
check() {
	local name=$1; shift
	if "$@" >"$work/out" 2>&1; then
		pass "$name"
	else
		fail "$name"; sed 's/^/       /' "$work/out"
	fi
}

# -------------------------------------------------------------------
# Building
# -------------------------------------------------------------------
(cd "$work" && "$policy/build.sh" -E > policy.conf 2> m4.err)
check "m4 expands the policy without diagnostics" \
	test ! -s "$work/m4.err"
check "non-MLS policy builds (checkpolicy -t Xen -c 30)" \
	"$policy/build.sh" -o "$work/xenpolicy"
check "MLS policy builds (m4 -D enable_mls, checkpolicy -M)" \
	"$policy/build.sh" -M -o "$work/xenpolicy-mls"
check "non-MLS binary reads back (checkpolicy -b -t Xen)" \
	"$CHECKPOLICY" -b -t Xen -c 30 -o "$work/rb" "$work/xenpolicy"
check "MLS binary reads back (checkpolicy -b -M -t Xen)" \
	"$CHECKPOLICY" -b -M -t Xen -c 30 -o "$work/rb-mls" "$work/xenpolicy-mls"

# The neverallow assertions must really stop a bad policy.
cp -r "$policy" "$work/bad"
echo 'allow isolated_domU_t_evchn domU_t:event bind;' >> "$work/bad/modules/domU.te"
if "$work/bad/build.sh" -o "$work/bad.bin" >"$work/out" 2>&1; then
	fail "a rule breaking the isolated_domU_t assertions is rejected"
else
	if grep -q neverallow "$work/out"; then
		pass "a rule breaking the isolated_domU_t assertions is rejected"
	else
		fail "a rule breaking the isolated_domU_t assertions is rejected (not by a neverallow)"
		sed 's/^/       /' "$work/out"
	fi
fi

# Every optional module can be turned off on its own, and all of them
# at once, without breaking the build.
optional=$(awk '/^[ \t]*[a-zA-Z]/ { if ($3 == "on" && $1 != "xen" && $1 != "dom0") print $1 }' \
	"$policy/modules/modules.conf")
for off in $optional "$(echo $optional)"; do
	rm -rf "$work/toggle"
	cp -r "$policy" "$work/toggle"
	for m in $off; do
		sed -i "s/^\([ \t]*$m[ \t]*=[ \t]*\)on/\1off/" "$work/toggle/modules/modules.conf"
	done
	case "$off" in *" "*) what="all optional modules off" ;; *) what="module $off off" ;; esac
	check "builds with $what (MLS and non-MLS)" sh -c \
		'"$1/build.sh" -o "$2/t.bin" && "$1/build.sh" -M -o "$2/t-mls.bin"' sh "$work/toggle" "$work"
done

# The hypervisor files, compared with a Xen tree when one is at hand.
xen_tree=${XEN_TREE:-}
if [ -z "$xen_tree" ]; then
	for d in "$root/../shared/corpus/xen/4.22.0/tree" /work/shared/corpus/xen/4.22.0/tree; do
		[ -d "$d/xen/xsm/flask/policy" ] && xen_tree=$d && break
	done
fi
strip() { sed 's/#.*//' "$1" | tr -s ' \t\n{}' '\n' | sed '/^$/d'; }
if [ -n "$xen_tree" ]; then
	for f in security_classes initial_sids access_vectors; do
		check "policy/xsm/$f has the names and order of the hypervisor" \
			cmp -s <(strip "$xen_tree/xen/xsm/flask/policy/$f") <(strip "$policy/xsm/$f")
	done
else
	echo "skip - policy/xsm compared with Xen (set XEN_TREE to a Xen tree)"
fi

if [ ! -f "$work/xenpolicy" ] || ! command -v sesearch >/dev/null 2>&1 || ! command -v seinfo >/dev/null 2>&1; then
	echo "skip - sesearch checks: need setools and a built policy"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
fi

# -------------------------------------------------------------------
# Queries
# -------------------------------------------------------------------
P="$work/xenpolicy"

# none NAME SESEARCH-ARGS...: the query must succeed and match nothing.
none() {
	local name=$1; shift
	if ! sesearch "$@" "$P" >"$work/out" 2>&1; then
		fail "$name (sesearch $*)"; sed 's/^/       /' "$work/out"
	elif [ -s "$work/out" ]; then
		fail "$name"; sed 's/^/       /' "$work/out"
	else
		pass "$name"
	fi
}

# some NAME SESEARCH-ARGS...: the query must match at least one rule.
some() {
	local name=$1; shift
	if sesearch "$@" "$P" >"$work/out" 2>&1 && [ -s "$work/out" ]; then
		pass "$name"
	else
		fail "$name (sesearch $*)"; sed 's/^/       /' "$work/out"
	fi
}

# only_if NAME COND SESEARCH-ARGS...: at least one rule matches, and
# every matching rule is conditional on COND (e.g. "[ b ]:True").
only_if() {
	local name=$1 cond=$2; shift 2
	if ! sesearch "$@" "$P" >"$work/out" 2>&1 || [ ! -s "$work/out" ]; then
		fail "$name (no rule: sesearch $*)"; sed 's/^/       /' "$work/out"
	elif grep -vF "$cond" "$work/out" >"$work/bad-lines"; then
		fail "$name"; sed 's/^/       /' "$work/bad-lines"
	else
		pass "$name"
	fi
}

bool_default() {
	local name=$1 value=$2
	if seinfo -b "$name" -x "$P" 2>/dev/null | grep -q "bool $name $value;"; then
		pass "boolean $name defaults to $value"
	else
		fail "boolean $name defaults to $value"; seinfo -b "$name" -x "$P" 2>&1 | sed 's/^/       /'
	fi
}

# --- isolated_domU_t talks to dom0 only -----------------------------
some "isolated_domU_t channel ends may bind to dom0" \
	-A -s isolated_domU_t_evchn -t dom0_t -c event -p bind
none "isolated_domU_t has no event right on domU_t" \
	-A -s isolated_domU_t -t domU_t -c event
none "isolated_domU_t cannot send on domU_t channel ends" \
	-A -s isolated_domU_t -t domU_t_evchn -c event -p send
none "isolated_domU_t channel ends cannot bind to domU_t" \
	-A -s isolated_domU_t_evchn -t domU_t -c event -p bind
none "domU_t channel ends cannot bind to isolated_domU_t" \
	-A -s domU_t_evchn -t isolated_domU_t -c event -p bind
none "no channel label for isolated_domU_t -> domU_t" \
	-T -s isolated_domU_t -t domU_t -c event
if sesearch -A -s isolated_domU_t -c event -p send "$P" >"$work/out" 2>&1 &&
   [ -s "$work/out" ] &&
   ! grep -v '^allow isolated_domU_t isolated_domU_t_evchn:event ' "$work/out" >/dev/null; then
	pass "isolated_domU_t sends only on its own channel ends"
else
	fail "isolated_domU_t sends only on its own channel ends"; sed 's/^/       /' "$work/out"
fi
none "isolated_domU_t cannot map domU_t grants" \
	-A -s isolated_domU_t -t domU_t -c grant
none "domU_t cannot map isolated_domU_t grants" \
	-A -s domU_t -t isolated_domU_t -c grant
none "xenstore_t cannot map isolated_domU_t grants" \
	-A -s xenstore_t -t isolated_domU_t -c grant
some "dom0 may map isolated_domU_t grants (back-ends)" \
	-A -s dom0_t -t isolated_domU_t -c grant -p map_read
sesearch -A -t isolated_domU_t -c grant -p map_read,map_write,copy,transfer "$P" \
	| grep -Ev '^allow (dom0_t|isolated_domU_t) ' >"$work/out"
if [ -s "$work/out" ]; then
	fail "no domain but dom0 may map isolated_domU_t grants"; sed 's/^/       /' "$work/out"
else
	pass "no domain but dom0 may map isolated_domU_t grants"
fi

# --- introspection_t inspects but does not control ------------------
some "introspection_t may map domU_t memory read-only" \
	-A -s introspection_t -t domU_t -c mmu -p map_read
some "introspection_t may read domU_t vCPU state" \
	-A -s introspection_t -t domU_t -c domain -p getvcpucontext
none "introspection_t cannot pause/unpause/destroy domU_t" \
	-A -s introspection_t -t domU_t -c domain -p pause,unpause,destroy,shutdown
none "introspection_t cannot set domU_t vCPU state" \
	-A -s introspection_t -t domU_t -c domain -p setvcpucontext
none "introspection_t cannot map domU_t memory writable" \
	-A -s introspection_t -t domU_t -c mmu -p map_write
none "introspection_t has no vm_event/mem_access on domU_t" \
	-A -s introspection_t -t domU_t -c domain2 -p vm_event,mem_access,mem_paging
some "dom0 creates introspection_t" \
	-A -s dom0_t -t introspection_t -c domain -p create

# --- prot_domU_t creation only while prot_doms_locked is false ------
bool_default prot_doms_locked false
only_if "prot_domU_t creation depends on !prot_doms_locked" \
	"[ prot_doms_locked ]:False" -A -t prot_domU_t -c domain -p create
some "dom0 still manages prot_domU_t unconditionally" \
	-A -s dom0_t -t prot_domU_t -c domain -p destroy

# --- nomigrate_t memory is out of dom0 reach after build ------------
some "dom0 loads nomigrate_t_build memory" \
	-A -s dom0_t -t nomigrate_t_build -c mmu -p map_write
some "dom0 relabels nomigrate_t_build to nomigrate_t" \
	-A -s dom0_t -t nomigrate_t -c domain2 -p relabelto
some "nomigrate_t_build may become nomigrate_t" \
	-A -s nomigrate_t_build -t nomigrate_t -c domain -p transition
none "dom0 cannot map nomigrate_t memory" \
	-A -s dom0_t -t nomigrate_t -c mmu -p map_read,map_write
none "no domain can map nomigrate_t memory" \
	-A -t nomigrate_t -c mmu -p map_read,map_write
none "dom0 cannot read nomigrate_t vCPU or HVM state" \
	-A -s dom0_t -t nomigrate_t -c hvm -p gethvmc
none "dom0 cannot turn on dirty logging of nomigrate_t" \
	-A -s dom0_t -t nomigrate_t -c shadow -p logdirty
some "dom0 can still destroy nomigrate_t" \
	-A -s dom0_t -t nomigrate_t -c domain -p destroy

# --- pass-through only under allow_pci_passthrough ------------------
bool_default allow_pci_passthrough false
only_if "domU_t use of nic_dev_t depends on allow_pci_passthrough" \
	"[ allow_pci_passthrough ]:True" -A -s domU_t -t nic_dev_t -c resource
sesearch -A -c resource -p use_iommu,use_iommu_nointremap,use_noiommu "$P" \
	| grep -v '^allow dom0_t ' >"$work/out"
if [ ! -s "$work/out" ]; then
	fail "guests get device use rights only under allow_pci_passthrough (no such rule)"
elif grep -vF "[ allow_pci_passthrough ]:True" "$work/out" >"$work/bad-lines"; then
	fail "guests get device use rights only under allow_pci_passthrough"; sed 's/^/       /' "$work/bad-lines"
else
	pass "guests get device use rights only under allow_pci_passthrough"
fi
sesearch -A -s dom0_t -c resource -p add,remove "$P" \
	| grep -v '^allow dom0_t dom0_t:' >"$work/out"
if [ -s "$work/out" ] && ! grep -vF "[ allow_pci_passthrough ]:True" "$work/out" >"$work/bad-lines"; then
	pass "dom0 hands devices to guests only under allow_pci_passthrough"
else
	fail "dom0 hands devices to guests only under allow_pci_passthrough"; sed 's/^/       /' "$work/out"
fi
only_if "guest I/O memory mappings depend on allow_pci_passthrough" \
	"[ allow_pci_passthrough ]:True" -A -s domU_t -t domio_t -c mmu
# seinfo 4.4 does not print the Xen device statements, so ask the
# setools library (with the Python that runs sesearch) directly.
py=$(sed -n '1s/^#! *//p' "$(command -v sesearch)" | awk '{ print $1 }')
if [ -n "$py" ] && "$py" - "$P" >"$work/out" 2>&1 <<'PYEOF'
import sys, setools
p = setools.SELinuxPolicy(sys.argv[1])
for kind in ("pcidevicecons", "pirqcons", "iomemcons", "ioportcons"):
    for o in getattr(p, kind)():
        print(kind, o)
PYEOF
then
	for kind in pcidevicecons pirqcons iomemcons ioportcons; do
		if grep -q "^$kind .*:nic_dev_t" "$work/out"; then
			pass "device_contexts labels a ${kind%s} nic_dev_t"
		else
			fail "device_contexts labels a ${kind%s} nic_dev_t"; sed 's/^/       /' "$work/out"
		fi
	done
else
	echo "skip - device labels: the setools Python library is not usable"
fi

# --- guest console writes under guest_writeconsole ------------------
bool_default guest_writeconsole true
only_if "guest console writes depend on guest_writeconsole" \
	"[ guest_writeconsole ]:True" -A -s domU_t -t xen_t -c xen -p writeconsole

# --- device model and xenstore domains ------------------------------
some "dm_dom_t may emulate devices for its target guest" \
	-A -s dm_dom_t -t domU_t_target -c hvm -p dm
none "dm_dom_t has no rights on domU_t guests it does not serve" \
	-A -s dm_dom_t -t domU_t -c mmu
some "xenstore_t may bind to domU_t" \
	-A -s xenstore_t_evchn -t domU_t -c event -p bind
none "xenstore_t cannot bind to isolated_domU_t" \
	-A -s xenstore_t_evchn -t isolated_domU_t -c event -p bind

# --- MLS build -------------------------------------------------------
if seinfo "$work/xenpolicy-mls" 2>/dev/null | grep -Eq 'Sensitivities: +16 +Categories: +256'; then
	pass "MLS policy has 16 sensitivities and 256 categories"
else
	fail "MLS policy has 16 sensitivities and 256 categories"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
