//! `flaskc transitions`: which domain types can become which, over
//! [`crate::analysis::transitions`], as text, JSON, Graphviz or SVG. Also the policy
//! loading and graph output that `flaskc flows` shares.

use crate::analysis::isolation::locate_rule;
use crate::analysis::transitions::{self, Transition};
use crate::analysis::{rule, type_id};
use crate::policydb::{Names, PolicyDb, Target, TypeId};
use crate::query::search::Rule;
use crate::syntax::ast;
use crate::{m4, project};
use clap::Args;
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Arguments of `flaskc transitions`.
#[derive(Debug, Args)]
pub struct TransitionsArgs {
    /// The binary policy file, or a policy tree (built first).
    pub file: PathBuf,
    /// The domain type to start from (without it: every transition).
    #[arg(short = 's', long)]
    pub source: Option<String>,
    /// The domain type to reach: one shortest path.
    #[arg(short = 't', long)]
    pub target: Option<String>,
    /// With --source only: the transitions into it instead of out of it.
    #[arg(long)]
    pub reverse: bool,
    /// Domain or entrypoint types left out (repeatable, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Answer many queries: a file of `SOURCE TARGET` lines; prints one JSON line each
    /// with a shortest path (`null` for none).
    #[arg(long, value_name = "FILE")]
    pub pairs: Option<PathBuf>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// A policy read for an analysis, with the types to leave out (by index).
pub(super) struct Loaded {
    pub db: PolicyDb,
    pub exclude: Vec<TypeId>,
    /// For a tree: where its rules were written.
    pub source: Option<TreeSource>,
}

/// A built tree's expanded text, parsed, to find the statements behind a rule.
pub(super) struct TreeSource {
    ast: ast::Policy,
    expanded: m4::Expanded,
}

impl TreeSource {
    /// `FILE:LINE` of each statement that can give the rule, with the outermost macro
    /// call that wrote it (`modules/xen.if:219 (inspect_domain at modules/x.te:38)`).
    pub(super) fn lines(&self, rule: &Rule) -> Vec<String> {
        let e = &self.expanded;
        locate_rule(&self.ast, rule)
            .into_iter()
            .filter_map(|span| {
                let o = e.origin_at(span.start as usize)?;
                let at = format!("{}:{}", e.file_name(o.file), o.line);
                Some(match e.chain(o).last() {
                    Some(call) => format!(
                        "{at} ({} at {}:{})",
                        call.name,
                        e.file_name(call.call_file),
                        call.call_line
                    ),
                    None => at,
                })
            })
            .collect()
    }
}

/// Builds a tree (its isolation goals left unchecked) or reads a binary.
fn read(file: &Path) -> Result<(PolicyDb, Option<TreeSource>), i32> {
    if !file.is_dir() {
        return match super::read_policy(file) {
            Ok(p) => Ok((p.db, None)),
            Err(e) => {
                crate::io::eprintln!("flaskc: error: {e}");
                Err(e.code())
            }
        };
    }
    let mut opts = project::Options::new(Target::Xen);
    opts.for_writing = false;
    opts.isolation = false;
    opts.keep_syntax = true;
    let outcome = match project::build_tree(file, &opts, &project::fs::RealFs) {
        Ok(o) => o,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return Err(2);
        }
    };
    let (Some(db), Some(expanded), Some(ast)) = (outcome.db, outcome.expanded, outcome.syntax)
    else {
        crate::io::eprint!(
            "{}",
            crate::diag::render(&outcome.diagnostics, &outcome.map)
        );
        return Err(1);
    };
    Ok((db, Some(TreeSource { ast, expanded })))
}

/// Reads the policy (a binary, or a tree it builds) and resolves the excluded names; the
/// exit code on failure (after a message).
pub(super) fn load(file: &Path, exclude: &[String]) -> Result<Loaded, i32> {
    let (db, source) = read(file)?;
    let mut ids = Vec::new();
    for n in exclude {
        match type_id(&db, n) {
            Some(id) => ids.push(id),
            None => {
                crate::io::eprintln!("flaskc: error: no type or attribute `{n}` in the policy");
                return Err(2);
            }
        }
    }
    Ok(Loaded {
        db,
        exclude: ids,
        source,
    })
}

/// How an answer is printed: text, JSON or Graphviz, and maybe drawn as SVG too.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Print a Graphviz graph instead of text.
    #[arg(long)]
    pub dot: bool,
    /// Also draw the graph as SVG into this file (needs Graphviz's `dot`).
    #[arg(long, value_name = "FILE")]
    pub svg: Option<PathBuf>,
}

impl OutputArgs {
    /// Prints the answer in the chosen form (after drawing the SVG); the exit code.
    pub(super) fn print(
        &self,
        text: impl FnOnce() -> String,
        json: impl FnOnce() -> Value,
        dot: impl Fn() -> String,
    ) -> i32 {
        if let Some(svg) = &self.svg {
            if let Err(e) = write_svg(&dot(), svg) {
                crate::io::eprintln!("flaskc: error: {e}");
                return 2;
            }
        }
        let out = if self.json {
            format!("{:#}\n", json())
        } else if self.dot {
            dot()
        } else {
            text()
        };
        super::print_text(0, &out)
    }
}

/// Answers `--pairs FILE`: one JSON line per `SOURCE TARGET` line with the types of a
/// shortest path (`null` for none); the exit code.
pub(super) fn answer_pairs(
    file: &Path,
    db: &PolicyDb,
    shortest: &dyn Fn(TypeId, TypeId) -> Option<Vec<TypeId>>,
) -> i32 {
    let names = Names::new(db);
    let answer = || -> Result<String, String> {
        let text = crate::io::read_text(file)
            .map_err(|e| format!("{}: {e}", crate::io::input_name(file)))?;
        let mut out = String::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut it = line.split_whitespace();
            let (Some(s), Some(t)) = (it.next(), it.next()) else {
                return Err(format!(
                    "{}: expected `SOURCE TARGET`: {line}",
                    file.display()
                ));
            };
            let id = |n: &str| {
                type_id(db, n).ok_or_else(|| format!("no type or attribute `{n}` in the policy"))
            };
            let path = shortest(id(s)?, id(t)?).map(|p| {
                p.iter()
                    .map(|x| names.ty(x.value()).unwrap_or("?"))
                    .collect::<Vec<_>>()
            });
            let _ = writeln!(out, "{}", json!({"source": s, "target": t, "path": path}));
        }
        Ok(out)
    };
    match answer() {
        Ok(text) => super::print_text(0, &text),
        Err(e) => {
            crate::io::eprintln!("flaskc: error: {e}");
            2
        }
    }
}

/// A name quoted for Graphviz.
pub(super) fn dot_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Draws a Graphviz graph as SVG with `dot -Tsvg`.
pub(super) fn write_svg(dot: &str, out: &Path) -> Result<(), String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .arg("-o")
        .arg(out)
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run Graphviz `dot` (apt-get install graphviz): {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(dot.as_bytes())
            .map_err(|e| format!("writing to `dot`: {e}"))?;
    }
    let status = child.wait().map_err(|e| format!("`dot`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`dot` failed ({status})"))
    }
}

/// Runs `flaskc transitions` and returns the exit code.
pub fn run(args: &TransitionsArgs) -> i32 {
    let Loaded {
        db, exclude: ids, ..
    } = match load(&args.file, &args.exclude) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let expanded = db.type_expansions();
    let mut exclude = vec![false; db.types.len()];
    for id in ids {
        exclude[id.index()] = true;
        for t in expanded[id.index()].iter() {
            exclude[t as usize] = true;
        }
    }
    let graph = transitions::build(&db);
    let names = Names::new(&db);
    let r = Render { names: &names };
    if let Some(pairs) = &args.pairs {
        return answer_pairs(pairs, &db, &|s, t| graph.shortest_path(s, t, &exclude));
    }
    let id = |n: &Option<String>| -> Result<Option<TypeId>, String> {
        n.as_deref()
            .map(|n| type_id(&db, n).ok_or_else(|| format!("no type `{n}` in the policy")))
            .transpose()
    };
    let edges: Vec<&Transition> = match (id(&args.source), id(&args.target)) {
        (Ok(None), Ok(None)) => graph
            .edges()
            .filter(|e| graph.edge(e.from, e.to, &exclude).is_some())
            .collect(),
        (Ok(Some(s)), Ok(None)) => graph.from(s, args.reverse, &exclude),
        (Ok(Some(s)), Ok(Some(t))) => graph
            .shortest_path(s, t, &exclude)
            .unwrap_or_default()
            .windows(2)
            .filter_map(|w| graph.edge(w[0], w[1], &exclude))
            .collect(),
        (Ok(None), Ok(Some(_))) => {
            crate::io::eprintln!("flaskc: error: --target needs --source");
            return 2;
        }
        (Err(e), _) | (_, Err(e)) => {
            crate::io::eprintln!("flaskc: error: {e}");
            return 2;
        }
    };
    args.output.print(
        || r.text(&edges),
        || Value::Array(edges.iter().map(|e| r.json(e)).collect()),
        || r.dot(&edges),
    )
}

struct Render<'a> {
    names: &'a Names<'a>,
}

impl Render<'_> {
    fn name(&self, id: TypeId) -> &str {
        self.names.ty(id.value()).unwrap_or("?")
    }

    /// Each reason as (label, rule lines).
    fn reasons(&self, e: &Transition) -> Vec<(String, Vec<String>)> {
        e.reasons
            .iter()
            .map(|r| {
                let label = match r.via {
                    Some(v) => format!("{} {}", r.what, self.name(v)),
                    None => r.what.to_owned(),
                };
                let rules = r
                    .rules
                    .iter()
                    .filter_map(|o| rule(self.names, *o).map(|x| x.to_string()))
                    .collect();
                (label, rules)
            })
            .collect()
    }

    fn json(&self, e: &Transition) -> Value {
        let reasons: Vec<Value> = self
            .reasons(e)
            .into_iter()
            .map(|(what, rules)| json!({"what": what, "rules": rules}))
            .collect();
        json!({"from": self.name(e.from), "to": self.name(e.to), "reasons": reasons})
    }

    fn text(&self, edges: &[&Transition]) -> String {
        let mut out = String::new();
        if edges.is_empty() {
            out.push_str("No domain transition.\n");
        }
        for e in edges {
            let _ = writeln!(out, "{} -> {}", self.name(e.from), self.name(e.to));
            for (what, rules) in self.reasons(e) {
                let _ = writeln!(out, "  {what}:");
                for r in rules {
                    let _ = writeln!(out, "      {r}");
                }
            }
        }
        out
    }

    fn dot(&self, edges: &[&Transition]) -> String {
        let mut out = String::from("digraph transitions {\n  node [shape=box];\n");
        for e in edges {
            let label: Vec<&str> = e.reasons.iter().map(|r| r.what).collect();
            let mut label = label;
            label.dedup();
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                dot_quote(self.name(e.from)),
                dot_quote(self.name(e.to)),
                dot_quote(&label.join(", "))
            );
        }
        out.push_str("}\n");
        out
    }
}
