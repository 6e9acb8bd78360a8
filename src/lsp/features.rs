//! The answers to the editor's questions about a position: definition, references,
//! hover, completion, and the symbol lists, all from a build's symbol index.

use super::convert;
use super::workspace::Project;
use crate::project::symbols::{self, Kind, Symbol};
use crate::project::Outcome;
use crate::source::{FileId, SourceFile};
use lsp_types as lsp;
use std::path::Path;

/// The most completion items or workspace symbols given at once.
const LIST_LIMIT: usize = 2000;

/// A question about one place of one file of a project.
pub struct At<'a> {
    /// The project the file belongs to.
    pub project: &'a Project,
    /// The build answering.
    pub outcome: &'a Outcome,
    /// The file in that build.
    pub file: FileId,
    /// The byte offset asked about.
    pub offset: usize,
}

impl<'a> At<'a> {
    /// The place at `pos` of the file at `path`, when the project's build has that file.
    pub fn new(project: &'a Project, path: &Path, pos: lsp::Position) -> Option<At<'a>> {
        let outcome = project.for_queries();
        let file = project.file_at(outcome, path)?;
        let offset = convert::offset(outcome.map.file(file), pos);
        Some(At {
            project,
            outcome,
            file,
            offset,
        })
    }

    fn source(&self) -> &'a SourceFile {
        self.outcome.map.file(self.file)
    }

    /// The name under the cursor, with its start.
    fn word(&self) -> Option<(usize, &'a str)> {
        let text = self.source().text();
        let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
        let bytes = text.as_bytes();
        let mut start = self.offset.min(bytes.len());
        while start > 0 && is_name(bytes[start - 1]) {
            start -= 1;
        }
        let mut end = self.offset.min(bytes.len());
        while end < bytes.len() && is_name(bytes[end]) {
            end += 1;
        }
        (end > start).then(|| (start, &text[start..end]))
    }

    fn symbols(&self) -> &'a [Symbol] {
        match (&self.outcome.symbols, self.word()) {
            (Some(s), Some((_, w))) => s.lookup(w),
            _ => &[],
        }
    }

    fn location(&self, file: FileId, span: crate::source::Span) -> Option<lsp::Location> {
        let uri = self.project.url_of(self.outcome, file)?;
        Some(lsp::Location::new(
            uri,
            convert::range(self.outcome.map.file(file), span),
        ))
    }

    /// Where the name under the cursor is declared (a class both in security_classes and
    /// access_vectors; a permission in each class that has it).
    pub fn definition(&self) -> Vec<lsp::Location> {
        self.symbols()
            .iter()
            .filter_map(|s| self.location(s.file, s.span))
            .collect()
    }

    /// Every place the name under the cursor is written.
    pub fn references(&self) -> Vec<lsp::Location> {
        let (Some(syms), Some((_, w))) = (&self.outcome.symbols, self.word()) else {
            return Vec::new();
        };
        syms.references(&self.outcome.map, w)
            .into_iter()
            .filter_map(|(f, s)| self.location(f, s))
            .collect()
    }

    /// The declarations of the name under the cursor (with a type's attributes), and for
    /// a macro call, the macro's definition and what this call expanded to.
    pub fn hover(&self) -> Option<lsp::Hover> {
        let (start, word) = self.word()?;
        let syms = self.outcome.symbols.as_ref()?;
        let mut parts = Vec::new();
        for s in syms.lookup(word) {
            let at = self.outcome.map.file(s.file);
            let line = at.line_index(s.span.start as usize) + 1;
            let mut part = format!("{} `{}` ({}:{line})", s.kind.as_str(), s.name, at.name);
            if let Some(c) = &s.container {
                part.push_str(&format!(" of `{c}`"));
            }
            part.push_str(&format!("\n```\n{}\n```", s.statement));
            if s.kind == Kind::Type {
                let attrs = syms.attributes_of(&s.name);
                if !attrs.is_empty() {
                    part.push_str(&format!("\nattributes: {}", attrs.join(", ")));
                }
            }
            if s.kind == Kind::Macro {
                if let Some(text) = self.expansion(start, word) {
                    part.push_str(&format!("\nexpands here to:\n```\n{}\n```", text.trim()));
                }
            }
            parts.push(part);
        }
        if parts.is_empty() {
            return None;
        }
        let (s, e) = (start, start + word.len());
        Some(lsp::Hover {
            contents: lsp::HoverContents::Markup(lsp::MarkupContent {
                kind: lsp::MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range: Some(convert::range(
                self.source(),
                crate::source::Span::new(s, e),
            )),
        })
    }

    /// What the call of `name` at `start` expanded to.
    fn expansion(&self, start: usize, name: &str) -> Option<String> {
        let expanded = self.outcome.expanded.as_ref()?;
        let f = self.source();
        let line = f.line_index(start) as u32 + 1;
        symbols::expansion_at(expanded, &f.name, line, name)
    }

    /// Names that fit where the cursor is: the permissions of the class just written
    /// after a `:`, else types, attributes, aliases, classes, macros and booleans.
    pub fn completion(&self) -> Vec<lsp::CompletionItem> {
        let Some(syms) = &self.outcome.symbols else {
            return Vec::new();
        };
        let prefix = self.word().map_or("", |(s, w)| &w[..self.offset - s]);
        let f = self.source();
        let line_start = f.line_starts()[f.line_index(self.offset)] as usize;
        let before = f.text().get(line_start..self.offset).unwrap_or("");
        if let Some(class) = class_in_scope(before) {
            let perms = syms.permissions_of(class);
            if !perms.is_empty() {
                return perms
                    .iter()
                    .filter(|p| p.starts_with(prefix))
                    .map(|p| {
                        item(
                            p,
                            lsp::CompletionItemKind::FIELD,
                            &format!("{class} permission"),
                        )
                    })
                    .collect();
            }
        }
        let mut out: Vec<lsp::CompletionItem> = Vec::new();
        for s in syms.all() {
            let kind = match s.kind {
                Kind::Type | Kind::Alias => lsp::CompletionItemKind::CLASS,
                Kind::Attribute => lsp::CompletionItemKind::INTERFACE,
                Kind::Class => lsp::CompletionItemKind::STRUCT,
                Kind::Macro => lsp::CompletionItemKind::FUNCTION,
                Kind::Bool | Kind::Tunable => lsp::CompletionItemKind::CONSTANT,
                Kind::Role | Kind::User => lsp::CompletionItemKind::VARIABLE,
                _ => continue,
            };
            if !s.name.starts_with(prefix) || out.last().is_some_and(|l| l.label == s.name) {
                continue;
            }
            out.push(item(&s.name, kind, s.kind.as_str()));
            if out.len() >= LIST_LIMIT {
                break;
            }
        }
        out
    }
}

fn item(label: &str, kind: lsp::CompletionItemKind, detail: &str) -> lsp::CompletionItem {
    lsp::CompletionItem {
        label: label.to_string(),
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

/// The class of a rule whose permissions are being written: in `... : CLASS perm`,
/// `... : CLASS { perm`, the name after the last `:` once a space follows it.
fn class_in_scope(before: &str) -> Option<&str> {
    let after = &before[before.rfind(':')? + 1..];
    let trimmed = after.trim_start();
    let end = trimmed.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let class = &trimmed[..end];
    (!class.is_empty()).then_some(class)
}

/// The symbols declared in a file, for the editor's outline.
pub fn document_symbols(project: &Project, path: &Path) -> Vec<lsp::SymbolInformation> {
    let outcome = project.for_queries();
    let (Some(file), Some(syms)) = (project.file_at(outcome, path), &outcome.symbols) else {
        return Vec::new();
    };
    let mut list: Vec<&Symbol> = syms.all().iter().filter(|s| s.file == file).collect();
    list.sort_by_key(|s| s.span.start);
    list.into_iter()
        .filter_map(|s| information(project, outcome, s))
        .collect()
}

/// The symbols of every project whose name contains `query`.
pub fn workspace_symbols<'a>(
    projects: impl Iterator<Item = &'a Project>,
    query: &str,
) -> Vec<lsp::SymbolInformation> {
    let mut out = Vec::new();
    for p in projects {
        let outcome = p.for_queries();
        let Some(syms) = &outcome.symbols else {
            continue;
        };
        for s in syms.all().iter().filter(|s| s.name.contains(query)) {
            out.extend(information(p, outcome, s));
            if out.len() >= LIST_LIMIT {
                return out;
            }
        }
    }
    out
}

#[allow(deprecated)] // `deprecated` is a field the protocol type still requires.
fn information(project: &Project, outcome: &Outcome, s: &Symbol) -> Option<lsp::SymbolInformation> {
    let uri = project.url_of(outcome, s.file)?;
    Some(lsp::SymbolInformation {
        name: s.name.clone(),
        kind: match s.kind {
            Kind::Type | Kind::Alias => lsp::SymbolKind::CLASS,
            Kind::Attribute | Kind::RoleAttribute => lsp::SymbolKind::INTERFACE,
            Kind::Class | Kind::Common => lsp::SymbolKind::STRUCT,
            Kind::Permission => lsp::SymbolKind::FIELD,
            Kind::Macro => lsp::SymbolKind::FUNCTION,
            Kind::Bool | Kind::Tunable => lsp::SymbolKind::BOOLEAN,
            Kind::Role | Kind::User => lsp::SymbolKind::VARIABLE,
            Kind::Sid | Kind::Sensitivity | Kind::Category => lsp::SymbolKind::CONSTANT,
        },
        tags: None,
        deprecated: None,
        location: lsp::Location::new(uri, convert::range(outcome.map.file(s.file), s.span)),
        container_name: s.container.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_class_in_scope_is_the_name_after_the_colon() {
        assert_eq!(class_in_scope("allow a_t b_t:domain { pa"), Some("domain"));
        assert_eq!(class_in_scope("allow a_t self:event "), Some("event"));
        assert_eq!(class_in_scope("allow a_t b_t:dom"), None);
        assert_eq!(class_in_scope("allow a_t b_t"), None);
    }
}
