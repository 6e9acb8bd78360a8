//! "Did you mean" for unknown names: the closest known name by edit distance, only when
//! it is close enough to be a likely misspelling.

/// The closest of `candidates` to `name`: one that differs only in case, else the one at
/// the smallest edit distance (insertions, deletions, substitutions and swaps of adjacent
/// characters), if that distance is at most a third of the name's length (so names
/// shorter than three characters only match by case).
/// Ties go to the first candidate in order, so callers pass a stable order.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = name.chars().count() / 3;
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        if c.eq_ignore_ascii_case(name) {
            return Some(c);
        }
        // Lengths far apart cannot be within the limit: skip the table.
        if limit == 0 || c.len().abs_diff(name.len()) > limit {
            continue;
        }
        let d = distance(name, c);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The note for a suggestion: "did you mean `X`?".
pub fn did_you_mean(name: &str) -> String {
    format!("did you mean `{name}`?")
}

/// Optimal-string-alignment distance (Damerau-Levenshtein without repeated edits of one
/// substring), over characters.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for swaps), the previous one and the current one.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            cur[j] = d;
        }
        std::mem::swap(&mut before, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_names_are_suggested() {
        let types = ["vault_t", "domU_t", "isolated_domU_t", "dom0_t"];
        assert_eq!(closest("vualt_t", types), Some("vault_t"));
        assert_eq!(closest("isolated_domu_t", types), Some("isolated_domU_t"));
        assert_eq!(
            closest("pasue", ["pause", "unpause", "create"]),
            Some("pause")
        );
        assert_eq!(
            closest("domian", ["domain", "domain2", "event"]),
            Some("domain")
        );
    }

    #[test]
    fn far_names_are_not() {
        assert_eq!(closest("web_t", ["vault_t", "domU_t"]), None);
        assert_eq!(closest("u", ["t"]), None);
        assert_eq!(closest("abc", ["abd"]), Some("abd"));
        assert_eq!(closest("ab", ["xy"]), None);
        assert_eq!(closest("same", ["same"]), None);
    }

    #[test]
    fn distance_counts_swaps_once() {
        assert_eq!(distance("ab", "ba"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("", "abc"), 3);
    }
}
