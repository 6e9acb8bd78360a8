//! `flaskc flows`: information flows between the types of a binary policy, over
//! [`crate::analysis::flows`], as text, JSON or Graphviz.

use super::explain::BoolArgs;
use super::transitions::{answer_pairs, dot_quote, load, Loaded, OutputArgs, TreeSource};
use crate::analysis::flows::{self, Filter, Step};
use crate::analysis::permmap::{self, PermMap};
use crate::analysis::{rule, Booleans};
use crate::policydb::{Names, PolicyDb, Target, TypeId};
use clap::Args;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::PathBuf;

/// Arguments of `flaskc flows`.
#[derive(Debug, Args)]
pub struct FlowsArgs {
    /// The binary policy file, or a policy tree (built first; rules then show where they
    /// were written).
    pub file: PathBuf,
    /// Where information comes from (without --target: the flows out of it).
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// Where it goes.
    #[arg(short = 't', long)]
    pub target: Option<String>,
    /// Every path up to this many steps instead of one shortest path.
    #[arg(long, value_name = "N")]
    pub all_paths: Option<usize>,
    /// The most paths printed with --all-paths.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// With --source only: the flows into it instead of out of it.
    #[arg(long = "in")]
    pub inward: bool,
    /// Leave out flows below this weight (1-10).
    #[arg(short = 'w', long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub min_weight: u8,
    /// Types (or attributes) no path may pass through (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Permission map in setools' format (default for Xen: the shipped policy/xen.perm_map;
    /// required for SELinux, e.g. setools' /usr/lib/python3/dist-packages/setools/perm_map).
    #[arg(short = 'm', long)]
    pub map: Option<PathBuf>,
    /// Count conditional rules with the booleans' default states (without --bool/--bools
    /// every conditional rule counts).
    #[arg(long)]
    pub default_bools: bool,
    #[command(flatten)]
    pub bools: BoolArgs,
    /// Answer many queries: a file of `SOURCE TARGET` lines; prints one JSON line each
    /// with a shortest path (`null` for none).
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// The permission map a run uses.
fn perm_map(args: &FlowsArgs, db: &PolicyDb) -> Result<PermMap, String> {
    match &args.map {
        Some(path) => {
            let text = crate::io::read_text(path)
                .map_err(|e| format!("{}: {e}", crate::io::input_name(path)))?;
            permmap::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
        }
        None if db.target == Target::Xen => Ok(permmap::xen()),
        None => Err(format!(
            "SELinux policies need a permission map: --map {}",
            permmap::SETOOLS_MAP
        )),
    }
}

/// Runs `flaskc flows` and returns the exit code.
pub fn run(args: &FlowsArgs) -> i32 {
    let Loaded {
        db,
        exclude,
        source,
    } = match load(&args.file, &args.exclude) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let setup = || -> Result<(PermMap, Booleans), String> {
        let map = perm_map(args, &db)?;
        let custom = !args.bools.set.is_empty() || args.bools.file.is_some();
        let booleans = if custom || args.default_bools {
            Booleans::States(args.bools.states(&db)?)
        } else {
            Booleans::All
        };
        Ok((map, booleans))
    };
    let (map, booleans) = match setup() {
        Ok(x) => x,
        Err(e) => {
            crate::io::eprintln!("flaskc: error: {e}");
            return 2;
        }
    };
    let graph = flows::build(&db, &map, &booleans);
    let mut filter = Filter::new(&db);
    filter.min_weight = args.min_weight;
    for id in exclude {
        filter.exclude(&db, id);
    }
    let q = Query {
        names: Names::new(&db),
        source: source.as_ref(),
    };
    if let Some(pairs) = &args.pairs {
        return answer_pairs(pairs, &db, &|s, t| graph.shortest_path(s, t, &filter));
    }
    let id = |n: &Option<String>| -> Result<Option<TypeId>, String> {
        n.as_deref()
            .map(|n| {
                crate::analysis::type_id(&db, n)
                    .ok_or_else(|| format!("no type or attribute `{n}` in the policy"))
            })
            .transpose()
    };
    let (source, target) = match (id(&args.source), id(&args.target)) {
        (Ok(Some(s)), Ok(t)) => (s, t),
        (Ok(None), _) => {
            crate::io::eprintln!("flaskc: error: give --source (and --target, or --pairs)");
            return 2;
        }
        (Err(e), _) | (_, Err(e)) => {
            crate::io::eprintln!("flaskc: error: {e}");
            return 2;
        }
    };
    let paths: Vec<Vec<TypeId>> = match (target, args.all_paths) {
        (Some(t), Some(n)) => graph.all_paths(source, t, n, &filter, args.limit),
        (Some(t), None) => graph
            .shortest_path(source, t, &filter)
            .into_iter()
            .collect(),
        (None, _) => graph
            .direct(source, !args.inward, &filter)
            .into_iter()
            .map(|(o, _)| {
                if args.inward {
                    vec![o, source]
                } else {
                    vec![source, o]
                }
            })
            .collect(),
    };
    let steps: Vec<Vec<Step>> = paths.iter().map(|p| graph.steps(p)).collect();
    args.output.print(
        || q.text(&steps),
        || Value::Array(steps.iter().map(|p| q.path_json(p)).collect()),
        || q.dot(&steps),
    )
}

/// What the renderers need.
struct Query<'a> {
    names: Names<'a>,
    source: Option<&'a TreeSource>,
}

impl Query<'_> {
    fn name(&self, id: TypeId) -> &str {
        self.names.ty(id.value()).unwrap_or("?")
    }

    /// The rules of a step as text, each with where it was written (for a tree).
    fn rules(&self, step: &Step) -> Vec<(String, Vec<String>)> {
        step.rules
            .iter()
            .filter_map(|(o, _)| rule(&self.names, *o))
            .map(|r| {
                let at = self.source.map(|s| s.lines(&r)).unwrap_or_default();
                (r.to_string(), at)
            })
            .collect()
    }

    fn path_json(&self, steps: &[Step]) -> Value {
        let v: Vec<Value> = steps
            .iter()
            .map(|s| {
                json!({
                    "from": self.name(s.from),
                    "to": self.name(s.to),
                    "weight": s.weight,
                    "rules": self.rules(s).into_iter().map(|(rule, at)| {
                        json!({"rule": rule, "at": at})
                    }).collect::<Vec<_>>(),
                })
            })
            .collect();
        Value::Array(v)
    }

    fn text(&self, paths: &[Vec<Step>]) -> String {
        let mut out = String::new();
        if paths.is_empty() {
            out.push_str("No information flow.\n");
        }
        for (i, steps) in paths.iter().enumerate() {
            let _ = writeln!(out, "Flow {} ({} steps):", i + 1, steps.len());
            for s in steps {
                let _ = writeln!(
                    out,
                    "  {} -> {} (weight {})",
                    self.name(s.from),
                    self.name(s.to),
                    s.weight
                );
                for (r, at) in self.rules(s) {
                    let _ = writeln!(out, "      {r}");
                    for a in at {
                        let _ = writeln!(out, "          at {a}");
                    }
                }
            }
        }
        out
    }

    fn dot(&self, paths: &[Vec<Step>]) -> String {
        let mut edges: Vec<(&str, &str, u8)> = paths
            .iter()
            .flatten()
            .map(|s| (self.name(s.from), self.name(s.to), s.weight))
            .collect();
        edges.sort_unstable();
        edges.dedup();
        let mut out = String::from("digraph flows {\n  rankdir=LR;\n");
        for (a, b, w) in edges {
            let _ = writeln!(
                out,
                "  {} -> {} [label=\"{w}\", penwidth={}];",
                dot_quote(a),
                dot_quote(b),
                1 + w / 3
            );
        }
        out.push_str("}\n");
        out
    }
}
