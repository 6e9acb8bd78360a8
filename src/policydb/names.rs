//! Value-to-name lookups over a [`PolicyDb`], for the stages that print or compare
//! policies (the query tools): one place that turns the 1-based values a `PolicyDb`
//! holds into names, returning `None` for values without one instead of panicking.

use super::{Ebitmap, PolicyDb, Target};

/// libsepol's initial SID names for SELinux, indexed by SID.
pub const SELINUX_SIDS: [&str; 28] = [
    "null",
    "kernel",
    "security",
    "unlabeled",
    "fs",
    "file",
    "file_labels",
    "init",
    "any_socket",
    "port",
    "netif",
    "netmsg",
    "node",
    "igmp_packet",
    "icmp_socket",
    "tcp_socket",
    "sysctl_modprobe",
    "sysctl",
    "sysctl_fs",
    "sysctl_kernel",
    "sysctl_net",
    "sysctl_net_unix",
    "sysctl_vm",
    "sysctl_dev",
    "kmod",
    "policy",
    "scmp_packet",
    "devnull",
];

/// libsepol's initial SID names for Xen, indexed by SID: Xen's list before 4.3 added
/// `xenboot` as SID 1, so one off for later releases. `checkpolicy -b` dumps use it.
pub const LIBSEPOL_XEN_SIDS: [&str; 13] = [
    "null",
    "xen",
    "dom0",
    "domio",
    "domxen",
    "unlabeled",
    "security",
    "ioport",
    "iomem",
    "irq",
    "device",
    "domU",
    "domDM",
];

/// Xen's own initial SID names (`xsm/flask/policy/initial_sids` of Xen 4.22), indexed
/// by SID.
pub const XEN_SIDS: [&str; 14] = [
    "null",
    "xenboot",
    "xen",
    "dom0",
    "domio",
    "domxen",
    "unlabeled",
    "security",
    "ioport",
    "iomem",
    "irq",
    "device",
    "domU",
    "domDM",
];

/// The name libsepol gives initial SID `sid` of a target, if it has one (what
/// `checkpolicy -b` dumps print).
pub fn libsepol_sid_name(target: Target, sid: u32) -> Option<&'static str> {
    let table: &[&str] = match target {
        Target::Selinux => &SELINUX_SIDS,
        Target::Xen => &LIBSEPOL_XEN_SIDS,
    };
    table.get(sid as usize).copied()
}

/// The name of initial SID `sid` of a target, if it has one: SELinux's, or Xen 4.22's
/// (the hypervisor release `binary::xen_loader_check` follows; a binary does not record
/// the names, and releases before 4.3 had no `xenboot`, numbering the rest one lower).
pub fn sid_name(target: Target, sid: u32) -> Option<&'static str> {
    let table: &[&str] = match target {
        Target::Selinux => &SELINUX_SIDS,
        Target::Xen => &XEN_SIDS,
    };
    table.get(sid as usize).copied()
}

/// Name lookups by value over one policy; sensitivity and category names are indexed
/// once, since their records are not stored in value order.
#[derive(Debug, Clone)]
pub struct Names<'a> {
    db: &'a PolicyDb,
    sens: Vec<Option<&'a str>>,
    cats: Vec<Option<&'a str>>,
}

/// The element of a value-ordered table with 1-based value `v`.
fn by_value<T>(table: &[T], v: u32) -> Option<&T> {
    (v as usize).checked_sub(1).and_then(|i| table.get(i))
}

/// A table of names by 1-based value from (name, alias, value) records, aliases skipped,
/// sized like libsepol's symbol table (`nprim`: one slot a record, aliases included), so
/// the slots aliases take stay `None`, as the dumps print them.
fn index<'a>(records: impl ExactSizeIterator<Item = (&'a str, bool, u32)>) -> Vec<Option<&'a str>> {
    let mut out = vec![None; records.len()];
    for (name, _, v) in records.filter(|r| !r.1) {
        if let Some(slot) = (v as usize).checked_sub(1).and_then(|i| out.get_mut(i)) {
            *slot = Some(name);
        }
    }
    out
}

impl<'a> Names<'a> {
    /// Indexes the names of `db`.
    pub fn new(db: &'a PolicyDb) -> Names<'a> {
        let sens = index(
            db.sens
                .iter()
                .map(|s| (s.name.as_str(), s.alias, s.level.sens)),
        );
        let cats = index(db.cats.iter().map(|c| (c.name.as_str(), c.alias, c.value)));
        Names { db, sens, cats }
    }

    /// The policy the names come from.
    pub fn db(&self) -> &'a PolicyDb {
        self.db
    }

    /// A class name.
    pub fn class(&self, v: u32) -> Option<&'a str> {
        by_value(&self.db.classes, v).map(|c| c.name.as_str())
    }

    /// A type or attribute name.
    pub fn ty(&self, v: u32) -> Option<&'a str> {
        by_value(&self.db.types, v).map(|t| t.name.as_str())
    }

    /// A role name (`None` also for role attributes read from a binary, which have none).
    pub fn role(&self, v: u32) -> Option<&'a str> {
        by_value(&self.db.roles, v)
            .and_then(|r| r.as_ref())
            .map(|r| r.name.as_str())
    }

    /// A user name.
    pub fn user(&self, v: u32) -> Option<&'a str> {
        by_value(&self.db.users, v).map(|u| u.name.as_str())
    }

    /// A boolean name.
    pub fn boolean(&self, v: u32) -> Option<&'a str> {
        by_value(&self.db.bools, v).map(|b| b.name.as_str())
    }

    /// A sensitivity name (not an alias).
    pub fn sens(&self, v: u32) -> Option<&'a str> {
        by_value(&self.sens, v).copied().flatten()
    }

    /// A category name (not an alias).
    pub fn cat(&self, v: u32) -> Option<&'a str> {
        by_value(&self.cats, v).copied().flatten()
    }

    /// Sensitivity names by value - 1, one slot a record (aliases leave `None`s).
    pub fn sens_table(&self) -> &[Option<&'a str>] {
        &self.sens
    }

    /// Category names by value - 1, one slot a record (aliases leave `None`s).
    pub fn cats_table(&self) -> &[Option<&'a str>] {
        &self.cats
    }

    /// The permissions of a class by bit (bit `i` is permission value `i + 1`): the
    /// inherited common's first, then the class's own.
    pub fn perms(&self, class: u32) -> Vec<&'a str> {
        let Some(c) = by_value(&self.db.classes, class) else {
            return Vec::new();
        };
        let common = c
            .common
            .as_deref()
            .and_then(|name| self.db.commons.iter().find(|k| k.name == name));
        common
            .into_iter()
            .flat_map(|k| &k.perms)
            .chain(&c.perms)
            .map(String::as_str)
            .collect()
    }

    /// Names of the set bits of a bitmap over a table (bit = value - 1), skipping values
    /// without a name.
    pub fn of_bits(
        &self,
        bits: &Ebitmap,
        name: impl Fn(&Self, u32) -> Option<&'a str>,
    ) -> Vec<&'a str> {
        bits.iter().filter_map(|b| name(self, b + 1)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policydb::{Class, Common, Level, Sensitivity};

    #[test]
    fn common_perms_come_first_and_missing_values_are_none() {
        let mut db = PolicyDb::new(Target::Xen, true);
        db.commons.push(Common {
            name: "c".into(),
            perms: vec!["read".into()],
        });
        db.classes.push(Class {
            name: "file".into(),
            common: Some("c".into()),
            perms: vec!["write".into()],
            constraints: vec![],
            validatetrans: vec![],
            default_user: 0,
            default_role: 0,
            default_range: 0,
            default_type: 0,
        });
        db.sens.push(Sensitivity {
            name: "s1".into(),
            alias: false,
            level: Level {
                sens: 2,
                cats: Ebitmap::new(),
            },
        });
        db.sens.push(Sensitivity {
            name: "a1".into(),
            alias: true,
            level: Level {
                sens: 2,
                cats: Ebitmap::new(),
            },
        });
        let n = Names::new(&db);
        assert_eq!(n.perms(1), ["read", "write"]);
        assert_eq!(n.perms(2), Vec::<&str>::new());
        assert_eq!(n.class(0), None);
        assert_eq!(n.sens(2), Some("s1"));
        assert_eq!(n.sens(1), None);
        assert_eq!(n.sens_table(), [None, Some("s1")]);
        assert_eq!(sid_name(Target::Xen, 3), Some("dom0"));
        assert_eq!(libsepol_sid_name(Target::Xen, 2), Some("dom0"));
    }
}
