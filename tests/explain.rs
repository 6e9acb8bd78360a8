//! `flaskc explain` and `flaskc audit2allow` on the starter policy: the logs of
//! `tests/explain/*.log` with their explanations and proposals as snapshots, the verdicts
//! the starter policy promises, and the round trip: the proposed `.te` text added to a
//! copy of the tree makes every denial of `roundtrip.log` allowed.

mod common;

use common::copy_tree;
use std::path::Path;
use std::process::Command;

/// Runs flaskc; (stdout, stderr, exit code).
fn flaskc(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(args)
        .output()
        .expect("flaskc runs");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// Builds a tree into `dir/xenpolicy`; its path.
fn build(tree: &Path, dir: &Path) -> String {
    let bin = dir.join("xenpolicy").display().to_string();
    let (_, err, code) = flaskc(&["build", &tree.display().to_string(), "-o", &bin]);
    assert_eq!(code, 0, "build failed:\n{err}");
    bin
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn logs_are_explained_and_proposed() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = build(&root().join("policy"), work.path());
    let src = root().join("policy").display().to_string();
    insta::glob!("explain/*.log", |log| {
        let log = log.display().to_string();
        let mut snap = String::new();
        for sub in ["explain", "audit2allow"] {
            let (out, err, code) = flaskc(&[sub, "--policy", &bin, "--source", &src, &log]);
            snap.push_str(&format!(
                "== flaskc {sub} (exit {code})\n{out}-- stderr\n{err}"
            ));
        }
        let (out, _, _) = flaskc(&["audit2allow", "-D", "--policy", &bin, &log]);
        snap.push_str(&format!("== flaskc audit2allow -D\n{out}"));
        insta::assert_snapshot!(snap);
    });
}

#[test]
fn starter_policy_verdicts() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = build(&root().join("policy"), work.path());
    let src = root().join("policy").display().to_string();
    let log = root()
        .join("tests/explain/starter.log")
        .display()
        .to_string();
    let (out, _, code) = flaskc(&["explain", "--policy", &bin, "--source", &src, &log]);
    assert_eq!(code, 1, "the log has unreadable lines");
    let block = |head: &str| -> String {
        let start = out.find(head).expect("denial present");
        let rest = &out[start..];
        let end = rest[1..].find("\ndenied").map_or(rest.len(), |i| i + 1);
        rest[..end].to_string()
    };
    let iso = block("denied { send } system_u:system_r:isolated_domU_t");
    assert!(iso.contains("send: no rule allows it"), "{iso}");
    assert!(iso.contains("isolated_domU.te:34: neverallow"), "{iso}");
    let prot = block("denied { create } system_u:system_r:dom0_t -> system_u:system_r:prot_domU_t");
    assert!(prot.contains("`prot_doms_locked`"), "{prot}");
    assert!(prot.contains("flask-set-bool prot_doms_locked 0"), "{prot}");

    let (json, _, _) = flaskc(&["explain", "--json", "--policy", &bin, &log]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(v["denials"][0]["verdicts"][0]["verdict"], "no-rule");
    assert_eq!(
        v["denials"][1]["verdicts"][0]["verdict"],
        "allowed-while-boolean"
    );

    let (json, _, _) = flaskc(&["audit2allow", "--json", "--policy", &bin, &log]);
    let v: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    let first = &v["denials"][0]["proposals"][0];
    assert_eq!(
        first["rule"],
        "allow isolated_domU_t domU_t_evchn:event { send };"
    );
    let booleans = &v["denials"][1]["proposals"][0]["booleans"][0];
    assert_eq!(booleans["name"], "prot_doms_locked");
    assert_eq!(booleans["value"], false);
}

#[test]
fn proposals_make_the_denials_allowed() {
    let work = tempfile::tempdir().expect("temp dir");
    let tree = work.path().join("policy");
    copy_tree(&root().join("policy"), &tree);
    common::without_isolation_goals(&tree);
    let bin = build(&tree, work.path());
    let src = tree.display().to_string();
    let log = root()
        .join("tests/explain/roundtrip.log")
        .display()
        .to_string();
    let (te, err, code) = flaskc(&["audit2allow", "--policy", &bin, "--source", &src, &log]);
    assert_eq!(code, 0, "{err}");
    // The log denies everything domain_comms grants, so the interface is proposed.
    assert!(te.contains("\ndomain_comms(domU_t, prot_domU_t)\n"), "{te}");
    let modules = tree.join("modules");
    std::fs::write(modules.join("local.te"), te).expect("write local.te");
    let conf = std::fs::read_to_string(modules.join("modules.conf")).expect("modules.conf");
    std::fs::write(modules.join("modules.conf"), conf + "local = on\n").expect("write");
    let out_dir = work.path().join("after");
    std::fs::create_dir(&out_dir).expect("out dir");
    let bin = build(&tree, &out_dir);
    let (out, _, _) = flaskc(&["explain", "--policy", &bin, &log]);
    let verdicts: Vec<&str> = out.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(verdicts.len(), 14, "{out}");
    assert!(
        verdicts
            .iter()
            .all(|l| l.ends_with(": allowed by the policy now")),
        "{out}"
    );
}

proptest::proptest! {
    /// What the `explain` fuzz target does, on a few hundred inputs in every test run.
    #[test]
    fn any_log_and_interface_text_is_handled(
        log in "(avc: (denied|granted) \\{ [a-z_ 0-9x]* \\} for [a-z=:_ 0-9.-]*\n|[^\n]*\n){0,4}",
        ifs in "(define\\(`[a-z_]+', `[a-z_$0-9:{} ;\n(),`']*'\\)\n){0,3}",
    ) {
        let policy = flaskc::binary::read(include_bytes!("policies/xen_conditionals.30.bin"))
            .expect("test policy reads");
        let parsed = flaskc::avc::parse(&log);
        let avc_lines = log.lines().filter(|l| l.contains("avc:")).count();
        proptest::prop_assert_eq!(parsed.records.len() + parsed.problems.len(), avc_lines);
        let report = flaskc::explain::explain(&policy.db, &parsed.records, &[]);
        let _ = flaskc::explain::render(&report);
        let ifs = flaskc::explain::propose::Interfaces::parse(&ifs);
        let inputs = flaskc::explain::propose::Inputs { interfaces: Some(&ifs), ..Default::default() };
        let _ = flaskc::explain::propose::render_te(&policy.db, &report.explanations, inputs);
    }
}

#[test]
fn constraints_are_named() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = work.path().join("c.bin").display().to_string();
    let conf = root()
        .join("tests/explain/constraint.conf")
        .display()
        .to_string();
    let (_, err, code) = flaskc(&["checkpolicy", "-t", "Xen", "-c", "30", "-o", &bin, &conf]);
    assert_eq!(code, 0, "{err}");
    let log = root()
        .join("tests/explain/constraint.txt")
        .display()
        .to_string();
    let (out, _, _) = flaskc(&["explain", "--policy", &bin, &log]);
    insta::assert_snapshot!(out);
    let (te, _, _) = flaskc(&["audit2allow", "--policy", &bin, &log]);
    assert!(te.contains("forbidden by constraint"), "{te}");
    assert!(!te.contains("allow guest_t"), "{te}");
}

/// A Python with setools' module, to expand allow rules; `None` (after `skip`) without.
fn setools_python() -> Option<&'static str> {
    let found = ["python3", "/usr/bin/python3"].into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import setools"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        common::skip("no python3 with the setools module");
    }
    found
}

/// The allow rules of a binary expanded to `source target class perm` lines (` if` for
/// conditional ones), by setools.
fn expanded_allows(py: &str, bin: &str) -> std::collections::BTreeSet<String> {
    let script = root().join("tests/explain/expand_allows.py");
    let out = Command::new(py)
        .arg(script)
        .arg(bin)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A policy tree to test on: the bundled one, or Xen 4.22's from `../shared/corpus`.
struct Tree {
    /// The directory to copy (for Xen, the `tree` holding `tools/` and `xen/`).
    copy: std::path::PathBuf,
    /// The policy directory inside the copy.
    policy: &'static str,
}

fn bundled() -> Tree {
    Tree {
        copy: root().join("policy"),
        policy: ".",
    }
}

fn xen_4_22() -> Option<Tree> {
    let copy = root().join("../shared/corpus/xen/4.22.0/tree");
    if !copy.is_dir() {
        common::skip("../shared/corpus/xen/4.22.0 is absent");
        return None;
    }
    Some(Tree {
        copy,
        policy: "tools/flask/policy",
    })
}

/// A copy of a tree built into `dir/xenpolicy`: (policy directory, binary).
fn built_copy(tree: &Tree, dir: &Path) -> (std::path::PathBuf, String) {
    common::copy_tree(&tree.copy, &dir.join("tree"));
    let policy = dir.join("tree").join(tree.policy);
    common::without_isolation_goals(&policy);
    let bin = build(&policy, dir);
    (policy, bin)
}

/// Adds `.te` text to a built copy as the module `local` and builds it into `dir`.
fn with_module(policy: &Path, te: &str, dir: &Path) -> String {
    let modules = policy.join("modules");
    std::fs::write(modules.join("local.te"), te).expect("write local.te");
    let conf = std::fs::read_to_string(modules.join("modules.conf")).expect("modules.conf");
    std::fs::write(modules.join("modules.conf"), conf + "local = on\n").expect("write");
    std::fs::create_dir_all(dir).expect("out dir");
    build(policy, dir)
}

/// Runs audit2allow on a log against a built copy: (`.te` text, JSON advice).
fn advise(bin: &str, policy: &Path, log: &Path) -> (String, serde_json::Value) {
    let (src, log) = (policy.display().to_string(), log.display().to_string());
    let (te, err, code) = flaskc(&["audit2allow", "--policy", bin, "--source", &src, &log]);
    assert_eq!(code, 0, "{err}");
    let (json, _, _) = flaskc(&[
        "audit2allow",
        "--json",
        "--policy",
        bin,
        "--source",
        &src,
        &log,
    ]);
    (te, serde_json::from_str(&json).expect("valid JSON"))
}

/// The proof that advice grants exactly what it says: the `.te` text added to the tree
/// and built, the expanded allow rules of the new binary less the old ones equal the
/// `granted` permissions of the advice, and every denied permission is either granted or
/// has a reason in `not_fixed`. The numbers of interfaces and raw rules proposed.
fn assert_grants_exactly(
    py: &str,
    (policy, bin): (&Path, &str),
    te: &str,
    advice: &serde_json::Value,
    out: &Path,
) -> (usize, usize) {
    let old = expanded_allows(py, bin);
    let new = expanded_allows(py, &with_module(policy, te, out));
    let added: std::collections::BTreeSet<String> = new.difference(&old).cloned().collect();
    let mut claimed = std::collections::BTreeSet::new();
    let (mut interfaces, mut rules) = (0, 0);
    for d in advice["denials"].as_array().expect("denials") {
        let ty = |k: &str| {
            d[k].as_str()
                .unwrap_or("")
                .split(':')
                .nth(2)
                .unwrap_or("")
                .to_string()
        };
        let (s, t, c) = (
            ty("scontext"),
            ty("tcontext"),
            d["tclass"].as_str().unwrap_or(""),
        );
        let listed = |k: &str, f: &dyn Fn(&serde_json::Value) -> String| -> Vec<String> {
            d[k].as_array().into_iter().flatten().map(f).collect()
        };
        let granted = listed("granted", &|p| p.as_str().unwrap_or("").to_string());
        let not_fixed = listed("not_fixed", &|p| {
            p["perm"].as_str().unwrap_or("").to_string()
        });
        for p in d["perms"].as_array().expect("perms") {
            let p = p.as_str().unwrap_or("").to_string();
            assert!(
                granted.contains(&p) || not_fixed.contains(&p),
                "`{p}` of {d} is neither granted nor explained"
            );
        }
        for p in &granted {
            claimed.insert(format!("{s} {t} {c} {p}"));
        }
        for p in d["proposals"].as_array().expect("proposals") {
            interfaces += usize::from(p.get("interface").is_some());
            rules += usize::from(p.get("rule").is_some());
        }
    }
    assert_eq!(
        added, claimed,
        "the proposals grant other permissions than the denied ones:\n{te}"
    );
    (interfaces, rules)
}

/// The over-grants of issue 13, each a denial that an interface once answered with far
/// more than was denied: now a raw rule, the interface a commented alternative naming
/// what it adds (and the neverallow it would break), and the rule grants only the denial.
#[test]
fn over_granting_interfaces_are_only_alternatives() {
    let Some(py) = setools_python() else { return };
    let cases: Vec<(Tree, &str, &str, &str, &[&str])> = vec![
        (
            bundled(),
            "{ pause } for source=d5 target=d3 scontext=system_u:system_r:domU_t tcontext=system_u:system_r:isolated_domU_t tclass=domain",
            "allow domU_t isolated_domU_t:domain { pause };",
            "manage_domain(domU_t, isolated_domU_t) also grants",
            &["unpause", "destroy"],
        ),
        (
            bundled(),
            "{ getdomaininfo getvcpucontext } for source=d5 target=d3 scontext=system_u:system_r:domU_t tcontext=system_u:system_r:isolated_domU_t tclass=domain",
            "allow domU_t isolated_domU_t:domain { getdomaininfo getvcpucontext };",
            "inspect_domain(domU_t, isolated_domU_t) also grants",
            &["reaching memory:", "mmu:map_read"],
        ),
        (
            bundled(),
            "{ use } for source=d5 scontext=system_u:system_r:domU_t tcontext=system_u:object_r:iomem_t tclass=resource",
            "allow domU_t iomem_t:resource { use };",
            "admin_device(domU_t, iomem_t) also grants",
            &["use_noiommu", "resource:add_iomem"],
        ),
        (
            bundled(),
            "{ getdomaininfo } for source=d5 target=d3 scontext=system_u:system_r:dm_dom_t tcontext=system_u:system_r:nomigrate_t tclass=domain",
            "allow dm_dom_t nomigrate_t:domain { getdomaininfo };",
            "emulate_domain(dm_dom_t, nomigrate_t) also grants",
            &["breaks the neverallow at modules/nomigrate.te:", "mmu:map_write"],
        ),
    ];
    let mut cases = cases;
    if let Some(t) = xen_4_22() {
        cases.push((
            t,
            "{ getdomaininfo } for source=d5 target=d3 scontext=system_u:system_r:dm_dom_t tcontext=system_u:system_r:nomigrate_t tclass=domain",
            "allow dm_dom_t nomigrate_t:domain { getdomaininfo };",
            "manage_domain(dm_dom_t, nomigrate_t) also grants",
            &["unpause", "destroy"],
        ));
    }
    for (i, (tree, record, rule, alternative, extras)) in cases.iter().enumerate() {
        let work = tempfile::tempdir().expect("temp dir");
        let (policy, bin) = built_copy(tree, work.path());
        let log = work.path().join("denial.log");
        std::fs::write(&log, format!("(XEN) avc:  denied  {record}\n")).expect("write log");
        let (te, advice) = advise(&bin, &policy, &log);
        assert!(te.contains(&format!("\n{rule}\n")), "case {i}:\n{te}");
        assert!(
            te.contains(&format!("# alternative, not proposed: {alternative}")),
            "case {i}:\n{te}"
        );
        for e in *extras {
            assert!(te.contains(e), "case {i}: `{e}` missing:\n{te}");
        }
        let proposals = &advice["denials"][0]["proposals"];
        assert!(
            proposals
                .as_array()
                .expect("proposals")
                .iter()
                .all(|p| p.get("interface").is_none()),
            "case {i}: {proposals}"
        );
        assert_grants_exactly(
            py,
            (&policy, &bin),
            &te,
            &advice,
            &work.path().join("after"),
        );
    }
}

/// A tiny deterministic generator (an LCG), so that the denials are the same every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// Denials the policy does not allow, drawn from its domain types (subjects), all its
/// types (objects) and its classes' permissions, as AVC lines.
fn generated_denials(bin: &str, old: &std::collections::BTreeSet<String>, n: usize) -> Vec<String> {
    let db = flaskc::binary::read(&std::fs::read(bin).expect("binary"))
        .expect("binary reads")
        .db;
    let attr = db
        .types
        .iter()
        .position(|t| t.name == "domain_type")
        .expect("domain_type") as u32;
    let types: Vec<&str> = db
        .types
        .iter()
        .filter(|t| t.flavor == flaskc::policydb::TypeFlavor::Type)
        .map(|t| t.name.as_str())
        .collect();
    let domains: Vec<&str> = db
        .types
        .iter()
        .zip(&db.type_attr_map)
        .filter(|(t, m)| t.flavor == flaskc::policydb::TypeFlavor::Type && m.get(attr))
        .map(|(t, _)| t.name.as_str())
        .collect();
    let mut rng = Lcg(13);
    let mut out = Vec::new();
    let mut tries = 0;
    while out.len() < n && tries < 100 * n {
        tries += 1;
        let class = &db.classes[rng.below(db.classes.len())];
        let common = db
            .commons
            .iter()
            .find(|c| Some(&c.name) == class.common.as_ref());
        let perms: Vec<&String> = common
            .into_iter()
            .flat_map(|c| &c.perms)
            .chain(&class.perms)
            .collect();
        let (s, t) = (
            domains[rng.below(domains.len())],
            types[rng.below(types.len())],
        );
        let p = perms[rng.below(perms.len())];
        if old.contains(&format!("{s} {t} {} {p}", class.name)) {
            continue;
        }
        let line = format!(
            "(XEN) avc:  denied  {{ {p} }} for  source=d1 target=d2 scontext=system_u:system_r:{s} tcontext=system_u:object_r:{t} tclass={}",
            class.name
        );
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

/// The denials an alternative's extra grants would be (`s t:class { p q }` lines).
fn extra_denials(advice: &serde_json::Value, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let alternatives = advice["denials"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["proposals"].as_array().into_iter().flatten())
        .filter(|p| p.get("alternative").is_some() && p["neverallow"].is_null())
        .take(max);
    for alt in alternatives {
        for e in alt["extra"].as_array().into_iter().flatten() {
            let e = e.as_str().unwrap_or("");
            let Some((pair, rest)) = e.split_once(':') else {
                continue;
            };
            let Some((s, t)) = pair.split_once(' ') else {
                continue;
            };
            let Some((class, perms)) = rest.split_once(' ') else {
                continue;
            };
            out.push(format!(
                "(XEN) avc:  denied  {perms} for  source=d1 target=d2 scontext=system_u:system_r:{s} tcontext=system_u:object_r:{t} tclass={class}"
            ));
        }
    }
    out
}

/// Over generated denials against the bundled policy and Xen 4.22's: each proposal,
/// added to the tree and built, grants exactly the denied permissions it claims, and every
/// other denied permission is explained. The log also holds every extra permission of a
/// few commented alternatives, so that those interfaces become exact and are proposed.
#[test]
fn generated_denials_get_exactly_what_they_lack() {
    let Some(py) = setools_python() else { return };
    let mut trees = vec![("bundled", bundled())];
    trees.extend(xen_4_22().map(|t| ("xen-4.22", t)));
    for (name, tree) in trees {
        let work = tempfile::tempdir().expect("temp dir");
        let (policy, bin) = built_copy(&tree, work.path());
        let old = expanded_allows(py, &bin);
        let mut lines = generated_denials(&bin, &old, 60);
        let log = work.path().join("generated.log");
        std::fs::write(&log, lines.join("\n") + "\n").expect("write log");
        let (_, first) = advise(&bin, &policy, &log);
        lines.extend(extra_denials(&first, 3));
        std::fs::write(&log, lines.join("\n") + "\n").expect("write log");
        let (te, advice) = advise(&bin, &policy, &log);
        let (interfaces, rules) = assert_grants_exactly(
            py,
            (&policy, &bin),
            &te,
            &advice,
            &work.path().join("after"),
        );
        let denials = advice["denials"].as_array().map_or(0, Vec::len);
        eprintln!(
            "{name}: {} log lines, {denials} denials, {interfaces} interfaces, {rules} raw rules",
            lines.len()
        );
        assert!(interfaces > 0, "{name}: no interface proposed:\n{te}");
    }
}

/// The running boolean states change the verdicts: `--bools` reads `flask-get-bool -a`
/// output (the current value of `NAME: C (pending P)`), `--bool` overrides it, and `-`
/// reads the log from standard input.
#[test]
fn running_boolean_states_are_used() {
    use std::io::Write;
    let work = tempfile::tempdir().expect("temp dir");
    let bin = build(&root().join("policy"), work.path());
    let bools = work.path().join("bools");
    std::fs::write(
        &bools,
        "prot_doms_locked: 1 (pending 0)\nguest_writeconsole: 0\n",
    )
    .expect("write");
    let log = "(XEN) avc:  denied  { create } for  current=d0 scontext=system_u:system_r:dom0_t tcontext=system_u:system_r:prot_domU_t tclass=domain\n";
    let run = |extra: &[&str]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flaskc"))
            .args(["explain", "--policy", &bin])
            .args(extra)
            .arg("-")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("flaskc runs");
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(log.as_bytes()).expect("write");
        drop(input);
        String::from_utf8_lossy(&child.wait_with_output().expect("ends").stdout).into_owned()
    };
    let file = bools.display().to_string();
    let locked = run(&["--bools", &file]);
    assert!(locked.contains("allowed only while `prot_doms_locked` is false (not with the boolean states in force); run `flask-set-bool prot_doms_locked 0`"), "{locked}");
    let unlocked = run(&["--bools", &file, "--bool", "prot_doms_locked=0"]);
    assert!(
        unlocked.contains("allowed by the policy now, but only while"),
        "{unlocked}"
    );
    let (_, err, code) = flaskc(&[
        "explain",
        "--policy",
        &bin,
        "--bool",
        "no_such_bool=1",
        &file,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no boolean `no_such_bool` in the policy"),
        "{err}"
    );
}
