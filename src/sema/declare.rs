//! Declarations and the values libsepol gives them.
//!
//! checkpolicy parses in two passes: the first declares every symbol, the second resolves
//! rules, so a rule may name a type declared further down. Here [`declare`] plays the first
//! pass over all blocks, decides which `optional` blocks are enabled, and numbers symbols:
//! classes, commons, permissions, initial SIDs and categories in declaration order,
//! sensitivities in `dominance` order, and types, roles, users and booleans in the
//! iteration order of the parse-time hash tables (binary-format.md §11.1).

use super::{resolve, Cx, Options};
use crate::diag::Diagnostic;
use crate::name::Name;
use crate::policydb::{hashtab, hashtab::initial_size, Ebitmap, PolicyDb};
use crate::source::Span;
use crate::syntax::ast::{self, ItemKind};
use std::collections::{HashMap, HashSet};

/// The statements of the global block or of one `optional` (or its `else`) block, without
/// the nested optional blocks, which are blocks of their own.
pub(super) struct Block<'a> {
    /// Statements in source order.
    pub items: Vec<&'a ast::Item>,
    /// `require` declarations of the block and, for an optional block, all those of its
    /// enclosing blocks: checkpolicy's first pass records every require before its
    /// second pass copies them into the blocks nested inside. (An `else` block's are
    /// never checked: the linker keeps it whenever its optional block is left out.)
    pub requires: Vec<&'a ast::RequireDecl>,
    /// The enclosing block (none for the global block).
    pub parent: Option<usize>,
    /// For an `else` block, the optional block it is the alternative of.
    pub else_of: Option<usize>,
}

/// Splits a policy into blocks: the global block first, then optional blocks in the order
/// their `optional` keyword appears, each followed by its `else` block.
pub(super) fn blocks(policy: &ast::Policy) -> Vec<Block<'_>> {
    let mut out = vec![Block {
        items: Vec::new(),
        requires: Vec::new(),
        parent: None,
        else_of: None,
    }];
    collect_block(&policy.items, 0, &mut out);
    // Enclosing blocks come first, so each inherits from a complete parent.
    for i in 1..out.len() {
        if let (Some(p), None) = (out[i].parent, out[i].else_of) {
            let inherited = out[p].requires.clone();
            out[i].requires.extend(inherited);
        }
    }
    out
}

fn collect_block<'a>(items: &'a [Box<ast::Item>], idx: usize, out: &mut Vec<Block<'a>>) {
    for item in items {
        match &item.kind {
            ItemKind::Optional { items, else_items } => {
                let opt = out.len();
                out.push(Block {
                    items: Vec::new(),
                    requires: Vec::new(),
                    parent: Some(idx),
                    else_of: None,
                });
                // libsepol keeps an optional and its `else` as two branches of one block,
                // listed before the blocks nested in either: its rules are created in
                // that order.
                let alt = else_items.as_ref().map(|_| {
                    out.push(Block {
                        items: Vec::new(),
                        requires: Vec::new(),
                        parent: Some(idx),
                        else_of: Some(opt),
                    });
                    out.len() - 1
                });
                collect_block(items, opt, out);
                if let (Some(e), Some(else_items)) = (alt, else_items) {
                    collect_block(else_items, e, out);
                }
            }
            ItemKind::Require(decls) => out[idx].requires.extend(decls.iter()),
            _ => out[idx].items.push(item),
        }
    }
}

/// The names as the database holds them.
fn strings(names: &[Name]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

/// A class with its permissions.
pub(super) struct ClassSym {
    pub name: Name,
    pub common: Option<usize>,
    pub perms: Vec<Name>,
    /// Whether an access-vector definition (`class c { ... }`) was seen.
    pub defined: bool,
}

/// A common with its permissions.
pub(super) struct CommonSym {
    pub name: Name,
    pub perms: Vec<Name>,
}

/// What a type-table name stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TypeSym {
    /// A type with this value.
    Type(u32),
    /// An attribute with this value.
    Attribute(u32),
    /// An alias of the type with this value.
    Alias(u32),
}

impl TypeSym {
    /// The value the name resolves to.
    pub fn value(self) -> u32 {
        match self {
            TypeSym::Type(v) | TypeSym::Attribute(v) | TypeSym::Alias(v) => v,
        }
    }
}

/// A boolean or tunable.
#[derive(Debug, Clone, Copy)]
pub(super) struct BoolSym {
    /// Kernel value (0 for tunables, which never reach the kernel policy).
    pub value: u32,
    /// Unique among booleans and tunables (tells tunables apart in conditions).
    pub id: u32,
    pub tunable: bool,
    pub state: bool,
}

/// Everything declared, with values.
pub(super) struct Syms {
    pub commons: Vec<CommonSym>,
    pub common_idx: HashMap<Name, usize>,
    pub classes: Vec<ClassSym>,
    pub class_idx: HashMap<Name, usize>,
    /// Initial SIDs in declaration order (number = index + 1).
    pub sids: Vec<ast::Ident>,
    pub types: HashMap<Name, TypeSym>,
    /// Type and attribute names by value - 1.
    pub type_names: Vec<Name>,
    pub type_is_attr: Vec<bool>,
    /// Members of each attribute (by attribute value - 1; empty for types).
    pub attr_members: Vec<Ebitmap>,
    /// Attributes declared `expandattribute ... true` (bit = value - 1).
    pub expand_true: Ebitmap,
    pub type_bounds: Vec<u32>,
    /// Where each explicit `typebounds` of a type (by value - 1) was written.
    pub bounds_spans: HashMap<u32, Span>,
    pub aliases: Vec<(Name, u32)>,
    pub roles: HashMap<Name, u32>,
    pub role_names: Vec<Name>,
    pub role_is_attr: Vec<bool>,
    /// Member roles of each role attribute (bit = value - 1).
    pub role_attr_members: Vec<Ebitmap>,
    pub users: HashMap<Name, u32>,
    pub user_names: Vec<Name>,
    pub bools: HashMap<Name, BoolSym>,
    /// Kernel booleans by value - 1: (name, default state).
    pub kernel_bools: Vec<(Name, bool)>,
    /// Sensitivity values by name (aliases included).
    pub sens: HashMap<Name, u32>,
    /// Sensitivity records: (name, is alias, value).
    pub sens_records: Vec<(Name, bool, u32)>,
    /// Category values by name (aliases included).
    pub cats: HashMap<Name, u32>,
    pub cat_records: Vec<(Name, bool, u32)>,
    pub n_cats: u32,
    /// Categories allowed with each sensitivity (by value - 1), from `level` statements.
    pub sens_cats: Vec<Option<Ebitmap>>,
    pub policycaps: Ebitmap,
    pub permissive: Ebitmap,
    pub enabled: Vec<bool>,
    /// Where each user is first declared (byte offset): users exist only from their
    /// `user` statement on, in checkpolicy's second pass, so a constraint before it may
    /// not name them. (The first pass's statements are checked by `FirstPassNames`.)
    pub declared_at: HashMap<(Space, Name), u32>,
    /// Types, attributes and aliases of left-out blocks that enclose a kept `else` block:
    /// names it may use, which stand for no type.
    pub left_out_types: HashSet<Name>,
    /// Roles only a role dominance declares, with where the first such dominance is:
    /// checkpolicy creates them when its second pass reaches it, so a `role R types`
    /// before it names an unknown role.
    pub dominance_roles_from: HashMap<Name, u32>,
    /// Every type, attribute and alias name any block declares or requires: a name
    /// outside it is unknown wherever it is used.
    pub type_names_anywhere: HashSet<Name>,
    /// Every boolean and tunable any block declares or requires: a condition naming
    /// another is refused even in a block that is left out, as checkpolicy reads it.
    pub bool_names_anywhere: HashSet<Name>,
}

impl Syms {
    /// The database with the symbol tables filled and the rule lists empty.
    pub fn skeleton(&self, opts: &Options) -> PolicyDb {
        use crate::policydb::{
            Category, Class, Common, Level, Sensitivity, Type, TypeAlias, TypeFlavor,
        };
        let mut db = PolicyDb::new(opts.target, opts.mls);
        db.handle_unknown = opts.handle_unknown;
        db.policycaps = self.policycaps.clone();
        db.permissive = self.permissive.clone();
        db.commons = self
            .commons
            .iter()
            .map(|c| Common {
                name: c.name.to_string(),
                perms: strings(&c.perms),
            })
            .collect();
        db.classes = self
            .classes
            .iter()
            .map(|c| Class {
                name: c.name.to_string(),
                common: c.common.map(|i| self.commons[i].name.to_string()),
                perms: strings(&c.perms),
                constraints: Vec::new(),
                validatetrans: Vec::new(),
                default_user: 0,
                default_role: 0,
                default_range: 0,
                default_type: 0,
            })
            .collect();
        db.types = (0..self.type_names.len())
            .map(|i| Type {
                name: self.type_names[i].to_string(),
                flavor: if self.type_is_attr[i] {
                    TypeFlavor::Attribute
                } else {
                    TypeFlavor::Type
                },
                bounds: crate::policydb::TypeId::from_value(self.type_bounds[i]),
            })
            .collect();
        db.aliases = self
            .aliases
            .iter()
            .map(|(n, v)| TypeAlias {
                name: n.to_string(),
                target: super::id(*v),
            })
            .collect();
        // Each type's row: itself and the attributes that hold it (attributes expanded
        // by `expandattribute ... true` left out); an attribute's row: itself unless
        // expanded. Built attribute by attribute, so linear in the memberships.
        let mut rows = vec![Ebitmap::new(); self.type_names.len()];
        for (a, members) in self.attr_members.iter().enumerate() {
            if self.expand_true.get(a as u32) {
                continue;
            }
            for i in members.iter() {
                if let Some(row) = rows
                    .get_mut(i as usize)
                    .filter(|_| !self.type_is_attr[i as usize])
                {
                    row.set(a as u32);
                }
            }
        }
        for (i, row) in rows.iter_mut().enumerate() {
            if !self.type_is_attr[i] || !self.expand_true.get(i as u32) {
                row.set(i as u32);
            }
        }
        db.type_attr_map = rows;
        db.bools = self
            .kernel_bools
            .iter()
            .map(|(n, s)| crate::policydb::Bool {
                name: n.to_string(),
                state: *s,
            })
            .collect();
        if opts.mls {
            db.sens = self
                .sens_records
                .iter()
                .map(|(n, alias, v)| Sensitivity {
                    name: n.to_string(),
                    alias: *alias,
                    level: Level {
                        sens: *v,
                        cats: self.sens_cats[*v as usize - 1].clone().unwrap_or_default(),
                    },
                })
                .collect();
            db.cats = self
                .cat_records
                .iter()
                .map(|(n, alias, v)| Category {
                    name: n.to_string(),
                    value: *v,
                    alias: *alias,
                })
                .collect();
        }
        db
    }

    /// Resolves a type-table name.
    pub fn ty(&self, name: &str) -> Option<TypeSym> {
        self.types.get(name).copied()
    }
}

/// The most types (attributes included) or classes a policy may have.
const MAX_VALUE: usize = crate::policydb::limits::MAX_SYMBOLS as usize;

/// Names declared by one block, before values are known.
#[derive(Default)]
struct Decls<'a> {
    types: Vec<&'a ast::Ident>,
    attrs: Vec<&'a ast::Ident>,
    aliases: Vec<(&'a ast::Ident, &'a ast::Ident)>,
    roles: Vec<&'a ast::Ident>,
    /// The roles of `roles` that a role dominance declares: checkpolicy declares them in
    /// its second pass, so they are not in the scope its first pass builds.
    dominance_roles: Vec<&'a ast::Ident>,
    role_attrs: Vec<&'a ast::Ident>,
    users: Vec<&'a ast::Ident>,
    bools: Vec<(&'a ast::Ident, bool, bool)>,
}

impl<'a> Decls<'a> {
    /// Whether the role `n` of `roles` is one a role dominance declares.
    fn by_dominance(&self, n: &ast::Ident) -> bool {
        self.dominance_roles.iter().any(|r| r.span == n.span)
    }

    /// Every name declared, with its symbol table.
    fn names(&self) -> impl Iterator<Item = (Space, &'a ast::Ident)> + '_ {
        (self.types.iter().chain(&self.attrs).copied())
            .chain(self.aliases.iter().map(|&(a, _)| a))
            .map(|n| (Space::Types, n))
            .chain((self.roles.iter().chain(&self.role_attrs)).map(|&n| (Space::Roles, n)))
            .chain(self.users.iter().map(|&n| (Space::Users, n)))
            .chain(self.bools.iter().map(|&(n, _, _)| (Space::Bools, n)))
    }
}

/// Declares every symbol of the enabled blocks; `None` when a declaration error makes
/// the rest meaningless.
pub(super) fn declare(cx: &mut Cx, blocks: &[Block<'_>]) -> Option<Syms> {
    let mut syms = Syms {
        commons: Vec::new(),
        common_idx: HashMap::new(),
        classes: Vec::new(),
        class_idx: HashMap::new(),
        sids: Vec::new(),
        types: HashMap::new(),
        type_names: Vec::new(),
        type_is_attr: Vec::new(),
        attr_members: Vec::new(),
        expand_true: Ebitmap::new(),
        type_bounds: Vec::new(),
        bounds_spans: HashMap::new(),
        aliases: Vec::new(),
        roles: HashMap::new(),
        role_names: Vec::new(),
        role_is_attr: Vec::new(),
        role_attr_members: Vec::new(),
        users: HashMap::new(),
        user_names: Vec::new(),
        bools: HashMap::new(),
        kernel_bools: Vec::new(),
        sens: HashMap::new(),
        sens_records: Vec::new(),
        cats: HashMap::new(),
        cat_records: Vec::new(),
        n_cats: 0,
        sens_cats: Vec::new(),
        policycaps: Ebitmap::new(),
        permissive: Ebitmap::new(),
        enabled: vec![false; blocks.len()],
        declared_at: HashMap::new(),
        left_out_types: HashSet::new(),
        dominance_roles_from: HashMap::new(),
        type_names_anywhere: HashSet::new(),
        bool_names_anywhere: HashSet::new(),
    };
    let errors_before = cx.diags.len();
    declare_classes(cx, &mut syms, &blocks[0]);
    declare_mls(cx, &mut syms, &blocks[0]);

    // Symbols of the type, role, user and boolean tables, per block.
    let decls: Vec<Decls> = blocks.iter().map(|b| block_decls(b)).collect();
    for (b, d) in blocks.iter().zip(&decls) {
        if b.else_of.is_some() {
            else_declarations(cx, b, d);
        }
        required_permissions(cx, &syms, b);
        named_transitions_in_conditionals(cx, b);
    }
    decide_enabled(&mut syms, blocks, &decls);
    block_scopes(cx, blocks, &decls);
    for (b, d) in blocks.iter().zip(&decls) {
        let declared =
            (d.types.iter().chain(&d.attrs).copied()).chain(d.aliases.iter().map(|&(a, _)| a));
        let required = (b.requires.iter())
            .filter(|r| matches!(r.kind.name.as_str(), "type" | "attribute"))
            .flat_map(|r| &r.names);
        syms.type_names_anywhere
            .extend(declared.chain(required).map(|n| n.name));
        let required_bools = (b.requires.iter())
            .filter(|r| matches!(r.kind.name.as_str(), "bool" | "tunable"))
            .flat_map(|r| &r.names);
        let declared_bools = d.bools.iter().map(|(n, _, _)| *n);
        syms.bool_names_anywhere
            .extend(declared_bools.chain(required_bools).map(|n| n.name));
    }
    // A boolean required before its declaration is created false by the require, and the
    // declaration's state is then ignored.
    let mut required_at: HashMap<&str, u32> = HashMap::new();
    for r in blocks.iter().flat_map(|b| &b.requires) {
        if matches!(r.kind.name.as_str(), "bool" | "tunable") {
            for n in &r.names {
                let at = required_at.entry(n.name.as_str()).or_insert(u32::MAX);
                *at = (*at).min(n.span.start);
            }
        }
    }
    number_symbols(cx, &mut syms, &decls, &required_at);
    // checkpolicy's first pass reads the attribute statements of every block in text
    // order: a name declared later is its error there, whatever else is wrong, and in a
    // block the linker leaves out its other mistakes too.
    syms.dominance_roles_from = dominance_only_roles(blocks, &decls);
    let first_pass = FirstPassNames::new(blocks, &decls);
    for (i, (b, &kept)) in blocks.iter().zip(&syms.enabled).enumerate() {
        first_pass.check(cx, b, i, kept);
    }
    if cx.diags[errors_before..].iter().any(Diagnostic::is_error) {
        let mut first_pass_errors = cx.diags.split_off(errors_before);
        if first_pass_errors.iter().any(|d| d.code == DECLARED_LATER) {
            // Names declared too late are reported in text order, checkpolicy's first
            // error first.
            first_pass_errors.sort_by_key(|d| d.primary_label().map_or(u32::MAX, |l| l.span.start));
        }
        cx.diags.extend(first_pass_errors);
        return None;
    }
    let enabled = enabled_blocks(blocks, &syms.enabled);
    for b in &enabled {
        attach_attributes(cx, &mut syms, b);
    }
    if cx.diags[errors_before..].iter().any(Diagnostic::is_error) {
        return None;
    }
    flatten_role_attributes(&mut syms);
    for (i, b) in enabled.iter().enumerate() {
        declare_misc(cx, &mut syms, b);
        // Dotted names get their implied bounds after the first block, so an explicit
        // `typebounds` in a later block conflicts with them. Once is enough: later blocks
        // only give bounds, never take them away.
        if i == 0 {
            bound_dotted_types(&mut syms);
        }
    }
    Some(syms)
}

/// Every statement of the blocks, with the statements of `if` branches in place of their
/// `if` (in source order, true branch first).
pub(super) fn statements<'b, 'a: 'b>(
    blocks: &'b [&'b Block<'a>],
) -> impl Iterator<Item = &'a ast::Item> + 'b {
    blocks
        .iter()
        .flat_map(|b| b.items.iter())
        .flat_map(|&item| {
            let (plain, branches) = match &item.kind {
                ItemKind::If {
                    then_items,
                    else_items,
                    ..
                } => (
                    None,
                    Some((then_items.iter().chain(else_items.iter().flatten())).map(Box::as_ref)),
                ),
                _ => (Some(item), None),
            };
            plain.into_iter().chain(branches.into_iter().flatten())
        })
}

/// The blocks (or per-block data) that `enabled` marks, in order.
pub(super) fn enabled_blocks<'b, T>(blocks: &'b [T], enabled: &[bool]) -> Vec<&'b T> {
    blocks
        .iter()
        .zip(enabled)
        .filter(|(_, on)| **on)
        .map(|(b, _)| b)
        .collect()
}

/// `class`, `sid`, `common`, class definitions and `default_*` (global block only, as the
/// grammar places them first).
fn declare_classes(cx: &mut Cx, syms: &mut Syms, block: &Block<'_>) {
    for item in &block.items {
        match &item.kind {
            ItemKind::ClassDecl(name) => {
                if syms.class_idx.contains_key(name.name.as_str()) {
                    cx.error(
                        "duplicate-declaration",
                        name.span,
                        format!("duplicate declaration of class `{}`", name.name),
                        "declared again here",
                    );
                    continue;
                }
                if syms.classes.len() == MAX_VALUE {
                    // checkpolicy wraps the 16-bit value silently; flaskc refuses.
                    cx.error(
                        "too-many-symbols",
                        name.span,
                        format!("class space overflow: more than {MAX_VALUE} classes"),
                        "this class would need a value past 16 bits",
                    );
                    continue;
                }
                syms.class_idx.insert(name.name, syms.classes.len());
                syms.classes.push(ClassSym {
                    name: name.name,
                    common: None,
                    perms: Vec::new(),
                    defined: false,
                });
            }
            ItemKind::SidDecl(name) => {
                if syms.sids.iter().any(|s| s.name == name.name) {
                    cx.error(
                        "duplicate-declaration",
                        name.span,
                        format!("duplicate declaration of initial sid `{}`", name.name),
                        "declared again here",
                    );
                    continue;
                }
                syms.sids.push(*name);
            }
            ItemKind::Common { name, perms } => {
                if syms.common_idx.contains_key(name.name.as_str()) {
                    cx.error(
                        "duplicate-declaration",
                        name.span,
                        format!("duplicate declaration of common `{}`", name.name),
                        "declared again here",
                    );
                    continue;
                }
                let perms = unique_perms(cx, perms, &[]);
                syms.common_idx.insert(name.name, syms.commons.len());
                syms.commons.push(CommonSym {
                    name: name.name,
                    perms,
                });
            }
            ItemKind::ClassDef {
                name,
                inherits,
                perms,
            } => define_class(cx, syms, name, inherits.as_ref(), perms),
            _ => {}
        }
    }
}

fn define_class(
    cx: &mut Cx,
    syms: &mut Syms,
    name: &ast::Ident,
    inherits: Option<&ast::Ident>,
    perms: &[ast::Ident],
) {
    let Some(&idx) = syms.class_idx.get(name.name.as_str()) else {
        cx.error(
            "undefined-class",
            name.span,
            format!("class `{}` is not declared", name.name),
            "not in the class declarations",
        );
        return;
    };
    if syms.classes[idx].defined {
        cx.error(
            "duplicate-declaration",
            name.span,
            format!("duplicate definition of class `{}`", name.name),
            "defined again here",
        );
        return;
    }
    let common = match inherits {
        Some(c) => match syms.common_idx.get(c.name.as_str()) {
            Some(&i) => Some(i),
            None => {
                cx.error(
                    "undefined-common",
                    c.span,
                    format!("common `{}` is not defined", c.name),
                    "no such common",
                );
                return;
            }
        },
        None => None,
    };
    let inherited: Vec<Name> = common
        .map(|i| syms.commons[i].perms.clone())
        .unwrap_or_default();
    let perms = unique_perms(cx, perms, &inherited);
    if perms.len() + inherited.len() > 32 {
        cx.error(
            "too-many-permissions",
            name.span,
            format!("class `{}` has more than 32 permissions", name.name),
            "defined here",
        );
    }
    let c = &mut syms.classes[idx];
    c.defined = true;
    c.common = common;
    c.perms = perms;
}

/// Permission names of a list, reporting repeats (also of inherited names).
fn unique_perms(cx: &mut Cx, perms: &[ast::Ident], inherited: &[Name]) -> Vec<Name> {
    let mut out: Vec<Name> = Vec::new();
    for p in perms {
        if out.contains(&p.name) || inherited.contains(&p.name) {
            cx.error(
                "duplicate-declaration",
                p.span,
                format!("duplicate permission `{}`", p.name),
                "already listed",
            );
            continue;
        }
        out.push(p.name);
    }
    out
}

/// Sensitivities, dominance, categories and levels.
fn declare_mls(cx: &mut Cx, syms: &mut Syms, block: &Block<'_>) {
    let mut sens_decls: Vec<(&ast::Ident, &Vec<ast::Ident>)> = Vec::new();
    for item in &block.items {
        match &item.kind {
            ItemKind::Sensitivity { name, aliases } => {
                if !cx.opts.mls {
                    mls_not_enabled(cx, item.span);
                    return;
                }
                let taken = |n: &ast::Ident| {
                    (sens_decls.iter())
                        .any(|(d, a)| d.name == n.name || a.iter().any(|x| x.name == n.name))
                };
                if let Some(n) = std::iter::once(name).chain(aliases).find(|n| taken(n)) {
                    cx.error(
                        "duplicate-declaration",
                        n.span,
                        format!("duplicate declaration of sensitivity `{}`", n.name),
                        "declared again here",
                    );
                    continue;
                }
                sens_decls.push((name, aliases));
            }
            ItemKind::Dominance(order) => {
                let mut value = 0;
                for s in order {
                    let Some((decl, aliases)) = sens_decls
                        .iter()
                        .find(|(n, a)| n.name == s.name || a.iter().any(|x| x.name == s.name))
                    else {
                        cx.error(
                            "undefined-sensitivity",
                            s.span,
                            format!("sensitivity `{}` is not defined", s.name),
                            "not declared",
                        );
                        continue;
                    };
                    if syms.sens.contains_key(decl.name.as_str()) {
                        cx.error(
                            "duplicate-declaration",
                            s.span,
                            format!("sensitivity `{}` appears twice in the dominance", s.name),
                            "repeated",
                        );
                        continue;
                    }
                    value += 1;
                    syms.sens.insert(decl.name, value);
                    syms.sens_records.push((decl.name, false, value));
                    for a in aliases.iter() {
                        syms.sens.insert(a.name, value);
                        syms.sens_records.push((a.name, true, value));
                    }
                }
                for (decl, _) in &sens_decls {
                    if !syms.sens.contains_key(decl.name.as_str()) {
                        cx.error(
                            "undefined-sensitivity",
                            decl.span,
                            format!("sensitivity `{}` is missing from the dominance", decl.name),
                            "declared here",
                        );
                    }
                }
                syms.sens_cats = vec![None; value as usize];
            }
            ItemKind::Category { name, aliases } => {
                if !cx.opts.mls {
                    mls_not_enabled(cx, item.span);
                    return;
                }
                if syms.cats.contains_key(name.name.as_str()) {
                    cx.error(
                        "duplicate-declaration",
                        name.span,
                        format!("duplicate declaration of category `{}`", name.name),
                        "declared again here",
                    );
                    continue;
                }
                syms.n_cats += 1;
                let v = syms.n_cats;
                syms.cats.insert(name.name, v);
                syms.cat_records.push((name.name, false, v));
                for a in aliases {
                    syms.cats.insert(a.name, v);
                    syms.cat_records.push((a.name, true, v));
                }
            }
            ItemKind::LevelDecl(level) => {
                let Some(&s) = syms.sens.get(level.sens.name.as_str()) else {
                    cx.error(
                        "undefined-sensitivity",
                        level.sens.span,
                        format!("sensitivity `{}` is not defined", level.sens.name),
                        "not declared",
                    );
                    continue;
                };
                // checkpolicy tells an earlier level only by the categories it gave.
                if syms.sens_cats[s as usize - 1]
                    .as_ref()
                    .is_some_and(|c| !c.is_empty())
                {
                    cx.error(
                        "duplicate-declaration",
                        level.sens.span,
                        format!(
                            "sensitivity `{}` is used in more than one level statement",
                            level.sens.name
                        ),
                        "a second level for this sensitivity",
                    );
                    continue;
                }
                let Some(cats) = resolve::categories(cx, syms, &level.cats) else {
                    continue;
                };
                syms.sens_cats[s as usize - 1] = Some(cats);
            }
            _ => {}
        }
    }
    for (i, c) in syms.sens_cats.iter().enumerate() {
        if c.is_none() {
            let name = syms
                .sens_records
                .iter()
                .find(|r| r.2 == i as u32 + 1 && !r.1)
                .map_or("", |r| r.0.as_str());
            let span = sens_decls
                .iter()
                .find(|(n, _)| n.name == name)
                .map(|(n, _)| n.span)
                .unwrap_or_default();
            cx.error(
                "missing-level",
                span,
                format!("sensitivity `{name}` has no level statement"),
                "declared here",
            );
        }
    }
}

fn mls_not_enabled(cx: &mut Cx, span: Span) {
    cx.push(
        Diagnostic::error(
            "mls-not-enabled",
            "MLS statements in a policy compiled without MLS",
        )
        .primary(cx.file, span, "needs MLS")
        .note("compile with `-M` (or build with `--mls`)"),
    );
}

fn block_decls<'a>(block: &Block<'a>) -> Decls<'a> {
    let mut d = Decls::default();
    for item in &block.items {
        match &item.kind {
            ItemKind::Type { name, aliases, .. } => {
                d.types.push(name);
                d.aliases.extend(aliases.iter().map(|a| (a, name)));
            }
            ItemKind::TypeAlias { target, aliases } => {
                d.aliases.extend(aliases.iter().map(|a| (a, target)))
            }
            ItemKind::Attribute(name) => d.attrs.push(name),
            // `role R types ...` only adds types to a role declared elsewhere.
            ItemKind::Role {
                name, types: None, ..
            } => d.roles.push(name),
            // A role dominance declares the roles it names that nothing else declares.
            ItemKind::RoleDominance(doms) => {
                let mut todo: Vec<&ast::RoleDom> = doms.iter().collect();
                while let Some(dom) = todo.pop() {
                    d.roles.push(&dom.role);
                    d.dominance_roles.push(&dom.role);
                    todo.extend(&dom.dominated);
                }
            }
            ItemKind::AttributeRole(name) => d.role_attrs.push(name),
            ItemKind::User { name, .. } => d.users.push(name),
            ItemKind::Bool { name, value } => d.bools.push((name, *value, false)),
            ItemKind::Tunable { name, value } => d.bools.push((name, *value, true)),
            _ => {}
        }
    }
    d
}

/// A policy.conf (a base policy) may require only permissions its classes have:
/// checkpolicy refuses any other, whether or not the block would be enabled.
fn required_permissions(cx: &mut Cx, syms: &Syms, block: &Block<'_>) {
    for r in block.requires.iter().filter(|r| r.kind.name == "class") {
        for c in &r.names {
            let Some(&i) = syms.class_idx.get(c.name.as_str()) else {
                continue;
            };
            let class = &syms.classes[i];
            let common = class
                .common
                .map(|x| &syms.commons[x].perms[..])
                .unwrap_or(&[]);
            for p in &r.perms {
                let known = |list: &[Name]| list.contains(&p.name);
                if !known(&class.perms) && !known(common) {
                    cx.error(
                        "undefined-permission",
                        p.span,
                        format!(
                            "require of permission `{}` without prior declaration in class `{}`",
                            p.name, c.name
                        ),
                        "not a permission of the class",
                    );
                }
            }
        }
    }
}

/// A conditional may not hold a named type transition: checkpolicy's grammar refuses it in
/// the first pass, in any block.
fn named_transitions_in_conditionals(cx: &mut Cx, block: &Block<'_>) {
    let in_branches = (block.items.iter()).flat_map(|item| match &item.kind {
        ItemKind::If {
            then_items,
            else_items,
            ..
        } => Some(then_items.iter().chain(else_items.iter().flatten())),
        _ => None,
    });
    for item in in_branches.flatten() {
        if let ItemKind::TypeRule {
            object_name: Some(_),
            ..
        } = item.kind
        {
            cx.error(
                "named-transition-in-conditional",
                item.span,
                "type transitions with a file name are not allowed inside conditionals".to_string(),
                "a named type transition",
            );
        }
    }
}

/// An `else` branch may neither declare nor require (checkpolicy: "could not declare
/// here"); it only holds rules.
fn else_declarations(cx: &mut Cx, block: &Block<'_>, d: &Decls<'_>) {
    let declared = d
        .types
        .iter()
        .chain(&d.attrs)
        .chain(d.aliases.iter().map(|(a, _)| a))
        .chain(&d.roles)
        .chain(&d.role_attrs)
        .chain(&d.users)
        .chain(d.bools.iter().map(|(b, _, _)| b))
        .copied();
    let required = block.requires.iter().flat_map(|r| &r.names);
    for name in declared.chain(required) {
        cx.error(
            "declaration-in-else",
            name.span,
            format!(
                "`{}` cannot be declared or required in an `else` branch",
                name.name
            ),
            "not allowed here",
        );
    }
}

/// Decides which optional blocks are enabled, as libsepol's linker does: every block
/// starts enabled, and a block whose requirements (its own and those its enclosing blocks
/// had when it ended) name a symbol that no enabled block declares is disabled, until
/// nothing changes; an `else` block is then enabled exactly when its optional is not.
/// A type, attribute or boolean counts as declared when the last block declaring it is
/// enabled; a role or user, when any is.
fn decide_enabled(syms: &mut Syms, blocks: &[Block<'_>], decls: &[Decls<'_>]) {
    let mut declared_by: HashMap<(Space, &str), Vec<usize>> = HashMap::new();
    for (i, d) in decls.iter().enumerate() {
        if blocks[i].else_of.is_some() {
            continue;
        }
        for (space, n) in d.names() {
            declared_by
                .entry((space, n.name.as_str()))
                .or_default()
                .push(i);
        }
    }
    for (i, b) in blocks.iter().enumerate() {
        syms.enabled[i] = b.else_of.is_none();
    }
    let mut changed = true;
    while changed {
        changed = false;
        for (i, b) in blocks.iter().enumerate() {
            if b.parent.is_none() || !syms.enabled[i] {
                continue;
            }
            let known = |space: Space, name: &str| {
                declared_by
                    .get(&(space, name))
                    .is_some_and(|ds| match space {
                        Space::Roles | Space::Users => ds.iter().any(|&d| syms.enabled[d]),
                        Space::Types | Space::Bools => ds.last().is_some_and(|&d| syms.enabled[d]),
                    })
            };
            if !requires_met(syms, known, &b.requires) {
                syms.enabled[i] = false;
                changed = true;
            }
        }
    }
    for (i, b) in blocks.iter().enumerate() {
        if let Some(opt) = b.else_of {
            syms.enabled[i] = !syms.enabled[opt];
        }
    }
    // An `else` block is kept even inside an optional block that is left out; what it
    // names from that enclosing block is in scope, but the expander drops it.
    for (i, b) in blocks.iter().enumerate() {
        if !syms.enabled[i] || b.else_of.is_none() {
            continue;
        }
        let mut up = b.parent;
        while let Some(a) = up {
            if !syms.enabled[a] {
                let d = &decls[a];
                let names =
                    (d.types.iter().chain(&d.attrs)).chain(d.aliases.iter().map(|(n, _)| n));
                syms.left_out_types.extend(names.map(|n| n.name));
            }
            up = blocks[a].parent;
        }
    }
}

/// checkpolicy's scope rule: a type, role, user or boolean that some block declares or
/// requires is "not within scope" in a block where neither that block nor one enclosing
/// it declares or requires it (an `else` block is enclosed by its optional's parent).
/// Checked for every block, enabled or not, as checkpolicy checks while parsing. A role
/// dominance is checked against the first pass's scope, which its own declarations (made
/// in the second pass) are not part of.
fn block_scopes(cx: &mut Cx, blocks: &[Block<'_>], decls: &[Decls<'_>]) {
    // With the global block alone, a name is declared there or nowhere.
    if blocks.len() == 1 {
        return;
    }
    let first_pass: Vec<HashSet<(Space, &str)>> = (blocks.iter().zip(decls))
        .map(|(b, d)| {
            let required = (b.requires.iter())
                .filter_map(|r| Some((require_space(&r.kind.name)?, &r.names)))
                .flat_map(|(space, names)| names.iter().map(move |n| (space, n)));
            (d.names()
                .filter(|(_, n)| !d.by_dominance(n))
                .chain(required))
            .map(|(space, n)| (space, n.name.as_str()))
            .collect()
        })
        .collect();
    let own: Vec<HashSet<(Space, &str)>> = (first_pass.iter().zip(decls))
        .map(|(f, d)| {
            let dominance = d
                .dominance_roles
                .iter()
                .map(|n| (Space::Roles, n.name.as_str()));
            f.iter().copied().chain(dominance).collect()
        })
        .collect();
    let anywhere_first: HashSet<(Space, &str)> = first_pass.iter().flatten().copied().collect();
    let anywhere: HashSet<(Space, &str)> = own.iter().flatten().copied().collect();
    let mut used = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        for item in &b.items {
            let (scopes, known) = match item.kind {
                ItemKind::RoleDominance(_) => (&first_pass, &anywhere_first),
                _ => (&own, &anywhere),
            };
            let in_scope = |key: &(Space, &str)| {
                let mut up = Some(i);
                while let Some(a) = up {
                    if scopes[a].contains(key) {
                        return true;
                    }
                    up = blocks[a].parent;
                }
                false
            };
            used.clear();
            scoped_names(item, &mut used);
            for &(space, n) in &used {
                let key = (space, n.name.as_str());
                if known.contains(&key) && !in_scope(&key) {
                    out_of_scope(cx, space, &n, b.parent.is_none());
                }
            }
        }
    }
}

fn out_of_scope(cx: &mut Cx, space: Space, n: &ast::Ident, global: bool) {
    let what = match space {
        Space::Types => "type",
        Space::Roles => "role",
        Space::Users => "user",
        Space::Bools => "boolean",
    };
    cx.error(
        "out-of-scope",
        n.span,
        format!("{what} `{}` is not within scope", n.name),
        if global {
            "declared only inside an optional block"
        } else {
            "neither declared nor required in this block or one enclosing it"
        },
    );
}

/// The names a statement uses that checkpolicy checks for scope, in written order.
fn scoped_names<'a>(item: &'a ast::Item, out: &mut Vec<(Space, ast::Ident)>) {
    let set = |s: &'a ast::Set, space: Space, out: &mut Vec<(Space, ast::Ident)>| {
        out.extend(s.items.iter().map(|i| (space, i.name())));
    };
    let types = |names: &'a [ast::Ident], out: &mut Vec<(Space, ast::Ident)>| {
        out.extend(names.iter().map(|n| (Space::Types, *n)));
    };
    match &item.kind {
        ItemKind::AvRule { source, target, .. }
        | ItemKind::XpermRule { source, target, .. }
        | ItemKind::RangeTransition { source, target, .. } => {
            set(source, Space::Types, out);
            set(target, Space::Types, out);
        }
        ItemKind::TypeRule {
            source,
            target,
            new_type,
            ..
        } => {
            set(source, Space::Types, out);
            set(target, Space::Types, out);
            out.push((Space::Types, *new_type));
        }
        ItemKind::Type { attrs, .. } => types(attrs, out),
        ItemKind::TypeAlias { target, .. } => out.push((Space::Types, *target)),
        ItemKind::TypeAttribute { ty, attrs } => {
            out.push((Space::Types, *ty));
            types(attrs, out);
        }
        ItemKind::TypeBounds { bound, types: tys } => {
            out.push((Space::Types, *bound));
            types(tys, out);
        }
        ItemKind::Permissive(ty) => out.push((Space::Types, *ty)),
        ItemKind::ExpandAttribute { attrs, .. } => types(attrs, out),
        ItemKind::Role { name, types, attrs } => {
            if let Some(tys) = types {
                out.push((Space::Roles, *name));
                set(tys, Space::Types, out);
            }
            out.extend(attrs.iter().map(|a| (Space::Roles, *a)));
        }
        ItemKind::RoleDominance(doms) => doms.iter().for_each(|d| dominance_roles(d, out)),
        ItemKind::Constrain { expr, .. } | ItemKind::Validatetrans { expr, .. } => {
            constraint_names(expr, out)
        }
        ItemKind::RoleAttribute { role, attrs } => {
            out.push((Space::Roles, *role));
            out.extend(attrs.iter().map(|a| (Space::Roles, *a)));
        }
        ItemKind::RoleTransition {
            roles,
            types: tys,
            new_role,
            ..
        } => {
            set(roles, Space::Roles, out);
            set(tys, Space::Types, out);
            out.push((Space::Roles, *new_role));
        }
        ItemKind::RoleAllow { from, to } => {
            set(from, Space::Roles, out);
            set(to, Space::Roles, out);
        }
        ItemKind::User { roles, .. } => set(roles, Space::Roles, out),
        ItemKind::If {
            cond,
            then_items,
            else_items,
        } => {
            cond_bools(cond, out);
            for i in then_items.iter().chain(else_items.iter().flatten()) {
                scoped_names(i, out);
            }
        }
        kind => {
            for c in contexts(kind).into_iter().flatten() {
                out.push((Space::Users, c.user));
                out.push((Space::Roles, c.role));
                out.push((Space::Types, c.ty));
            }
        }
    }
}

/// Roles that no `role`, `attribute_role` or `require` names, only role dominances, with
/// the first such dominance's place.
fn dominance_only_roles(blocks: &[Block<'_>], decls: &[Decls<'_>]) -> HashMap<Name, u32> {
    let mut first_pass: HashSet<Name> = HashSet::new();
    let mut by_dominance: HashMap<Name, u32> = HashMap::new();
    for (b, d) in blocks.iter().zip(decls) {
        for r in &d.roles {
            if d.by_dominance(r) {
                let at = by_dominance.entry(r.name).or_insert(u32::MAX);
                *at = (*at).min(r.span.start);
            } else {
                first_pass.insert(r.name);
            }
        }
        first_pass.extend(d.role_attrs.iter().map(|r| r.name));
        let required = b
            .requires
            .iter()
            .filter(|r| require_space(&r.kind.name) == Some(Space::Roles));
        first_pass.extend(required.flat_map(|r| r.names.iter().map(|n| n.name)));
    }
    by_dominance.retain(|name, _| !first_pass.contains(name));
    by_dominance
}

/// The roles of a role dominance in the order checkpolicy declares them: the dominated
/// ones before the role that dominates them.
fn dominance_roles(d: &ast::RoleDom, out: &mut Vec<(Space, ast::Ident)>) {
    for sub in &d.dominated {
        dominance_roles(sub, out);
    }
    out.push((Space::Roles, d.role));
}

/// The users, roles and types a constraint expression compares with.
fn constraint_names(e: &ast::CExpr, out: &mut Vec<(Space, ast::Ident)>) {
    use ast::COperand::*;
    match e {
        ast::CExpr::Not(a) => constraint_names(a, out),
        ast::CExpr::And(a, b) | ast::CExpr::Or(a, b) => {
            constraint_names(a, out);
            constraint_names(b, out);
        }
        ast::CExpr::Attr { .. } => {}
        ast::CExpr::Names { operand, names, .. } => {
            let space = match operand {
                U1 | U2 | U3 => Space::Users,
                R1 | R2 | R3 => Space::Roles,
                T1 | T2 | T3 => Space::Types,
                L1 | L2 | H1 | H2 => return,
            };
            out.extend(names.items.iter().map(|i| (space, i.name())));
        }
    }
}

/// The security contexts of an initial SID or object context statement.
pub(super) fn contexts(kind: &ItemKind) -> [Option<&ast::Context>; 2] {
    match kind {
        ItemKind::SidContext { context, .. }
        | ItemKind::Pirqcon { context, .. }
        | ItemKind::Iomemcon { context, .. }
        | ItemKind::Ioportcon { context, .. }
        | ItemKind::Pcidevicecon { context, .. }
        | ItemKind::Devicetreecon { context, .. }
        | ItemKind::FsUse { context, .. }
        | ItemKind::Genfscon { context, .. }
        | ItemKind::Portcon { context, .. }
        | ItemKind::Nodecon { context, .. }
        | ItemKind::Ibpkeycon { context, .. }
        | ItemKind::Ibendportcon { context, .. } => [Some(context), None],
        ItemKind::Fscon {
            context, context2, ..
        }
        | ItemKind::Netifcon {
            context, context2, ..
        } => [Some(context), Some(context2)],
        _ => [None, None],
    }
}

pub(super) fn cond_bools(e: &ast::CondExpr, out: &mut Vec<(Space, ast::Ident)>) {
    use ast::CondExpr::*;
    match e {
        Bool(b) => out.push((Space::Bools, *b)),
        Not(a) => cond_bools(a, out),
        And(a, b) | Or(a, b) | Xor(a, b) | Eq(a, b) | Neq(a, b) => {
            cond_bools(a, out);
            cond_bools(b, out);
        }
    }
}

/// The symbol tables a `require` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) enum Space {
    Types,
    Roles,
    Users,
    Bools,
}

fn requires_met(
    syms: &Syms,
    known: impl Fn(Space, &str) -> bool,
    requires: &[&ast::RequireDecl],
) -> bool {
    requires.iter().all(|r| match r.kind.name.as_str() {
        "class" => r.names.iter().all(|c| {
            syms.class_idx.get(c.name.as_str()).is_some_and(|&i| {
                let class = &syms.classes[i];
                let common = class.common.map(|x| &syms.commons[x].perms);
                r.perms.iter().all(|p| {
                    class.perms.contains(&p.name) || common.is_some_and(|cp| cp.contains(&p.name))
                })
            })
        }),
        "sensitivity" => r
            .names
            .iter()
            .all(|n| syms.sens.contains_key(n.name.as_str())),
        "category" => r
            .names
            .iter()
            .all(|n| syms.cats.contains_key(n.name.as_str())),
        kind => match require_space(kind) {
            Some(space) => r.names.iter().all(|n| known(space, n.name.as_str())),
            None => true,
        },
    })
}

/// The symbol table a `require` of this kind names (none for classes, sensitivities and
/// categories, which only the global block declares).
fn require_space(kind: &str) -> Option<Space> {
    match kind {
        "role" | "attribute_role" => Some(Space::Roles),
        "user" => Some(Space::Users),
        "bool" | "tunable" => Some(Space::Bools),
        "type" | "attribute" => Some(Space::Types),
        _ => None,
    }
}

/// Type-table, role-table, user-table and boolean-table entries with their values.
fn number_symbols(
    cx: &mut Cx,
    syms: &mut Syms,
    decls: &[Decls<'_>],
    bools_required_at: &HashMap<&str, u32>,
) {
    duplicates_anywhere(cx, decls);
    // The symbols are those of the enabled blocks; the parse-time tables (whose size fixes
    // the iteration order) hold the names of every block.
    let enabled = enabled_blocks(decls, &syms.enabled);

    // Types, attributes, aliases.
    let mut kinds: HashMap<&str, (u8, &ast::Ident)> = HashMap::new();
    for d in &enabled {
        for (list, kind) in [(&d.types, 0u8), (&d.attrs, 1u8)] {
            for n in list.iter() {
                if kinds.contains_key(n.name.as_str()) {
                    continue;
                }
                kinds.insert(&n.name, (kind, n));
            }
        }
    }
    for d in &enabled {
        for (alias, _) in &d.aliases {
            if kinds.contains_key(alias.name.as_str()) {
                continue;
            }
            kinds.insert(&alias.name, (2, alias));
        }
    }
    let mut all_names: Vec<&str> = decls
        .iter()
        .flat_map(|d| {
            d.types
                .iter()
                .chain(&d.attrs)
                .map(|i| i.name.as_str())
                .chain(d.aliases.iter().map(|(a, _)| a.name.as_str()))
        })
        .collect();
    all_names.sort_unstable();
    all_names.dedup();
    for i in hashtab::hash_order(&all_names, initial_size::TYPES, all_names.len()) {
        let name = all_names[i];
        match kinds.get(name) {
            Some((0, _)) => {
                syms.type_names.push(Name::new(name));
                syms.type_is_attr.push(false);
                let v = syms.type_names.len() as u32;
                syms.types.insert(Name::new(name), TypeSym::Type(v));
            }
            Some((1, _)) => {
                syms.type_names.push(Name::new(name));
                syms.type_is_attr.push(true);
                let v = syms.type_names.len() as u32;
                syms.types.insert(Name::new(name), TypeSym::Attribute(v));
            }
            _ => {}
        }
    }
    if let Some(name) = syms.type_names.get(MAX_VALUE) {
        let span = kinds
            .get(name.as_str())
            .map(|k| k.1.span)
            .unwrap_or_default();
        cx.error(
            "too-many-symbols",
            span,
            format!("type space overflow: more than {MAX_VALUE} types and attributes"),
            "this one would need a value past 16 bits",
        );
    }
    let n = syms.type_names.len();
    syms.attr_members = vec![Ebitmap::new(); n];
    syms.type_bounds = vec![0; n];
    for d in &enabled {
        for (alias, target) in &d.aliases {
            if kinds.get(alias.name.as_str()).map(|k| k.1) != Some(alias) {
                continue;
            }
            match syms.types.get(target.name.as_str()) {
                Some(TypeSym::Type(v)) => {
                    let v = *v;
                    syms.types.insert(alias.name, TypeSym::Alias(v));
                    syms.aliases.push((alias.name, v));
                }
                Some(TypeSym::Attribute(_)) => cx.error(
                    "alias-of-attribute",
                    target.span,
                    format!("`{}` is an attribute and cannot have an alias", target.name),
                    "an attribute",
                ),
                _ => cx.error(
                    "undefined-type",
                    target.span,
                    format!("unknown type `{}`", target.name),
                    "not declared",
                ),
            }
        }
    }

    // Roles: object_r is always value 1; the others follow the parse-time table's order.
    // `role R` may name a role attribute (to give it types); it declares a role otherwise.
    let mut role_kind: HashMap<&str, bool> = HashMap::new();
    for d in &enabled {
        for r in &d.role_attrs {
            if role_kind.contains_key(r.name.as_str()) {
                cx.error(
                    "duplicate-declaration",
                    r.span,
                    format!("duplicate declaration of role attribute `{}`", r.name),
                    "declared again here",
                );
                continue;
            }
            role_kind.insert(&r.name, true);
        }
    }
    for d in &enabled {
        for r in &d.roles {
            role_kind.entry(&r.name).or_insert(false);
        }
    }
    let mut role_table: Vec<&str> = decls
        .iter()
        .flat_map(|d| d.roles.iter().chain(&d.role_attrs).map(|i| i.name.as_str()))
        .chain(["object_r"])
        .collect();
    role_table.sort_unstable();
    role_table.dedup();
    syms.role_names.push(Name::new("object_r"));
    syms.role_is_attr.push(false);
    syms.roles.insert(Name::new("object_r"), 1);
    for i in hashtab::hash_order(&role_table, initial_size::ROLES, role_table.len()) {
        let name = role_table[i];
        if name == "object_r" {
            continue;
        }
        if let Some(&attr) = role_kind.get(name) {
            syms.role_names.push(Name::new(name));
            syms.role_is_attr.push(attr);
            syms.roles
                .insert(Name::new(name), syms.role_names.len() as u32);
        }
    }
    syms.role_attr_members = vec![Ebitmap::new(); syms.role_names.len()];

    // Users.
    // A block may declare a user more than once: the statements add up.
    let mut user_set: HashMap<&str, (usize, &ast::Ident)> = HashMap::new();
    for (b, d) in enabled.iter().enumerate() {
        for u in &d.users {
            if let Some(&(prev_block, prev)) = user_set.get(u.name.as_str()) {
                if prev_block != b {
                    duplicate(cx, u, prev, "user");
                }
                continue;
            }
            user_set.insert(&u.name, (b, u));
            syms.declared_at
                .insert((Space::Users, u.name), u.span.start);
        }
    }
    let mut user_table: Vec<&str> = decls
        .iter()
        .flat_map(|d| d.users.iter().map(|i| i.name.as_str()))
        .collect();
    user_table.sort_unstable();
    user_table.dedup();
    for i in hashtab::hash_order(&user_table, initial_size::USERS, user_table.len()) {
        let name = user_table[i];
        if user_set.contains_key(name) {
            syms.user_names.push(Name::new(name));
            syms.users
                .insert(Name::new(name), syms.user_names.len() as u32);
        }
    }

    // Booleans and tunables share the parse-time table; only booleans get kernel values.
    let mut bool_set: HashMap<&str, (&ast::Ident, bool, bool)> = HashMap::new();
    for d in &enabled {
        for &(b, state, tunable) in &d.bools {
            let required_first = bools_required_at
                .get(b.name.as_str())
                .is_some_and(|&at| at < b.span.start);
            let state = state && !required_first;
            if bool_set.contains_key(b.name.as_str()) {
                continue;
            }
            bool_set.insert(&b.name, (b, state, tunable));
        }
    }
    let mut bool_table: Vec<&str> = decls
        .iter()
        .flat_map(|d| d.bools.iter().map(|(i, _, _)| i.name.as_str()))
        .collect();
    bool_table.sort_unstable();
    bool_table.dedup();
    for i in hashtab::hash_order(&bool_table, initial_size::BOOLS, bool_table.len()) {
        let name = bool_table[i];
        let Some(&(_, state, tunable)) = bool_set.get(name) else {
            continue;
        };
        let value = if tunable {
            0
        } else {
            syms.kernel_bools.push((Name::new(name), state));
            syms.kernel_bools.len() as u32
        };
        syms.bools.insert(
            Name::new(name),
            BoolSym {
                value,
                id: i as u32,
                tunable,
                state,
            },
        );
    }
}

/// Names of the type and boolean tables declared twice, in any blocks: checkpolicy
/// declares every block's symbols as it reads them, before the linker decides which
/// blocks to keep, so a repeat is an error even in blocks that are left out. Reported
/// at the later declaration in text order.
fn duplicates_anywhere(cx: &mut Cx, decls: &[Decls<'_>]) {
    let mut types: Vec<(&ast::Ident, &str)> = Vec::new();
    let mut bools: Vec<(&ast::Ident, &str)> = Vec::new();
    for d in decls {
        types.extend(d.types.iter().map(|&n| (n, "type")));
        types.extend(d.attrs.iter().map(|&n| (n, "attribute")));
        types.extend(d.aliases.iter().map(|&(n, _)| (n, "type alias")));
        let kind = |tunable: bool| if tunable { "tunable" } else { "boolean" };
        bools.extend(d.bools.iter().map(|&(n, _, tunable)| (n, kind(tunable))));
    }
    for (mut names, prev_names_kind) in [(types, false), (bools, true)] {
        names.sort_by_key(|(n, _)| n.span.start);
        let mut first: HashMap<&str, (&ast::Ident, &str)> = HashMap::new();
        for (n, what) in names {
            match first.get(n.name.as_str()) {
                Some(&(prev, prev_what)) => {
                    duplicate(cx, n, prev, if prev_names_kind { prev_what } else { what })
                }
                None => {
                    first.insert(&n.name, (n, what));
                }
            }
        }
    }
}

fn duplicate(cx: &mut Cx, now: &ast::Ident, prev: &ast::Ident, what: &str) {
    cx.push(
        Diagnostic::error(
            "duplicate-declaration",
            format!("duplicate declaration of {what} `{}`", now.name),
        )
        .primary(cx.file, now.span, "declared again here")
        .secondary(cx.file, prev.span, "first declared here"),
    );
}

/// Type attributes of `type` and `typeattribute` statements, role attributes of `role`
/// and `roleattribute` statements. Their place in the text (a name must be declared or
/// required before) was checked with [`FirstPassNames`].
fn attach_attributes(cx: &mut Cx, syms: &mut Syms, block: &Block<'_>) {
    for item in &block.items {
        let (ty, attrs) = match &item.kind {
            ItemKind::Type { name, attrs, .. } => (name, attrs),
            ItemKind::TypeAttribute { ty, attrs } => (ty, attrs),
            ItemKind::Role { name, attrs, .. } => {
                add_role_attrs(cx, syms, name, attrs);
                continue;
            }
            ItemKind::RoleAttribute { role, attrs } => {
                add_role_attrs(cx, syms, role, attrs);
                continue;
            }
            _ => continue,
        };
        let tv = match syms.ty(&ty.name) {
            Some(TypeSym::Type(v) | TypeSym::Alias(v)) => v,
            Some(TypeSym::Attribute(_)) => {
                cx.error(
                    "attribute-in-attribute",
                    ty.span,
                    format!("`{}` is an attribute, not a type", ty.name),
                    "attributes cannot belong to attributes",
                );
                continue;
            }
            None => {
                cx.error(
                    "undefined-type",
                    ty.span,
                    format!("unknown type `{}`", ty.name),
                    "not declared",
                );
                continue;
            }
        };
        for a in attrs {
            if let Some(av) = attribute(cx, syms, a) {
                syms.attr_members[av as usize - 1].set(tv - 1);
            }
        }
    }
}

/// What a type-table or role-table name is, for checkpolicy's first pass.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FirstPassKind {
    Type,
    Attribute,
    Alias,
    Role,
    RoleAttribute,
}

/// Every block's type and role declarations and requires as checkpolicy's first pass
/// meets them, in text order and whether the linker keeps the block or not: the
/// statements that pass reads (`type T, A;`, `typealias`, `typeattribute`, `role R, A;`,
/// `roleattribute`) must name what is declared or required before them, in blocks left
/// out too, and in their own block or one enclosing it.
struct FirstPassNames<'a> {
    /// Every declaration and require, sorted by name and then text order (one vector
    /// rather than a map of vectors: 60,000 types make 60,000 names).
    places: Vec<(Space, &'a str, FirstPlace)>,
    /// Each block's enclosing block.
    parents: Vec<Option<usize>>,
}

/// One declaration or require of a name.
#[derive(Clone, Copy)]
struct FirstPlace {
    at: u32,
    block: u32,
    kind: FirstPassKind,
}

impl<'a> FirstPassNames<'a> {
    fn new(blocks: &[Block<'a>], decls: &[Decls<'a>]) -> Self {
        use FirstPassKind as K;
        let mut places = Vec::new();
        let mut add = |space, n: &'a ast::Ident, block: usize, kind| {
            let place = FirstPlace {
                at: n.span.start,
                block: block as u32,
                kind,
            };
            places.push((space, n.name.as_str(), place));
        };
        for (i, (b, d)) in blocks.iter().zip(decls).enumerate() {
            let types = (d.types.iter().map(|&n| (n, K::Type)))
                .chain(d.attrs.iter().map(|&n| (n, K::Attribute)))
                .chain(d.aliases.iter().map(|&(n, _)| (n, K::Alias)))
                .map(|(n, k)| (Space::Types, n, k));
            let roles = (d.roles.iter().filter(|n| !d.by_dominance(n)))
                .map(|&n| (n, K::Role))
                .chain(d.role_attrs.iter().map(|&n| (n, K::RoleAttribute)))
                .map(|(n, k)| (Space::Roles, n, k));
            for (space, n, kind) in types.chain(roles) {
                add(space, n, i, kind);
            }
            // A `require` creates what it names, of the kind it names, if nothing has yet.
            for r in &b.requires {
                let (space, kind) = match r.kind.name.as_str() {
                    "type" => (Space::Types, K::Type),
                    "attribute" => (Space::Types, K::Attribute),
                    "role" => (Space::Roles, K::Role),
                    "attribute_role" => (Space::Roles, K::RoleAttribute),
                    _ => continue,
                };
                for n in &r.names {
                    add(space, n, i, kind);
                }
            }
        }
        places.sort_unstable_by(|a, b| (a.0, a.1, a.2.at).cmp(&(b.0, b.1, b.2.at)));
        FirstPassNames {
            places,
            parents: blocks.iter().map(|b| b.parent).collect(),
        }
    }

    /// Whether block `outer` is block `inner` or encloses it.
    fn encloses(&self, outer: usize, inner: usize) -> bool {
        let mut up = Some(inner);
        while let Some(b) = up {
            if b == outer {
                return true;
            }
            up = self.parents[b];
        }
        false
    }

    /// Reports the first-pass statements of a block that name what is declared only after
    /// them and, in a block the linker leaves out (`kept` false), what is declared nowhere
    /// or is of the wrong kind (in a kept block, the symbol tables tell that later).
    fn check(&self, cx: &mut Cx, block: &Block<'_>, index: usize, kept: bool) {
        use FirstPassKind as K;
        for item in &block.items {
            let at = item.span.start;
            let (space, subject, attrs, attr_kind) = match &item.kind {
                ItemKind::Type { attrs, .. } => (Space::Types, None, attrs, K::Attribute),
                ItemKind::TypeAlias { target, .. } => {
                    (Space::Types, Some(target), &Vec::new(), K::Attribute)
                }
                ItemKind::TypeAttribute { ty, attrs } => {
                    (Space::Types, Some(ty), attrs, K::Attribute)
                }
                ItemKind::Role { attrs, .. } => (Space::Roles, None, attrs, K::RoleAttribute),
                ItemKind::RoleAttribute { role, attrs } => {
                    (Space::Roles, Some(role), attrs, K::RoleAttribute)
                }
                _ => continue,
            };
            if let Some(n) = subject {
                let ok = |k| !matches!(k, K::Attribute);
                if !self.expect(cx, space, n, (at, index), kept, ok) {
                    continue;
                }
            }
            for a in attrs {
                if !self.expect(cx, space, a, (at, index), kept, |k| k == attr_kind) {
                    break;
                }
            }
        }
    }

    /// Whether `n` is declared before `at` in block `block`, in scope there, with a kind
    /// `ok` accepts (reported if not; with `kept`, the kind and a name declared nowhere
    /// are left to the symbol tables).
    fn expect(
        &self,
        cx: &mut Cx,
        space: Space,
        n: &ast::Ident,
        (at, block): (u32, usize),
        kept: bool,
        ok: impl Fn(FirstPassKind) -> bool,
    ) -> bool {
        let what = if space == Space::Types {
            "type"
        } else {
            "role"
        };
        let key = (space, n.name.as_str());
        let from = self.places.partition_point(|p| (p.0, p.1) < key);
        let places = self.places[from..].iter().take_while(|p| (p.0, p.1) == key);
        let before = || places.clone().map(|p| p.2).take_while(|p| p.at < at);
        if before().next().is_some() && !before().any(|p| self.encloses(p.block as usize, block)) {
            out_of_scope(cx, space, n, block == 0);
            return false;
        }
        let first = places.clone().next().map(|p| (p.2.kind, p.2.at));
        match first {
            Some((kind, pos)) if pos < at && ok(kind) => true,
            Some((_, pos)) if pos < at && kept => true,
            None if kept => true,
            Some((kind, pos)) if pos < at => {
                if matches!(kind, FirstPassKind::Attribute) {
                    cx.error(
                        "attribute-not-allowed",
                        n.span,
                        format!("`{}` is an attribute; a type is needed here", n.name),
                        "an attribute",
                    );
                } else {
                    cx.error(
                        "not-an-attribute",
                        n.span,
                        format!("`{}` is a {what}, not an attribute", n.name),
                        "expected an attribute",
                    );
                }
                false
            }
            Some(_) => {
                declared_later(cx, what, n);
                false
            }
            None => {
                cx.error(
                    if space == Space::Types {
                        "undefined-type"
                    } else {
                        "undefined-role"
                    },
                    n.span,
                    format!("{what} `{}` is not declared", n.name),
                    "declared nowhere",
                );
                false
            }
        }
    }
}

/// The (attribute, type) memberships a block's `type T, A;` and `typeattribute T A;`
/// statements make, as 0-based values (what `attach_attributes` records, without its
/// reports).
pub(super) fn block_memberships(syms: &Syms, block: &Block<'_>) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for item in &block.items {
        let (ty, attrs) = match &item.kind {
            ItemKind::Type { name, attrs, .. } => (name, attrs),
            ItemKind::TypeAttribute { ty, attrs } => (ty, attrs),
            _ => continue,
        };
        let Some(TypeSym::Type(tv) | TypeSym::Alias(tv)) = syms.ty(&ty.name) else {
            continue;
        };
        for a in attrs {
            if let Some(TypeSym::Attribute(av)) = syms.ty(&a.name) {
                out.push((av - 1, tv - 1));
            }
        }
    }
    out
}

/// A role attribute may hold other role attributes; as libsepol's linker does, each is
/// replaced by the regular roles it reaches, so that an attribute's members are roles.
fn flatten_role_attributes(syms: &mut Syms) {
    let is_attr = &syms.role_is_attr;
    let direct = syms.role_attr_members.clone();
    for (a, members) in syms.role_attr_members.iter_mut().enumerate() {
        if !is_attr[a] {
            continue;
        }
        let mut seen = Ebitmap::new();
        let mut todo: Vec<u32> = direct[a].iter().collect();
        let mut flat = Ebitmap::new();
        while let Some(m) = todo.pop() {
            if seen.get(m) {
                continue;
            }
            seen.set(m);
            if is_attr[m as usize] {
                todo.extend(direct[m as usize].iter());
            } else {
                flat.set(m);
            }
        }
        *members = flat;
    }
}

const DECLARED_LATER: &str = "declared-later";

/// Whether every name a statement uses was declared before it (reported if not): a
/// first-pass statement of checkpolicy's, or a constraint naming users.
pub(super) fn declared_before(
    cx: &mut Cx,
    syms: &Syms,
    space: Space,
    names: impl IntoIterator<Item = impl std::borrow::Borrow<ast::Ident>>,
    at: u32,
) -> bool {
    let mut ok = true;
    for a in names {
        let a: &ast::Ident = a.borrow();
        let key = (space, a.name);
        if syms.declared_at.get(&key).is_some_and(|&d| d > at) {
            let what = match space {
                Space::Types => "type",
                Space::Roles => "role",
                Space::Users => "user",
                Space::Bools => "boolean",
            };
            declared_later(cx, what, a);
            ok = false;
        }
    }
    ok
}

fn add_role_attrs(cx: &mut Cx, syms: &mut Syms, role: &ast::Ident, attrs: &[ast::Ident]) {
    let Some(&rv) = syms.roles.get(role.name.as_str()) else {
        cx.error(
            "undefined-role",
            role.span,
            format!("unknown role `{}`", role.name),
            "not declared",
        );
        return;
    };
    for a in attrs {
        match syms.roles.get(a.name.as_str()) {
            Some(&av) if syms.role_is_attr[av as usize - 1] => {
                syms.role_attr_members[av as usize - 1].set(rv - 1)
            }
            Some(_) => cx.error(
                "not-an-attribute",
                a.span,
                format!("`{}` is a role, not a role attribute", a.name),
                "expected a role attribute",
            ),
            None => cx.error(
                "undefined-role",
                a.span,
                format!("role attribute `{}` is not declared", a.name),
                "not declared",
            ),
        }
    }
}

/// `expandattribute`, `typebounds` (and dotted names' implicit bounds), `permissive`,
/// `policycap`.
fn declare_misc(cx: &mut Cx, syms: &mut Syms, block: &Block<'_>) {
    for item in &block.items {
        match &item.kind {
            ItemKind::ExpandAttribute { attrs, expand } => {
                for a in attrs {
                    match attribute(cx, syms, a) {
                        Some(v) if *expand => syms.expand_true.set(v - 1),
                        Some(v) => syms.expand_true.clear(v - 1),
                        None => {}
                    }
                }
            }
            ItemKind::TypeBounds { bound, types } => {
                let Some(pv) = real_type(cx, syms, bound) else {
                    continue;
                };
                for t in types {
                    if let Some(cv) = real_type(cx, syms, t) {
                        let b = &mut syms.type_bounds[cv as usize - 1];
                        if *b != 0 && *b != pv {
                            cx.error(
                                "conflicting-bounds",
                                t.span,
                                format!("type `{}` already has another bound", t.name),
                                "bounded again here",
                            );
                        }
                        *b = pv;
                        syms.bounds_spans.insert(cv - 1, item.span);
                    }
                }
            }
            ItemKind::Permissive(t) => {
                if let Some(v) = real_type(cx, syms, t) {
                    syms.permissive.set(v);
                }
            }
            ItemKind::Policycap(name) => {
                let lower = name.name.to_ascii_lowercase();
                match crate::policydb::POLICYCAPS.iter().position(|c| *c == lower) {
                    Some(i) => syms.policycaps.set(i as u32),
                    None => cx.error(
                        "unknown-policycap",
                        name.span,
                        format!("unknown policy capability `{}`", name.name),
                        "not a capability libsepol knows",
                    ),
                }
            }
            _ => {}
        }
    }
}

/// A dotted type name `parent.child` with no bound yet is bounded by `parent`.
fn bound_dotted_types(syms: &mut Syms) {
    for i in 0..syms.type_names.len() {
        if syms.type_is_attr[i] || syms.type_bounds[i] != 0 {
            continue;
        }
        if let Some((parent, _)) = syms.type_names[i].rsplit_once('.') {
            if let Some(TypeSym::Type(pv)) = syms.ty(parent) {
                syms.type_bounds[i] = pv;
            }
        }
    }
}

/// A name that must be a type attribute; its value, or an error.
fn attribute(cx: &mut Cx, syms: &Syms, name: &ast::Ident) -> Option<u32> {
    match syms.ty(&name.name) {
        Some(TypeSym::Attribute(v)) => Some(v),
        Some(_) => {
            cx.error(
                "not-an-attribute",
                name.span,
                format!("`{}` is a type, not an attribute", name.name),
                "expected an attribute",
            );
            None
        }
        None => {
            cx.error(
                "undefined-attribute",
                name.span,
                format!("attribute `{}` is not declared", name.name),
                "not declared",
            );
            None
        }
    }
}

/// A name that must be a real type (or an alias of one); its value, or an error.
pub(super) fn real_type(cx: &mut Cx, syms: &Syms, name: &ast::Ident) -> Option<u32> {
    match syms.ty(&name.name) {
        Some(TypeSym::Type(v) | TypeSym::Alias(v)) => Some(v),
        Some(TypeSym::Attribute(_)) => {
            cx.error(
                "attribute-not-allowed",
                name.span,
                format!("`{}` is an attribute; a type is needed here", name.name),
                "an attribute",
            );
            None
        }
        None => {
            cx.error(
                "undefined-type",
                name.span,
                format!("unknown type `{}`", name.name),
                "not declared",
            );
            None
        }
    }
}

/// A name used before the declaration checkpolicy's first pass reads later in the text.
fn declared_later(cx: &mut Cx, what: &str, n: &ast::Ident) {
    cx.push(
        Diagnostic::error(
            DECLARED_LATER,
            format!("{what} `{}` is not declared yet", n.name),
        )
        .primary(cx.file, n.span, "used before its declaration")
        .note("checkpolicy reads this declaration before any later one"),
    );
}
