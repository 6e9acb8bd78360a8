//! A static reading of one m4 source file's quotes and comments, to find where quotes go
//! wrong: a quote character inside a comment within quoted text (m4 does not see the
//! comment there, so the quote counts) and a quote never closed.
//!
//! The reading follows GNU m4's delimiters as the file changes them: a `changequote` or
//! `changecom` call written in the file, outside quotes, with literal arguments, applies
//! from there on, with GNU m4's rules for missing and empty arguments. It cannot follow
//! what only expansion reveals: a delimiter change made by another file (each file is
//! read from m4's defaults), by a macro whose body calls `changequote`, or with arguments
//! that are themselves macro calls.

use std::ops::Range;

/// The quote and comment delimiters in force; an empty start disables them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Delims {
    lquote: Vec<u8>,
    rquote: Vec<u8>,
    bcomm: Vec<u8>,
    ecomm: Vec<u8>,
}

impl Default for Delims {
    fn default() -> Self {
        Delims {
            lquote: b"`".to_vec(),
            rquote: b"'".to_vec(),
            bcomm: b"#".to_vec(),
            ecomm: b"\n".to_vec(),
        }
    }
}

impl Delims {
    /// `changequote` with these arguments (`None`: called without parentheses).
    fn change_quotes(&mut self, args: Option<&[Vec<u8>]>) {
        let default = Delims::default();
        match args.map(|a| (a.first(), a.get(1))) {
            None | Some((None, _)) => (self.lquote, self.rquote) = (default.lquote, default.rquote),
            Some((Some(l), _)) if l.is_empty() => {
                (self.lquote, self.rquote) = (Vec::new(), Vec::new())
            }
            Some((Some(l), r)) => {
                self.lquote = l.clone();
                self.rquote = r
                    .filter(|r| !r.is_empty())
                    .cloned()
                    .unwrap_or(default.rquote);
            }
        }
    }

    /// `changecom` with these arguments (`None`: called without parentheses).
    fn change_comments(&mut self, args: Option<&[Vec<u8>]>) {
        match args.and_then(|a| a.first().map(|b| (b, a.get(1)))) {
            Some((b, e)) if !b.is_empty() => {
                self.bcomm = b.clone();
                self.ecomm = e
                    .filter(|e| !e.is_empty())
                    .cloned()
                    .unwrap_or(b"\n".to_vec());
            }
            _ => (self.bcomm, self.ecomm) = (Vec::new(), Vec::new()),
        }
    }
}

/// Whether `delim` (non-empty) starts at `i`.
fn at(b: &[u8], i: usize, delim: &[u8]) -> bool {
    !delim.is_empty() && b[i..].starts_with(delim)
}

/// A quote delimiter inside a comment within quoted text whose quotes do not balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QuoteInComment {
    /// The delimiter's bytes.
    pub quote: Range<usize>,
    /// Whether it is a closing quote (it ends the quoted text early) or an opening one.
    pub closes: bool,
    /// The opening quote of the enclosing quoted text.
    pub open: Range<usize>,
    /// The comment delimiter in force, for the message.
    pub comment: String,
}

/// Where m4 quotes in a file's text go wrong.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Quotes {
    /// Quote delimiters inside comments within quoted text.
    pub in_comments: Vec<QuoteInComment>,
    /// The outermost quote still open at the end of the text.
    pub unclosed: Option<Range<usize>>,
    /// The start delimiter of a comment (outside quotes) still open at the end of the text.
    pub unclosed_comment: Option<Range<usize>>,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Reads a file's quotes (see [`Quotes`]).
pub(crate) fn quotes(text: &str) -> Quotes {
    let b = text.as_bytes();
    let mut d = Delims::default();
    let mut q = Quotes::default();
    let mut depth = 0u32;
    let mut open = 0..0;
    let mut i = 0;
    while i < b.len() {
        if depth > 0 {
            // Inside quotes only the delimiters count; m4 tries the closing one first.
            if at(b, i, &d.rquote) {
                depth -= 1;
                i += d.rquote.len();
            } else if at(b, i, &d.lquote) {
                depth += 1;
                i += d.lquote.len();
            } else {
                if at(b, i, &d.bcomm) && line_is_blank_before(b, i) {
                    let end = comment_end(b, i, &d);
                    if let Some((k, closes)) = unbalanced_quote(&b[i..end], &d) {
                        let len = if closes {
                            d.rquote.len()
                        } else {
                            d.lquote.len()
                        };
                        q.in_comments.push(QuoteInComment {
                            quote: i + k..i + k + len,
                            closes,
                            open: open.clone(),
                            comment: String::from_utf8_lossy(&d.bcomm).into_owned(),
                        });
                    }
                }
                i += 1;
            }
            continue;
        }
        if at(b, i, &d.bcomm) {
            let end = comment_end(b, i, &d);
            if end == b.len() && !b.ends_with(&d.ecomm) {
                q.unclosed_comment = Some(i..i + d.bcomm.len());
            }
            i = end;
        } else if is_word(b[i]) && !b[i].is_ascii_digit() {
            let end = b[i..]
                .iter()
                .position(|&c| !is_word(c))
                .map_or(b.len(), |p| i + p);
            let word = &b[i..end];
            i = end;
            if word == b"dnl" {
                i = b[end..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| end + p + 1);
            } else if word == b"changequote" || word == b"changecom" {
                let call = (b.get(end) == Some(&b'('))
                    .then(|| call_args(b, end + 1, &d))
                    .flatten();
                let args = call.as_ref().map(|(a, _)| a.as_slice());
                if word == b"changequote" {
                    d.change_quotes(args);
                } else {
                    d.change_comments(args);
                }
                i = call.map_or(end, |(_, after)| after);
            }
        } else if at(b, i, &d.lquote) {
            depth = 1;
            open = i..i + d.lquote.len();
            i = open.end;
        } else {
            i += 1;
        }
    }
    q.unclosed = (depth > 0).then_some(open);
    q
}

/// The offset just past the comment starting at `i` (its end delimiter, or the end of the
/// text). A comment that ends at a newline keeps the newline out, as `dnl` would not.
fn comment_end(b: &[u8], i: usize, d: &Delims) -> usize {
    let from = i + d.bcomm.len();
    let found = b[from..]
        .windows(d.ecomm.len())
        .position(|w| w == d.ecomm.as_slice());
    match found {
        Some(p) if d.ecomm == b"\n" => from + p,
        Some(p) => from + p + d.ecomm.len(),
        None => b.len(),
    }
}

/// The arguments of a macro call whose `(` is just before `start`, with one level of
/// quotes removed and leading unquoted blanks skipped (as m4 collects them, without
/// expanding them), and the offset after its `)`; `None` if the call is not closed.
fn call_args(b: &[u8], start: usize, d: &Delims) -> Option<(Vec<Vec<u8>>, usize)> {
    let mut args = Vec::new();
    let mut cur = Vec::new();
    let (mut parens, mut quoted, mut leading) = (0u32, 0u32, true);
    let mut k = start;
    while k < b.len() {
        if quoted > 0 {
            if at(b, k, &d.rquote) {
                quoted -= 1;
                if quoted > 0 {
                    cur.extend_from_slice(&d.rquote);
                }
                k += d.rquote.len();
            } else if at(b, k, &d.lquote) {
                quoted += 1;
                cur.extend_from_slice(&d.lquote);
                k += d.lquote.len();
            } else {
                cur.push(b[k]);
                k += 1;
            }
            continue;
        }
        if at(b, k, &d.lquote) {
            quoted = 1;
            leading = false;
            k += d.lquote.len();
            continue;
        }
        let c = b[k];
        k += 1;
        if leading && c.is_ascii_whitespace() {
            continue;
        }
        leading = false;
        match c {
            b')' if parens == 0 => {
                args.push(cur);
                return Some((args, k));
            }
            b',' if parens == 0 => {
                args.push(std::mem::take(&mut cur));
                leading = true;
            }
            _ => {
                parens = match c {
                    b'(' => parens + 1,
                    b')' => parens - 1,
                    _ => parens,
                };
                cur.push(c);
            }
        }
    }
    None
}

/// Whether only blanks come before offset `i` on its line.
fn line_is_blank_before(b: &[u8], i: usize) -> bool {
    b[..i]
        .iter()
        .rev()
        .take_while(|&&c| c != b'\n')
        .all(|&c| c == b' ' || c == b'\t')
}

/// The first quote delimiter in `comment` that does not pair up within it: its offset,
/// and whether it is a closing one.
fn unbalanced_quote(comment: &[u8], d: &Delims) -> Option<(usize, bool)> {
    let mut opens = Vec::new();
    let mut k = 0;
    while k < comment.len() {
        if at(comment, k, &d.rquote) {
            if opens.pop().is_none() {
                return Some((k, true));
            }
            k += d.rquote.len();
        } else if at(comment, k, &d.lquote) {
            opens.push(k);
            k += d.lquote.len();
        } else {
            k += 1;
        }
    }
    opens.first().map(|&k| (k, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_comments(text: &str) -> Vec<(usize, bool)> {
        let q = quotes(text);
        q.in_comments
            .iter()
            .map(|c| (c.quote.start, c.closes))
            .collect()
    }

    #[test]
    fn an_apostrophe_in_a_quoted_comment_is_found() {
        let text = "with_module(`x', `\n# the guest's channel\nallow a b:c d;\n')\n";
        let q = quotes(text);
        assert_eq!(in_comments(text), [(text.find("'s").unwrap(), true)]);
        let open = text.find("`\n").unwrap();
        assert_eq!(q.in_comments[0].open, open..open + 1);
    }

    #[test]
    fn comments_outside_quotes_and_balanced_ones_are_fine() {
        assert_eq!(
            quotes("# it's fine\ndefine(`a', `# `b' is ok\n')\n"),
            Quotes::default()
        );
        assert_eq!(quotes("dnl don't\nx\n"), Quotes::default());
    }

    #[test]
    fn the_unclosed_quote_is_found() {
        let text = "a(b, `c)\nd\n";
        assert_eq!(quotes(text).unclosed, Some(5..6));
    }

    #[test]
    fn changed_quotes_are_followed() {
        // After changequote([,]) a backquote and an apostrophe are plain text ...
        let text = "changequote([,])\ndefine([a], [\n# the guest's `channel\n])\n";
        assert_eq!(quotes(text), Quotes::default());
        // ... and the new quotes are the ones that count.
        let text = "changequote([,])\ndefine([a], [\n# see [b\nx\n])\n";
        assert_eq!(in_comments(text), [(text.find("[b").unwrap(), false)]);
        let text = "changequote(<<, >>)\nx(<<a\n";
        let open = text.find("<<a").unwrap();
        assert_eq!(quotes(text).unclosed, Some(open..open + 2));
        // Without arguments, the defaults come back.
        let text = "changequote([,])changequote\nx(`a\n";
        let open = text.find('`').unwrap();
        assert_eq!(quotes(text).unclosed, Some(open..open + 1));
        // An empty first argument disables quoting.
        assert_eq!(quotes("changequote(`')\nx(`a\n"), Quotes::default());
    }

    #[test]
    fn changed_comments_are_followed() {
        // `#` no longer starts a comment, so its apostrophe opens nothing outside quotes
        // and counts inside them; `//` now does.
        let text = "changecom(`//')\ndefine(`a', `\n// the guest's channel\n')\n";
        assert_eq!(in_comments(text), [(text.find("'s").unwrap(), true)]);
        let text = "changecom(`//')\ndefine(`a', `\n# the guest's channel\n')\n";
        assert!(in_comments(text).is_empty());
        // A comment with an end delimiter may span lines, and quotes in it outside quoted
        // text are inert.
        assert_eq!(
            quotes("changecom(`/*', `*/')\n/* it's\n` */\nx\n"),
            Quotes::default()
        );
        let text = "changecom(`/*', `*/')\n/* it's\nx\n";
        let open = text.find("/* it").unwrap();
        assert_eq!(quotes(text).unclosed_comment, Some(open..open + 2));
        // As for GNU m4, a `#` comment with no newline before the end is not closed.
        assert_eq!(quotes("x\n# last").unclosed_comment, Some(2..3));
        assert_eq!(quotes("x\n# last\n").unclosed_comment, None);
        // `changecom` alone disables comments: `#` is plain text and the backquote
        // after it opens a quote.
        let text = "changecom\n# a `b\n";
        let open = text.find('`').unwrap();
        assert_eq!(quotes(text).unclosed, Some(open..open + 1));
    }
}
