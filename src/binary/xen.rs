//! The extra rules of Xen's policy loader (RELEASE-4.22.0, binary-format.md §13), for
//! policies that libsepol accepts but the hypervisor would refuse.

use crate::policydb::{avkind, PolicyDb, Target};

/// Classes 1..13 of Xen 4.22, in the value order the hypervisor requires (§13.4).
pub const XEN_CLASSES: [&str; 13] = [
    "xen", "xen2", "domain", "domain2", "hvm", "mmu", "resource", "shadow", "event", "grant",
    "security", "version", "argo",
];

/// Lists why Xen 4.22's loader would refuse `db` written at `version` (empty when it
/// would load it). `read` already enforces libsepol's rules; these are Xen's additions.
pub fn xen_loader_check(db: &PolicyDb, version: u32) -> Vec<String> {
    let mut out = Vec::new();
    if db.target != Target::Xen {
        out.push("the target is not Xen (\"XenFlask\")".to_owned());
    }
    if !(15..=30).contains(&version) {
        out.push(format!("Xen loads policy versions up to 30, not {version}"));
    }
    for c in db.classes.iter().filter(|c| c.common.is_some()) {
        out.push(format!(
            "class `{}` inherits a common, which Xen rejects",
            c.name
        ));
    }
    if db.avtab.is_empty() {
        out.push("the unconditional avtab is empty".to_owned());
    }
    let all = db.avtab.iter().chain(
        db.cond_list
            .iter()
            .flat_map(|c| c.true_list.iter().chain(&c.false_list)),
    );
    if all
        .into_iter()
        .any(|e| e.key.specified & avkind::XPERMS != 0)
    {
        out.push("the policy has extended-permission (xperm) rules".to_owned());
    }
    if !db.filename_trans.is_empty() {
        out.push(format!(
            "the policy has {} named type transitions; Xen requires none",
            db.filename_trans.len()
        ));
    }
    if !db.genfs.is_empty() {
        out.push("the policy has genfscon entries; Xen requires none".to_owned());
    }
    for (i, want) in XEN_CLASSES.iter().enumerate() {
        match db.classes.get(i) {
            Some(c) if c.name == *want => {}
            Some(c) => out.push(format!(
                "class value {} is `{}`, but Xen requires `{want}` there",
                i + 1,
                c.name
            )),
            None => out.push(format!("class `{want}` (value {}) is missing", i + 1)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_policy_is_refused() {
        let db = PolicyDb::new(Target::Xen, false);
        let problems = xen_loader_check(&db, 30);
        assert!(problems.iter().any(|p| p.contains("avtab is empty")));
        assert!(problems
            .iter()
            .any(|p| p.contains("class `xen` (value 1) is missing")));
        assert!(xen_loader_check(&db, 33)
            .iter()
            .any(|p| p.contains("up to 30")));
    }
}
