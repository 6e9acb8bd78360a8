//! `flaskc check-guest`: would `xl create` succeed with these xl configuration files and
//! this binary policy, and what may the domains they start, dom0 and the xenstore domain
//! do to each other.
//!
//! Reasons `xl create` would fail go to standard error as
//! `FILE:LINE: error[CODE]: KEY: message` (the codes are in `docs/diagnostics.md`).
//! Exit codes: 0 when every config would start, 1 when one would not, 2 when a file or
//! argument cannot be read.

use super::explain::BoolArgs;
use crate::guest::{self, GuestReport, Role};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `flaskc check-guest`.
#[derive(Debug, Args)]
pub struct CheckGuestArgs {
    /// The binary policy.
    #[arg(long)]
    pub policy: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub bools: BoolArgs,
    /// xl configuration files (`-` for standard input).
    #[arg(required = true)]
    pub configs: Vec<PathBuf>,
}

/// Runs `flaskc check-guest`; the exit code.
pub(crate) fn run(args: &CheckGuestArgs) -> i32 {
    let inputs = [&args.policy]
        .into_iter()
        .chain(&args.configs)
        .chain(&args.bools.file);
    if inputs.filter(|p| crate::io::is_std(p)).count() > 1 {
        crate::io::eprintln!(
            "flaskc: standard input can be only one of the policy, a config and --bools"
        );
        return 2;
    }
    let db = match super::read_policy(&args.policy) {
        Ok(p) => p.db,
        Err(e) => return super::Failure::from(e).report(),
    };
    let states = match args.bools.states(&db) {
        Ok(s) => s,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let mut texts = Vec::new();
    for c in &args.configs {
        match crate::io::read_text(c) {
            Ok(t) => texts.push(t),
            Err(e) => {
                crate::io::eprintln!("flaskc: {}: {e}", crate::io::input_name(c));
                return 2;
            }
        }
    }
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let rep = guest::check(&db, &refs, &states);
    let file = |i: usize| {
        args.configs
            .get(i)
            .map_or(String::new(), |p| crate::io::input_name(p).to_string())
    };
    for e in &rep.errors {
        crate::io::eprintln!(
            "{}:{}: error[{}]: {}: {}",
            file(e.at.config),
            e.at.line,
            e.error.code(),
            e.at.key,
            e.error
        );
    }
    if rep.relations_left_out > 0 {
        crate::io::eprintln!(
            "flaskc: note: {} more related pairs of domains are not listed (at most {} are)",
            rep.relations_left_out,
            guest::MAX_RELATIONS
        );
    }
    let code = i32::from(!rep.errors.is_empty());
    if args.json {
        return super::print_text(code, &format!("{}\n", to_json(&rep, &file)));
    }
    super::print_report(code, |o| {
        for i in 0..args.configs.len() {
            let fails = rep.errors.iter().filter(|e| e.at.config == i).count();
            match fails {
                0 => writeln!(o, "{}: xl create would succeed", file(i))?,
                n => writeln!(o, "{}: xl create would fail ({n} reason(s) above)", file(i))?,
            }
        }
        writeln!(o, "domains:")?;
        for d in &rep.domains {
            writeln!(o, "  {}: {}", who(&d.role, &file), d.context)?;
        }
        writeln!(o, "may (constraints and boolean states applied):")?;
        for r in &rep.relations {
            let (a, b) = (&rep.domains[r.from], &rep.domains[r.to]);
            let target = r
                .as_target
                .as_ref()
                .map_or(String::new(), |t| format!(" (its guest, as {t})"));
            let rights = r.rights.names();
            let rights = if rights.is_empty() {
                "nothing".to_string()
            } else {
                rights.join(", ")
            };
            writeln!(
                o,
                "  {} -> {}{target}: {rights}",
                who(&a.role, &file),
                who(&b.role, &file)
            )?;
        }
        Ok(())
    })
}

/// A domain's name in the output.
fn who(role: &Role, file: &dyn Fn(usize) -> String) -> String {
    match role {
        Role::Dom0 => "dom0".into(),
        Role::Xenstore => "xenstore".into(),
        Role::Guest(i) => file(*i),
        Role::DeviceModel(i) => format!("{} (device model)", file(*i)),
    }
}

/// The report as JSON.
fn to_json(rep: &GuestReport, file: &dyn Fn(usize) -> String) -> serde_json::Value {
    use serde_json::json;
    let n = rep
        .domains
        .iter()
        .filter_map(|d| match d.role {
            Role::Guest(i) => Some(i + 1),
            _ => None,
        })
        .chain(rep.errors.iter().map(|e| e.at.config + 1))
        .max()
        .unwrap_or(0);
    let configs: Vec<_> = (0..n)
        .map(|i| {
            let errors: Vec<_> = rep
                .errors
                .iter()
                .filter(|e| e.at.config == i)
                .map(|e| json!({
                    "line": e.at.line, "key": e.at.key, "code": e.error.code(), "message": e.error.to_string(),
                }))
                .collect();
            json!({ "file": file(i), "creates": errors.is_empty(), "errors": errors })
        })
        .collect();
    let domains: Vec<_> = rep
        .domains
        .iter()
        .map(|d| json!({ "domain": who(&d.role, file), "context": d.context }))
        .collect();
    let relations: Vec<_> = rep
        .relations
        .iter()
        .map(|r| {
            json!({
                "from": who(&rep.domains[r.from].role, file),
                "to": who(&rep.domains[r.to].role, file),
                "as_target": r.as_target,
                "rights": r.rights.names(),
            })
        })
        .collect();
    json!({
        "configs": configs,
        "domains": domains,
        "relations": relations,
        "relations_left_out": rep.relations_left_out,
    })
}
