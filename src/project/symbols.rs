//! Where each policy symbol and m4 macro of a compiled policy was declared, in the files
//! the user wrote: what an editor needs for go-to-definition, hover, completion and
//! symbol lists. Built only on request ([`super::Options::index`]).
//!
//! Policy symbols come from the declarations of the syntax tree, placed through m4's
//! origins; macros from the `define`/`interface`/`template` calls in the files m4 read.
//! References are found by name (policy names are global), skipping `#` comments.

use crate::m4;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::ast::{Ident, Item, ItemKind, Policy};
use std::collections::BTreeMap;

/// What a symbol is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// `type`.
    Type,
    /// `attribute`.
    Attribute,
    /// A type alias.
    Alias,
    /// `role`.
    Role,
    /// `attribute_role`.
    RoleAttribute,
    /// `user`.
    User,
    /// `bool`.
    Bool,
    /// `tunable`.
    Tunable,
    /// A class (declared in security_classes, defined in access_vectors).
    Class,
    /// `common`.
    Common,
    /// A permission of a class or common.
    Permission,
    /// An initial SID.
    Sid,
    /// An MLS sensitivity (or its alias).
    Sensitivity,
    /// An MLS category (or its alias).
    Category,
    /// An m4 macro (a Xen interface such as `create_domain`).
    Macro,
}

impl Kind {
    /// The keyword that declares it, as a person would call it.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Type => "type",
            Kind::Attribute => "attribute",
            Kind::Alias => "type alias",
            Kind::Role => "role",
            Kind::RoleAttribute => "role attribute",
            Kind::User => "user",
            Kind::Bool => "boolean",
            Kind::Tunable => "tunable",
            Kind::Class => "class",
            Kind::Common => "common",
            Kind::Permission => "permission",
            Kind::Sid => "initial SID",
            Kind::Sensitivity => "sensitivity",
            Kind::Category => "category",
            Kind::Macro => "macro",
        }
    }
}

/// One declaration of a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The name.
    pub name: String,
    /// What it is.
    pub kind: Kind,
    /// The file it was written in.
    pub file: FileId,
    /// The name where it was written.
    pub span: Span,
    /// The declaring statement as compiled (after expansion), on one line; for a macro, its
    /// `define` as written.
    pub statement: String,
    /// The class or common a permission belongs to.
    pub container: Option<String>,
}

/// The declarations of a policy, by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Symbols {
    /// Sorted by name, then kind and place.
    defs: Vec<Symbol>,
    /// The attributes given to each type.
    attributes: BTreeMap<String, Vec<String>>,
    /// The permissions of each class and common, inherited ones first.
    perms: BTreeMap<String, Vec<String>>,
    /// The generated policy.conf of a tree, which is no file of the user's.
    generated: Option<FileId>,
}

/// The longest statement kept for a hover.
const STATEMENT_LIMIT: usize = 400;
/// The most text of one macro expansion given back.
const EXPANSION_LIMIT: usize = 4096;
/// The most lines of a macro's definition kept for a hover.
const DEFINE_LINES: usize = 12;

/// Where the name written at a span of the compiled text was written by the user: a file
/// of the map and a span in it (`None` when it came from nowhere the user can open).
pub(crate) type Place<'a> = dyn Fn(Span, &str) -> Option<(FileId, Span)> + 'a;

/// Indexes the declarations of `ast` (parsed from `conf`), each placed by `place` (from a
/// span of `conf` and the name to a place in an original file), and the macros defined in
/// the files of `map` other than `generated`.
pub(crate) fn index(
    ast: &Policy,
    map: &SourceMap,
    conf: FileId,
    generated: Option<FileId>,
    place: &Place,
) -> Symbols {
    let mut ix = Indexer {
        text: map.file(conf).text(),
        place,
        out: Symbols {
            generated,
            ..Symbols::default()
        },
        commons: BTreeMap::new(),
    };
    ix.items(&ast.items);
    for (id, file) in map.files() {
        if Some(id) != generated {
            macro_definitions(id, file, &mut ix.out.defs);
        }
    }
    let mut out = ix.out;
    out.defs
        .sort_by(|a, b| (&a.name, a.kind, a.file, a.span).cmp(&(&b.name, b.kind, b.file, b.span)));
    out.defs
        .dedup_by(|a, b| (&a.name, a.kind, a.file, a.span) == (&b.name, b.kind, b.file, b.span));
    for attrs in out.attributes.values_mut() {
        attrs.sort();
        attrs.dedup();
    }
    out
}

/// Walks the statements, recording declarations.
struct Indexer<'a> {
    text: &'a str,
    place: &'a Place<'a>,
    out: Symbols,
    commons: BTreeMap<String, Vec<String>>,
}

impl Indexer<'_> {
    fn items(&mut self, items: &[Item]) {
        for item in items {
            self.item(item);
        }
    }

    fn declare(&mut self, id: &Ident, kind: Kind, item: &Item, container: Option<&Ident>) {
        let Some((file, span)) = (self.place)(id.span, &id.name) else {
            return;
        };
        let raw = self.text.get(item.span.range()).unwrap_or("");
        let mut statement = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if statement.len() > STATEMENT_LIMIT {
            let cut = (0..=STATEMENT_LIMIT)
                .rev()
                .find(|&i| statement.is_char_boundary(i))
                .unwrap_or(0);
            statement.truncate(cut);
            statement.push_str(" ...");
        }
        self.out.defs.push(Symbol {
            name: id.name.to_string(),
            kind,
            file,
            span,
            statement,
            container: container.map(|c| c.name.to_string()),
        });
    }

    fn give_attributes(&mut self, ty: &Ident, attrs: &[Ident]) {
        let list = self.out.attributes.entry(ty.name.to_string()).or_default();
        list.extend(attrs.iter().map(|a| a.name.to_string()));
    }

    fn item(&mut self, item: &Item) {
        match &item.kind {
            ItemKind::ClassDecl(id) => self.declare(id, Kind::Class, item, None),
            ItemKind::SidDecl(id) => self.declare(id, Kind::Sid, item, None),
            ItemKind::Common { name, perms } => {
                self.declare(name, Kind::Common, item, None);
                for p in perms {
                    self.declare(p, Kind::Permission, item, Some(name));
                }
                let names: Vec<String> = perms.iter().map(|p| p.name.to_string()).collect();
                self.commons.insert(name.name.to_string(), names.clone());
                self.out.perms.insert(name.name.to_string(), names);
            }
            ItemKind::ClassDef {
                name,
                inherits,
                perms,
            } => {
                self.declare(name, Kind::Class, item, None);
                for p in perms {
                    self.declare(p, Kind::Permission, item, Some(name));
                }
                let mut all = inherits
                    .as_ref()
                    .and_then(|c| self.commons.get(c.name.as_str()).cloned())
                    .unwrap_or_default();
                all.extend(perms.iter().map(|p| p.name.to_string()));
                self.out.perms.insert(name.name.to_string(), all);
            }
            ItemKind::Sensitivity { name, aliases } => {
                for id in std::iter::once(name).chain(aliases) {
                    self.declare(id, Kind::Sensitivity, item, None);
                }
            }
            ItemKind::Category { name, aliases } => {
                for id in std::iter::once(name).chain(aliases) {
                    self.declare(id, Kind::Category, item, None);
                }
            }
            ItemKind::Attribute(id) => self.declare(id, Kind::Attribute, item, None),
            ItemKind::Type {
                name,
                aliases,
                attrs,
            } => {
                self.declare(name, Kind::Type, item, None);
                for a in aliases {
                    self.declare(a, Kind::Alias, item, None);
                }
                self.give_attributes(name, attrs);
            }
            ItemKind::TypeAlias { aliases, .. } => {
                for a in aliases {
                    self.declare(a, Kind::Alias, item, None);
                }
            }
            ItemKind::TypeAttribute { ty, attrs } => self.give_attributes(ty, attrs),
            ItemKind::Bool { name, .. } => self.declare(name, Kind::Bool, item, None),
            ItemKind::Tunable { name, .. } => self.declare(name, Kind::Tunable, item, None),
            ItemKind::Role { name, .. } => self.declare(name, Kind::Role, item, None),
            ItemKind::AttributeRole(id) => self.declare(id, Kind::RoleAttribute, item, None),
            ItemKind::User { name, .. } => self.declare(name, Kind::User, item, None),
            ItemKind::If {
                then_items,
                else_items,
                ..
            } => {
                self.items(then_items);
                self.items(else_items.as_deref().unwrap_or_default());
            }
            ItemKind::Optional { items, else_items } => {
                self.items(items);
                self.items(else_items.as_deref().unwrap_or_default());
            }
            _ => {}
        }
    }
}

/// Whether `c` can be part of a policy or macro name.
fn is_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The macros a file defines: `define(`NAME'`, and refpolicy's `interface(`NAME'` and
/// `template(`NAME'`, each with its first lines as its statement.
fn macro_definitions(id: FileId, file: &SourceFile, out: &mut Vec<Symbol>) {
    let text = file.text().as_bytes();
    for keyword in ["define(", "interface(", "template("] {
        let mut from = 0;
        while let Some(p) = file.text()[from..].find(keyword) {
            let at = from + p;
            from = at + keyword.len();
            if at > 0 && is_name_byte(text[at - 1]) {
                continue;
            }
            let mut start = from;
            if text.get(start) == Some(&b'`') {
                start += 1;
            }
            let end = start
                + text[start..]
                    .iter()
                    .take_while(|&&c| is_name_byte(c))
                    .count();
            if end == start {
                continue;
            }
            let line = file.line_index(at);
            let last = (line + DEFINE_LINES).min(file.line_starts().len()) - 1;
            let body = &file.text()[file.line_range(line).start..file.line_range(last).end];
            out.push(Symbol {
                name: file.text()[start..end].to_string(),
                kind: Kind::Macro,
                file: id,
                span: Span::new(start, end),
                statement: body.to_string(),
                container: None,
            });
        }
    }
}

impl Symbols {
    /// Every declaration, sorted by name.
    pub fn all(&self) -> &[Symbol] {
        &self.defs
    }

    /// The declarations of `name`.
    pub fn lookup(&self, name: &str) -> &[Symbol] {
        let lo = self.defs.partition_point(|s| s.name.as_str() < name);
        let hi = lo + self.defs[lo..].partition_point(|s| s.name == name);
        &self.defs[lo..hi]
    }

    /// The attributes given to a type, sorted.
    pub fn attributes_of(&self, ty: &str) -> &[String] {
        self.attributes.get(ty).map_or(&[], Vec::as_slice)
    }

    /// The permissions of a class or common (inherited ones first).
    pub fn permissions_of(&self, class: &str) -> &[String] {
        self.perms.get(class).map_or(&[], Vec::as_slice)
    }

    /// Whether a file is the generated policy.conf of a tree rather than one of the
    /// user's files.
    pub fn is_generated(&self, file: FileId) -> bool {
        self.generated == Some(file)
    }

    /// Every place `name` is written as a whole word outside `#` comments, in the user's
    /// files of `map`, in file and text order.
    pub fn references(&self, map: &SourceMap, name: &str) -> Vec<(FileId, Span)> {
        let mut out = Vec::new();
        if name.is_empty() {
            return out;
        }
        for (id, file) in map.files() {
            if self.is_generated(id) {
                continue;
            }
            let mut line_start = 0;
            for line in file.text().split_inclusive('\n') {
                let code = line.find('#').map_or(line, |c| &line[..c]);
                let bytes = code.as_bytes();
                let mut from = 0;
                while let Some(p) = code[from..].find(name) {
                    let at = from + p;
                    from = at + name.len();
                    let before = at.checked_sub(1).map(|i| bytes[i]);
                    let after = bytes.get(from).copied();
                    if !before.is_some_and(is_name_byte) && !after.is_some_and(is_name_byte) {
                        out.push((id, Span::new(line_start + at, line_start + from)));
                    }
                }
                line_start += line.len();
            }
        }
        out
    }
}

/// What the call of macro `name` written at `file_name:line` (1-based) expanded to, as
/// far as it reached the output (at most a few kilobytes).
pub fn expansion_at(
    expanded: &m4::Expanded,
    file_name: &str,
    line: u32,
    name: &str,
) -> Option<String> {
    let call = expanded.expansions.iter().position(|e| {
        e.name == name && e.call_line == line && expanded.file_name(e.call_file) == file_name
    })? as u32;
    let within = |mut next: Option<u32>| {
        // Bounded by the number of expansions, which a parent link cannot exceed.
        for _ in 0..=expanded.expansions.len() {
            match next {
                Some(i) if i == call => return true,
                Some(i) => next = expanded.expansions.get(i as usize).and_then(|e| e.parent),
                None => return false,
            }
        }
        false
    };
    let mut out = Vec::new();
    for (k, o) in expanded.origins.iter().enumerate() {
        if !within(o.expansion) {
            continue;
        }
        let end = expanded
            .origins
            .get(k + 1)
            .map_or(expanded.output.len(), |n| n.start as usize);
        out.extend_from_slice(expanded.output.get(o.start as usize..end).unwrap_or(&[]));
        if out.len() > EXPANSION_LIMIT {
            out.truncate(EXPANSION_LIMIT);
            out.extend_from_slice(b"\n...");
            break;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policydb::Target;
    use crate::project::{build_tree, fs::RealFs, Options};
    use std::path::{Path, PathBuf};

    fn bundled_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policy")
    }

    fn bundled() -> super::super::Outcome {
        let dir = bundled_dir();
        let mut opts = Options::new(Target::Xen);
        opts.index = true;
        build_tree(&dir, &opts, &RealFs).unwrap()
    }

    #[test]
    fn types_and_macros_are_placed_in_the_files_that_declare_them() {
        let (outcome, dir) = (bundled(), bundled_dir());
        let syms = outcome.symbols.as_ref().unwrap();
        let at = |name: &str, kind: Kind| {
            let s = syms.lookup(name).iter().find(|s| s.kind == kind).unwrap();
            let f = outcome.map.file(s.file);
            let name = Path::new(&f.name).strip_prefix(&dir).unwrap();
            (
                name.display().to_string(),
                f.text()[s.span.range()].to_string(),
            )
        };
        assert_eq!(
            at("create_domain", Kind::Macro),
            ("modules/xen.if".into(), "create_domain".into())
        );
        assert_eq!(
            at("dom0_t", Kind::Type),
            ("modules/dom0.te".into(), "dom0_t".into())
        );
        assert!(syms
            .attributes_of("dom0_t")
            .contains(&"domain_type".to_string()));
        assert!(syms.permissions_of("domain").contains(&"pause".to_string()));
        assert!(!syms.references(&outcome.map, "dom0_t").is_empty());
    }

    #[test]
    fn a_macro_call_shows_its_expansion() {
        let outcome = bundled();
        let expanded = outcome.expanded.as_ref().unwrap();
        let call = expanded
            .expansions
            .iter()
            .find(|e| e.name == "create_domain" && expanded.file_name(e.call_file).ends_with(".te"))
            .unwrap();
        let text = expansion_at(
            expanded,
            expanded.file_name(call.call_file),
            call.call_line,
            "create_domain",
        )
        .unwrap();
        assert!(text.contains("allow"), "{text}");
    }
}
