//! Differential property test against checkpolicy 3.4: small random Xen policies compile to
//! exactly the bytes checkpolicy writes, and both compilers accept or reject the same ones.
//! Skipped, saying so, when `checkpolicy` is not installed.

mod common;

use flaskc::binary::{self, WriteOptions};
use flaskc::policydb::{HandleUnknown, Target};
use flaskc::source::{SourceFile, SourceMap};
use flaskc::{sema, syntax};
use proptest::prelude::*;
use std::process::Command;

fn checkpolicy_installed() -> bool {
    Command::new("checkpolicy").arg("-V").output().is_ok()
}

/// A random policy: `n_types` types, a few attributes with random members, booleans, and
/// rules over random sets (attributes, `self`, negation, `*`/`~` permissions), some inside
/// conditionals.
#[derive(Debug, Clone)]
struct Spec {
    n_types: usize,
    attrs: Vec<Vec<usize>>,
    expand: Vec<bool>,
    rules: Vec<RuleSpec>,
    bools: Vec<bool>,
}

#[derive(Debug, Clone)]
struct RuleSpec {
    kind: usize,
    source: Vec<usize>,
    target: Vec<usize>,
    negate: Option<usize>,
    self_target: bool,
    class: usize,
    perms: Vec<usize>,
    star: bool,
    new_type: usize,
    cond: Option<(usize, bool, bool)>,
}

const PERMS: [&str; 5] = ["p0", "p1", "p2", "p3", "p4"];

fn name(spec: &Spec, i: usize) -> String {
    if i < spec.n_types {
        format!("ty{i}")
    } else {
        format!("at{}", i - spec.n_types)
    }
}

fn set(spec: &Spec, items: &[usize], negate: Option<usize>) -> String {
    let mut words: Vec<String> = items.iter().map(|&i| name(spec, i)).collect();
    if let Some(n) = negate {
        words.push(format!("-{}", name(spec, n)));
    }
    if words.len() == 1 {
        words.remove(0)
    } else {
        format!("{{ {} }}", words.join(" "))
    }
}

fn render(spec: &Spec) -> String {
    let mut s = String::from("class c0\nclass c1\nsid kernel\n");
    s += "class c0 { p0 p1 p2 p3 p4 }\nclass c1 { p0 p1 p2 }\n";
    for (a, _) in spec.attrs.iter().enumerate() {
        s += &format!("attribute at{a};\n");
    }
    for (a, on) in spec.expand.iter().enumerate() {
        if *on && a < spec.attrs.len() {
            s += &format!("expandattribute at{a} true;\n");
        }
    }
    for t in 0..spec.n_types {
        let member: Vec<String> = spec
            .attrs
            .iter()
            .enumerate()
            .filter(|(_, m)| m.contains(&t))
            .map(|(a, _)| format!("at{a}"))
            .collect();
        if member.is_empty() {
            s += &format!("type ty{t};\n");
        } else {
            s += &format!("type ty{t}, {};\n", member.join(", "));
        }
    }
    for (i, b) in spec.bools.iter().enumerate() {
        s += &format!("bool bo{i} {b};\n");
    }
    s += "allow ty0 ty0 : c0 p0;\n";
    for r in &spec.rules {
        let n_perms = if r.class == 0 { 5 } else { 3 };
        let perms: Vec<&str> = r.perms.iter().map(|&p| PERMS[p % n_perms]).collect();
        let perm_text = if r.star {
            "*".to_string()
        } else {
            format!("{{ {} }}", perms.join(" "))
        };
        let target = if r.self_target && r.kind < 3 {
            format!(
                "{{ {} self }}",
                set(spec, &r.target, None).trim_matches(['{', '}', ' '])
            )
        } else {
            set(spec, &r.target, None)
        };
        let source = set(spec, &r.source, r.negate);
        let kw = [
            "allow",
            "auditallow",
            "dontaudit",
            "type_transition",
            "type_change",
        ][r.kind];
        let rule = if r.kind < 3 {
            format!("{kw} {source} {target} : c{} {perm_text};", r.class)
        } else {
            format!(
                "{kw} {source} {target} : c{} ty{};",
                r.class,
                r.new_type % spec.n_types
            )
        };
        match r.cond {
            Some((b, neg, with_else)) if !spec.bools.is_empty() => {
                let b = b % spec.bools.len();
                let cond = if neg {
                    format!("!bo{b}")
                } else {
                    format!("bo{b}")
                };
                if with_else {
                    s += &format!("if ({cond}) {{ {rule} }} else {{ allow ty0 ty0 : c1 p1; }}\n");
                } else {
                    s += &format!("if ({cond}) {{ {rule} }}\n");
                }
            }
            _ => s += &format!("{rule}\n"),
        }
    }
    let all: Vec<String> = (0..spec.n_types).map(|t| format!("ty{t}")).collect();
    s += &format!(
        "role r;\nrole r types {{ {} }};\nuser u roles r;\n",
        all.join(" ")
    );
    s += "sid kernel u:r:ty0\n";
    s
}

fn spec() -> impl Strategy<Value = Spec> {
    (1usize..7, 0usize..3).prop_flat_map(|(n_types, n_attrs)| {
        let total = n_types + n_attrs;
        let rule = (
            0usize..5,
            prop::collection::vec(0..total, 1..3),
            prop::collection::vec(0..total, 1..3),
            prop::option::of(0..n_types),
            any::<bool>(),
            0usize..2,
            prop::collection::vec(0usize..5, 1..4),
            prop::bool::weighted(0.1),
            0usize..n_types,
            prop::option::of((0usize..3, any::<bool>(), any::<bool>())),
        )
            .prop_map(
                |(
                    kind,
                    source,
                    target,
                    negate,
                    self_target,
                    class,
                    perms,
                    star,
                    new_type,
                    cond,
                )| {
                    RuleSpec {
                        kind,
                        source,
                        target,
                        negate,
                        self_target,
                        class,
                        perms,
                        star,
                        new_type,
                        cond,
                    }
                },
            );
        (
            Just(n_types),
            prop::collection::vec(prop::collection::vec(0..n_types, 0..4), n_attrs),
            prop::collection::vec(any::<bool>(), n_attrs),
            prop::collection::vec(rule, 1..12),
            prop::collection::vec(any::<bool>(), 0..3),
        )
            .prop_map(|(n_types, attrs, expand, rules, bools)| Spec {
                n_types,
                attrs,
                expand,
                rules,
                bools,
            })
    })
}

/// flaskc's bytes, or `None` when it rejects the policy.
fn flaskc_bytes(text: &str, version: u32) -> Option<Vec<u8>> {
    let mut map = SourceMap::new();
    let file = map.add(SourceFile::new("p.conf", text));
    let (ast, errors) = syntax::parse(&mut map, file);
    if errors.iter().any(|d| d.is_error()) {
        return None;
    }
    let opts = sema::Options {
        target: Target::Xen,
        mls: false,
        handle_unknown: HandleUnknown::Deny,
    };
    let db = sema::lower(&ast, file, &opts).db?;
    binary::write(&db, &WriteOptions { version }).ok()
}

/// checkpolicy's bytes, or `None` when it rejects the policy.
fn checkpolicy_bytes(dir: &std::path::Path, text: &str, version: u32) -> Option<Vec<u8>> {
    let conf = dir.join("p.conf");
    let out = dir.join("p.bin");
    std::fs::write(&conf, text).ok()?;
    let _ = std::fs::remove_file(&out);
    let status = Command::new("checkpolicy")
        .args(["-t", "Xen", "-c", &version.to_string(), "-o"])
        .arg(&out)
        .arg(&conf)
        .output()
        .ok()?;
    if !status.status.success() {
        return None;
    }
    std::fs::read(&out).ok()
}

#[test]
fn random_policies_compile_to_checkpolicys_bytes() {
    if !checkpolicy_installed() {
        common::skip("checkpolicy is not installed");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let config = ProptestConfig {
        cases: 96,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let accepted = std::cell::Cell::new(0u32);
    proptest!(config, |(spec in spec(), v30 in any::<bool>())| {
        let text = render(&spec);
        let version = if v30 { 30 } else { 24 };
        let ours = flaskc_bytes(&text, version);
        let theirs = checkpolicy_bytes(dir.path(), &text, version);
        prop_assert_eq!(ours.is_some(), theirs.is_some(), "accept/reject differs for\n{}", text);
        prop_assert!(ours == theirs, "bytes differ for\n{}", text);
        accepted.set(accepted.get() + u32::from(theirs.is_some()));
    });
    // The generator must mostly make valid policies, or the comparison proves little.
    assert!(
        accepted.get() > 32,
        "only {} random policies were valid",
        accepted.get()
    );
}
