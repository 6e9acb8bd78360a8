//! `flaskc info`: statistics and symbol listings of a binary policy, over
//! [`crate::query::info`], as text in seinfo's layout or as JSON.

use crate::binary::ReadPolicy;
use crate::policydb::{HandleUnknown, Target};
use crate::query::info::{self, NamedSet};
use clap::Args;
use serde_json::{json, Map, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `flaskc info`.
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// The binary policy file.
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// List classes with their permissions.
    #[arg(long)]
    pub classes: bool,
    /// List types with their attributes.
    #[arg(long)]
    pub types: bool,
    /// List attributes with their member types.
    #[arg(long)]
    pub attributes: bool,
    /// List roles with their types.
    #[arg(long)]
    pub roles: bool,
    /// List users with their roles.
    #[arg(long)]
    pub users: bool,
    /// List booleans with their default states.
    #[arg(long)]
    pub booleans: bool,
    /// List initial SIDs with their contexts.
    #[arg(long)]
    pub initialsids: bool,
    /// List object contexts (irq, ioport, iomem, pcidevice, devicetree ...).
    #[arg(long)]
    pub ocontexts: bool,
}

/// Runs `flaskc info` and returns the exit code.
pub fn run(args: &InfoArgs) -> i32 {
    let policy = match super::read_policy(&args.file) {
        Ok(p) => p,
        Err(e) => {
            crate::io::eprintln!("error: {e}");
            return e.code();
        }
    };
    let out = if args.json {
        json_report(args, &policy)
    } else {
        text_report(args, &policy)
    };
    super::print_text(0, &out)
}

/// Named listings chosen by the flags, with their titles.
fn listings(args: &InfoArgs, p: &ReadPolicy) -> Vec<(&'static str, Vec<NamedSet>)> {
    let db = &p.db;
    let pairs = |v: Vec<(String, String)>| -> Vec<NamedSet> {
        v.into_iter()
            .map(|(name, m)| NamedSet {
                name,
                members: vec![m],
            })
            .collect()
    };
    let mut out = Vec::new();
    if args.classes {
        let classes = info::classes(db).into_iter().map(|c| NamedSet {
            name: c.name,
            members: c.perms,
        });
        out.push(("Classes", classes.collect()));
    }
    if args.types {
        out.push(("Types", info::types(db)));
    }
    if args.attributes {
        out.push(("Type Attributes", info::attributes(db)));
    }
    if args.roles {
        out.push(("Roles", info::roles(db)));
    }
    if args.users {
        out.push(("Users", info::users(db)));
    }
    if args.booleans {
        let bools = info::booleans(db)
            .into_iter()
            .map(|(n, s)| (n, s.to_string()));
        out.push(("Booleans", pairs(bools.collect())));
    }
    if args.initialsids {
        out.push(("Initial SIDs", pairs(info::initial_sids(db))));
    }
    if args.ocontexts {
        let ocons = info::ocontexts(db).into_iter().map(|line| NamedSet {
            name: line,
            members: vec![],
        });
        out.push(("Object contexts", ocons.collect()));
    }
    out
}

fn target_name(t: Target) -> &'static str {
    match t {
        Target::Selinux => "selinux",
        Target::Xen => "xen",
    }
}

fn handle_unknown_name(h: HandleUnknown) -> &'static str {
    match h {
        HandleUnknown::Deny => "deny",
        HandleUnknown::Reject => "reject",
        HandleUnknown::Allow => "allow",
    }
}

/// Statistics in seinfo's two-column layout, then the listings.
fn text_report(args: &InfoArgs, p: &ReadPolicy) -> String {
    let lists = listings(args, p);
    let mut o = String::new();
    if lists.is_empty() {
        let mls = if p.db.mls { "enabled" } else { "disabled" };
        let _ = writeln!(o, "Statistics for policy file: {}", args.file.display());
        let _ = writeln!(o, "Policy Version:             {} (MLS {mls})", p.version);
        let _ = writeln!(
            o,
            "Target Policy:              {}",
            target_name(p.db.target)
        );
        let _ = writeln!(
            o,
            "Handle unknown classes:     {}",
            handle_unknown_name(p.db.handle_unknown)
        );
        for pair in info::info(&p.db).chunks(2) {
            let cells: Vec<String> = pair
                .iter()
                .map(|s| format!("{:<16}{:>8}", format!("{}:", s.label), s.count))
                .collect();
            let _ = writeln!(o, "  {}", cells.join("    "));
        }
    }
    for (title, items) in lists {
        let _ = writeln!(o, "\n{title}: {}", items.len());
        for item in items {
            match item.members.as_slice() {
                [] => {
                    let _ = writeln!(o, "   {}", item.name);
                }
                [one] if matches!(title, "Booleans" | "Initial SIDs") => {
                    let _ = writeln!(o, "   {} {one}", item.name);
                }
                members => {
                    let _ = writeln!(o, "   {}\n      {}", item.name, members.join("\n      "));
                }
            }
        }
    }
    o
}

/// The same report as one JSON object.
fn json_report(args: &InfoArgs, p: &ReadPolicy) -> String {
    let stats: Map<String, Value> = info::info(&p.db)
        .into_iter()
        .map(|s| (s.label.to_owned(), json!(s.count)))
        .collect();
    let mut report = json!({
        "file": args.file.display().to_string(),
        "version": p.version,
        "mls": p.db.mls,
        "target": target_name(p.db.target),
        "handle_unknown": handle_unknown_name(p.db.handle_unknown),
        "statistics": stats,
    });
    for (title, items) in listings(args, p) {
        let items: Map<String, Value> = items
            .into_iter()
            .map(|i| (i.name, json!(i.members)))
            .collect();
        report[title] = Value::Object(items);
    }
    format!("{report:#}\n")
}
