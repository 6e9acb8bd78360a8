//! `flaskc search`: type enforcement rules of a binary policy matching filters, over
//! [`crate::query::search`], as sesearch's lines or as JSON.

use super::read_policy;
use crate::policydb::avkind;
use crate::query::search::{self, Query, Rule};
use clap::Args;
use serde_json::json;
use std::path::PathBuf;

/// Arguments of `flaskc search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// The binary policy file.
    pub file: PathBuf,
    /// Search allow and allowxperm rules.
    #[arg(short = 'A')]
    pub allow_all: bool,
    /// Search allow rules.
    #[arg(long)]
    pub allow: bool,
    /// Search allowxperm rules.
    #[arg(long)]
    pub allowxperm: bool,
    /// Search auditallowxperm rules.
    #[arg(long)]
    pub auditallowxperm: bool,
    /// Search dontauditxperm rules.
    #[arg(long)]
    pub dontauditxperm: bool,
    /// Search auditallow rules.
    #[arg(long)]
    pub auditallow: bool,
    /// Search dontaudit rules.
    #[arg(long)]
    pub dontaudit: bool,
    /// Search neverallow rules (a binary policy holds none).
    #[arg(long)]
    pub neverallow: bool,
    /// Search type_transition rules (named ones included).
    #[arg(short = 'T', long = "type_trans")]
    pub type_trans: bool,
    /// Search type_change rules.
    #[arg(long = "type_change")]
    pub type_change: bool,
    /// Search type_member rules.
    #[arg(long = "type_member")]
    pub type_member: bool,
    /// Source type or attribute.
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Target type or attribute.
    #[arg(short = 't', long)]
    pub target: Option<String>,
    /// Object class.
    #[arg(short = 'c', long)]
    pub class: Option<String>,
    /// Permissions (comma-separated); rules with any of them match.
    #[arg(short = 'p', long, value_delimiter = ',')]
    pub perms: Vec<String>,
    /// Only conditional rules whose condition uses this boolean.
    #[arg(short = 'b', long = "bool")]
    pub boolean: Option<String>,
    /// Match types and attributes by name only, without attribute expansion.
    #[arg(long)]
    pub direct: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

impl SearchArgs {
    /// The rule kinds asked for, as avtab kind bits.
    fn kinds(&self) -> u16 {
        [
            (self.allow_all, avkind::ALLOWED | avkind::XPERMS_ALLOWED),
            (self.allow, avkind::ALLOWED),
            (self.allowxperm, avkind::XPERMS_ALLOWED),
            (self.auditallowxperm, avkind::XPERMS_AUDITALLOW),
            (self.dontauditxperm, avkind::XPERMS_DONTAUDIT),
            (self.auditallow, avkind::AUDITALLOW),
            (self.dontaudit, avkind::AUDITDENY),
            (self.type_trans, avkind::TRANSITION),
            (self.type_change, avkind::CHANGE),
            (self.type_member, avkind::MEMBER),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .fold(0, |acc, (_, bit)| acc | bit)
    }
}

/// A rule as a JSON object.
fn rule_json(r: &Rule) -> serde_json::Value {
    let cond = r
        .cond
        .as_ref()
        .map(|c| json!({ "expr": c.expr, "branch": c.branch }));
    let mut v = json!({
        "kind": r.kind,
        "source": r.source,
        "target": r.target,
        "class": r.class,
        "conditional": cond,
    });
    if r.is_av() {
        v["perms"] = json!(r.perms);
    } else {
        v["default"] = json!(r.perms.join(" "));
    }
    v
}

/// Runs `flaskc search` and returns the exit code.
pub fn run(args: &SearchArgs) -> i32 {
    if args.kinds() == 0 && !args.neverallow {
        crate::io::eprintln!("error: choose at least one rule kind (-A, --allow, --auditallow, --dontaudit, --neverallow, -T, --type_change, --type_member, --allowxperm ...)");
        return 2;
    }
    let policy = match read_policy(&args.file) {
        Ok(p) => p,
        Err(e) => {
            crate::io::eprintln!("error: {e}");
            return e.code();
        }
    };
    if args.neverallow {
        crate::io::eprintln!(
            "note: binary policies hold no neverallow rules (they are checked at compile time)"
        );
    }
    let query = Query {
        kinds: args.kinds(),
        source: args.source.clone(),
        target: args.target.clone(),
        class: args.class.clone(),
        perms: args.perms.clone(),
        boolean: args.boolean.clone(),
        direct: args.direct,
    };
    let rules = match search::search(&policy.db, &query) {
        Ok(r) => r,
        Err(e) => {
            crate::io::eprintln!("error: {e}");
            return 1;
        }
    };
    super::print_report(0, |o| {
        if args.json {
            let rules: Vec<_> = rules.iter().map(rule_json).collect();
            writeln!(o, "{:#}", serde_json::Value::Array(rules))
        } else {
            rules.iter().try_for_each(|r| writeln!(o, "{r}"))
        }
    })
}
