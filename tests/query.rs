//! The query tools end to end against setools: `flaskc info` statistics equal `seinfo`'s
//! and `flaskc search` lines equal `sesearch`'s on corpus binaries; `flaskc diff` of two
//! Xen releases; `flaskc check --binary` on corpus and truncated binaries. Each test that
//! needs `../shared/corpus` or setools prints why it skipped when they are absent.

mod common;

use std::path::PathBuf;
use std::process::Command;

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus");

/// Exit code, stdout and stderr of `flaskc ARGS`.
fn flaskc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(args)
        .output()
        .expect("flaskc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Stdout of a setools command, or `None` when it is not installed.
fn setools(tool: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(tool).args(args).output().ok()?;
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The corpus binaries the reference reads, or `None` (said loudly) when there are none.
fn corpus() -> Option<Vec<PathBuf>> {
    let files = common::corpus_binaries();
    (!files.is_empty()).then_some(files)
}

/// The `Label: count` pairs of seinfo's statistics block (two per line).
fn statistics(text: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("  ")) {
        let mut label = String::new();
        for word in line.split_whitespace() {
            match word.parse::<u64>() {
                Ok(n) if label.ends_with(':') => {
                    out.push((label.trim_end_matches(':').to_owned(), n));
                    label.clear();
                }
                _ => {
                    if !label.is_empty() {
                        label.push(' ');
                    }
                    label.push_str(word);
                }
            }
        }
    }
    out
}

#[test]
fn info_statistics_equal_seinfo_on_every_corpus_binary() {
    let Some(files) = corpus() else { return };
    for file in files {
        let file = file.display().to_string();
        let Some(expected) = setools("seinfo", &[&file]) else {
            common::skip("seinfo is not installed");
            return;
        };
        let (code, ours, err) = flaskc(&["info", &file]);
        assert_eq!(code, 0, "{file}: {err}");
        let expected = statistics(&expected);
        assert!(expected.len() > 20, "{file}: seinfo printed no statistics");
        assert_eq!(statistics(&ours), expected, "{file}");
    }
}

#[test]
fn search_lines_equal_sesearch() {
    let Some(_) = corpus() else { return };
    let cases: [(&str, &[&str]); 9] = [
        ("xen/4.22.0/nomls/policy.30.bin", &["-A"]),
        ("xen/4.22.0/nomls/policy.30.bin", &["-T"]),
        (
            "xen/4.22.0/nomls/policy.30.bin",
            &["--auditallow", "--dontaudit"],
        ),
        (
            "xen/4.22.0/nomls/policy.30.bin",
            &["-A", "-s", "dom0_t", "-c", "domain2"],
        ),
        (
            "xen/4.22.0/nomls/policy.30.bin",
            &["-A", "-t", "domU_t", "-p", "create,pause"],
        ),
        (
            "xen/4.22.0/nomls/policy.30.bin",
            &["-A", "-b", "prot_doms_locked"],
        ),
        (
            "xen/4.2.0/mls/policy.30.bin",
            &["-A", "-T", "--type_change", "--type_member"],
        ),
        (
            "selinux-tests/policy_allonce/policy.33.bin",
            &["-A", "-T", "--dontaudit"],
        ),
        (
            "selinux-tests/policy_allonce/policy.33.bin",
            &["--auditallowxperm", "--dontauditxperm"],
        ),
    ];
    for (file, args) in cases {
        let file = format!("{CORPUS}/{file}");
        let sesearch_args: Vec<&str> = std::iter::once(file.as_str())
            .chain(args.iter().copied())
            .collect();
        let Some(expected) = setools("sesearch", &sesearch_args) else {
            common::skip("sesearch is not installed");
            return;
        };
        let ours_args: Vec<&str> = ["search", file.as_str()]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        let (code, ours, err) = flaskc(&ours_args);
        assert_eq!(code, 0, "{err}");
        let sorted = |s: &str| {
            let mut v: Vec<String> = s.lines().map(str::to_owned).collect();
            v.sort();
            v
        };
        assert!(!ours.is_empty(), "{file} {args:?}: no rules");
        assert_eq!(sorted(&ours), sorted(&expected), "{file} {args:?}");
    }
}

#[test]
fn search_direct_matches_attribute_rules_by_name_only() {
    let Some(_) = corpus() else { return };
    let file = format!("{CORPUS}/xen/4.22.0/nomls/policy.30.bin");
    let (_, indirect, _) = flaskc(&[
        "search", &file, "-A", "-s", "dom0_t", "-t", "xen_t", "-c", "xen",
    ]);
    assert!(
        indirect.contains("allow domain_type xen_t:xen writeconsole; [ guest_writeconsole ]:True")
    );
    let (_, direct, _) = flaskc(&["search", &file, "-A", "-s", "dom0_t", "--direct", "--json"]);
    let rules: serde_json::Value = serde_json::from_str(&direct).expect("JSON output");
    let rules = rules.as_array().expect("an array of rules");
    assert!(!rules.is_empty());
    assert!(rules.iter().all(|r| r["source"] == "dom0_t"));
}

#[test]
fn diff_of_xen_4_20_and_4_22_shows_new_permissions_and_rules() {
    let Some(_) = corpus() else { return };
    let old = format!("{CORPUS}/xen/4.20.0/nomls/policy.30.bin");
    let new = format!("{CORPUS}/xen/4.22.0/nomls/policy.30.bin");
    let (code, out, err) = flaskc(&["diff", &old, &new, "--json", "--exit-code"]);
    assert_eq!(code, 1, "{err}");
    let d: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    let modified = |section: &str, name: &str| -> serde_json::Value {
        d["sections"][section]["modified"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["name"] == name).cloned())
            .unwrap_or_default()
    };
    assert_eq!(
        modified("Classes", "domain2")["added"],
        serde_json::json!(["get_domain_state"])
    );
    assert_eq!(
        modified("Classes", "xen")["removed"],
        serde_json::json!(["nonprivprofile", "privprofile"])
    );
    assert_eq!(
        modified("Classes", "xen2")["removed"],
        serde_json::json!(["get_cpu_levelling_caps"])
    );
    let added_rules = d["sections"]["Allow rules"]["added"].to_string();
    assert!(
        added_rules.contains("allow xenstore_t domxen_t:domain2 get_domain_state;"),
        "{added_rules}"
    );
    assert!(
        added_rules.contains("allow dom0_t domxen_t:domain getdomaininfo;"),
        "{added_rules}"
    );
    // The two releases declare the same types; the text report says so by omitting them.
    assert!(d["sections"].get("Types").is_none());
    let (code, text, _) = flaskc(&["diff", &old, &new]);
    assert_eq!(code, 0);
    assert!(
        text.contains("   * domain2\n      + get_domain_state\n"),
        "{text}"
    );

    let (code, text, _) = flaskc(&["diff", &new, &new, "--exit-code"]);
    assert_eq!((code, text.as_str()), (0, "The policies are the same.\n"));
}

#[test]
fn diff_across_many_releases_names_added_types() {
    let Some(_) = corpus() else { return };
    let old = format!("{CORPUS}/xen/4.2.0/nomls/policy.30.bin");
    let new = format!("{CORPUS}/xen/4.22.0/nomls/policy.30.bin");
    let (_, out, _) = flaskc(&["diff", &old, &new, "--json"]);
    let d: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    let added = d["sections"]["Types"]["added"].to_string();
    assert!(
        added.contains("\"xenstore_t\"") && added.contains("\"nomigrate_t\""),
        "{added}"
    );
    assert!(d["sections"]["Classes"]["added"]
        .to_string()
        .contains("\"xen2\""));
}

#[test]
fn check_binary_accepts_current_xen_layouts_and_rejects_truncated_files() {
    let Some(files) = corpus() else { return };
    // Xen 4.22's loader requires its 13 classes in its order: releases from 4.12 on have them.
    let current = [
        "4.12.0",
        "4.14.0",
        "4.15.0",
        "4.17.0",
        "4.20.0",
        "4.22.0",
        "4.22.0-mlsfixed",
    ];
    let xen: Vec<String> = files
        .iter()
        .filter(|f| {
            current
                .iter()
                .any(|r| f.to_string_lossy().contains(&format!("/xen/{r}/")))
        })
        .map(|f| f.display().to_string())
        .collect();
    assert_eq!(xen.len(), 14);
    let mut args = vec!["check", "--binary"];
    args.extend(xen.iter().map(String::as_str));
    let (code, _, err) = flaskc(&args);
    assert_eq!(code, 0, "{err}");

    let (code, _, err) = flaskc(&[
        "check",
        "--binary",
        &format!("{CORPUS}/xen/4.2.0/nomls/policy.30.bin"),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("class `argo` (value 13) is missing"), "{err}");

    let dir = tempfile::tempdir().expect("temp dir");
    let truncated = dir.path().join("truncated.bin");
    let bytes = std::fs::read(&xen[0]).expect("corpus file");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("writable temp dir");
    let truncated = truncated.display().to_string();
    let (code, _, err) = flaskc(&["check", "--binary", &truncated]);
    assert_eq!(code, 1);
    assert!(err.contains("(at offset 0x"), "{err}");
    for cmd in [
        &["info", &truncated][..],
        &["search", &truncated, "-A"],
        &["diff", &truncated, &xen[0]],
    ] {
        let (code, out, err) = flaskc(cmd);
        assert_eq!(code, 1, "{cmd:?}: {out}{err}");
        assert!(err.contains("(at offset 0x"), "{cmd:?}: {err}");
    }
    let (code, _, _) = flaskc(&["info", "/nonexistent/policy.30.bin"]);
    assert_eq!(code, 2);
}

#[test]
fn search_needs_a_rule_kind_and_neverallow_finds_none() {
    let Some(_) = corpus() else { return };
    let file = format!("{CORPUS}/xen/4.22.0/nomls/policy.30.bin");
    let (code, _, err) = flaskc(&["search", &file, "-s", "dom0_t"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, err) = flaskc(&["search", &file, "--neverallow"]);
    assert_eq!((code, out.as_str()), (0, ""));
    assert!(err.contains("no neverallow rules"), "{err}");
    let (code, _, err) = flaskc(&["search", &file, "-A", "-s", "no_such_t"]);
    assert_eq!(code, 1);
    assert!(err.contains("no type or attribute `no_such_t`"), "{err}");
}

#[test]
fn info_listings_in_json() {
    let Some(_) = corpus() else { return };
    let file = format!("{CORPUS}/xen/4.22.0/nomls/policy.30.bin");
    let (code, out, err) = flaskc(&["info", &file, "--json", "--booleans", "--initialsids"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON output");
    assert_eq!(v["statistics"]["Allow"], 166);
    assert_eq!(
        v["Booleans"]["prot_doms_locked"],
        serde_json::json!(["false"])
    );
    assert_eq!(
        v["Initial SIDs"]["dom0"],
        serde_json::json!(["system_u:system_r:dom0_t"])
    );
}
