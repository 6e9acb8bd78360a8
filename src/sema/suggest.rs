//! "Did you mean" notes for names that are not declared, from the symbol tables: one
//! pass over the finished diagnostics, so that each of the many places that report an
//! unknown name needs no change.

use super::declare::{Syms, TypeSym};
use crate::diag::{suggest, Diagnostic};
use crate::name::Name;

/// Adds "did you mean `X`?" to each undefined-name diagnostic whose name is close to a
/// declared name of its kind (for a permission, one of its class).
pub(super) fn annotate(diags: &mut [Diagnostic], syms: &Syms) {
    for d in diags.iter_mut() {
        let mut names = backticked(&d.message);
        let Some(name) = names.next() else {
            continue;
        };
        let found = match d.code {
            "undefined-type" => sorted(syms.types.keys().map(Name::as_str)),
            "undefined-attribute" => sorted(
                syms.types
                    .iter()
                    .filter(|(_, t)| matches!(t, TypeSym::Attribute(_)))
                    .map(|(n, _)| n.as_str()),
            ),
            "undefined-role" => sorted(syms.roles.keys().map(Name::as_str)),
            "undefined-user" => sorted(syms.users.keys().map(Name::as_str)),
            "undefined-boolean" => sorted(syms.bools.keys().map(Name::as_str)),
            "undefined-class" => sorted(syms.class_idx.keys().map(Name::as_str)),
            "undefined-common" => sorted(syms.common_idx.keys().map(Name::as_str)),
            "undefined-sensitivity" => sorted(syms.sens.keys().map(Name::as_str)),
            "undefined-category" => sorted(syms.cats.keys().map(Name::as_str)),
            "undefined-sid" => sorted(syms.sids.iter().map(|s| s.name.as_str())),
            "undefined-permission" => {
                let Some(class) = names.next().and_then(|c| syms.class_idx.get(c)) else {
                    continue;
                };
                let class = &syms.classes[*class];
                let common = class.common.map(|c| &syms.commons[c].perms[..]);
                sorted(
                    class
                        .perms
                        .iter()
                        .chain(common.unwrap_or_default())
                        .map(Name::as_str),
                )
            }
            _ => continue,
        };
        if let Some(close) = suggest::closest(name, found) {
            d.notes.push(suggest::did_you_mean(close));
        }
    }
}

/// Names in a stable order, so that ties between equally close names are decided the
/// same way on every run.
fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v
}

/// The names written in backticks in a message, in order.
fn backticked(message: &str) -> impl Iterator<Item = &str> {
    message.split('`').skip(1).step_by(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_from_backticks() {
        let m = "permission `pasue` is not defined for class `domain`";
        assert_eq!(backticked(m).collect::<Vec<_>>(), ["pasue", "domain"]);
    }
}
