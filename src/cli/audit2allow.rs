//! `flaskc audit2allow`: `.te` text that would allow the denials of a Xen AVC log.
//!
//! Same inputs as `flaskc explain`; with `--source`, interfaces of the tree's
//! `modules/xen.if` are proposed where one covers a denial. `-D` writes `dontaudit` rules
//! instead. Exit codes as `explain`.

use super::explain::{load, LogInput};
use crate::explain::{neverallow, propose};
use crate::{source, syntax};
use clap::Args;
use std::path::Path;

/// Arguments of `flaskc audit2allow`.
#[derive(Debug, Args)]
pub struct Audit2allowArgs {
    #[command(flatten)]
    pub input: LogInput,
    /// Write `dontaudit` rules (silence the denials) instead of `allow` rules.
    #[arg(short = 'D', long = "dontaudit")]
    pub dontaudit: bool,
}

/// Runs `flaskc audit2allow`; the exit code.
pub(crate) fn run(args: &Audit2allowArgs) -> i32 {
    let loaded = match load(&args.input) {
        Ok(l) => l,
        Err(e) => return e.report(),
    };
    let ifs = loaded
        .tree
        .iter()
        .find(|f| f.path == "modules/xen.if")
        .map(|f| propose::Interfaces::parse(&f.text));
    let nevers = match &args.input.source {
        Some(dir) if !args.dontaudit => match tree_neverallows(dir, &loaded.db) {
            Ok(n) => Some(n),
            Err(e) => {
                crate::io::eprintln!("flaskc: {}: {e}", dir.display());
                return 2;
            }
        },
        _ => None,
    };
    let inputs = propose::Inputs {
        interfaces: ifs.as_ref(),
        neverallows: nevers.as_deref(),
        dontaudit: args.dontaudit,
    };
    let (db, exs) = (&loaded.db, &loaded.report.explanations);
    let text = if args.input.json {
        format!("{}\n", propose::to_json(db, exs, inputs))
    } else {
        propose::render_te(db, exs, inputs)
    };
    super::print_text(loaded.code, &text)
}

/// The neverallow rules of a policy tree: its files in Xen's build order, expanded with
/// the built-in m4 as `flaskc build` does, parsed, and resolved against the binary. Each
/// is placed at the file and line of the outermost macro call that wrote it.
fn tree_neverallows(
    dir: &Path,
    db: &crate::policydb::PolicyDb,
) -> Result<Vec<neverallow::Neverallow>, String> {
    let fs = crate::project::fs::RealFs;
    let cfg = crate::project::config::read(dir, &fs).map_err(|e| e.to_string())?;
    let layout = crate::project::layout::layout(dir, &cfg, &fs);
    if let Some(problem) = layout.problems.first() {
        return Err(problem.message.clone());
    }
    let expanded = crate::project::expand_tree(dir, &layout, db.mls, &[], &fs).expanded;
    if expanded.exit_code != 0 {
        return Err("the tree does not expand with m4 (`flaskc check` shows why)".into());
    }
    let text = expanded.text().into_owned();
    let mut map = source::SourceMap::new();
    let file = map.add(source::SourceFile::new("policy.conf", text.clone()));
    let (ast, diags) = syntax::parse(&mut map, file);
    if diags.iter().any(crate::diag::Diagnostic::is_error) {
        return Err("the tree does not parse (`flaskc check` shows why)".into());
    }
    let place = |span: source::Span| {
        let Some(origin) = expanded.origin_at(span.start as usize) else {
            return "policy.conf".to_string();
        };
        let (file, line) = expanded
            .chain(origin)
            .last()
            .map_or((origin.file, origin.line), |e| (e.call_file, e.call_line));
        // Named within the tree, as the comments about the tree's interfaces are.
        let name = expanded.file_name(file);
        let name = Path::new(name)
            .strip_prefix(dir)
            .map_or_else(|_| name.to_string(), |p| p.display().to_string());
        format!("{name}:{line}")
    };
    let span_text = |span: source::Span| {
        text.get(span.start as usize..span.end as usize)
            .unwrap_or_default()
            .to_string()
    };
    Ok(neverallow::resolve(db, &ast, place, span_text))
}
