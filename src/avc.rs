//! Xen AVC log lines to records: the input stage of `flaskc explain` and `flaskc audit2allow`.
//!
//! Xen's `avc_audit` (`xen/xsm/flask/avc.c`) prints one line per decision it audits:
//!
//! ```text
//! (XEN) avc:  denied  { send } for  source=d3 target=d0 scontext=system_u:system_r:domU_t
//!       tcontext=system_u:system_r:dom0_t_evchn tclass=event
//! ```
//!
//! (on one line). Between the permission set and the contexts come the domains involved
//! (`source=`/`target=`/`current=`, or `domid=`/`target=` before Xen 4.17) and the object
//! (`device=`, `irq=`, `range=`, `pte=` with `mfn=`, `dtdevice=`). When the hypervisor has no
//! context for a SID it prints `ssid=N`/`tsid=N` instead; permission bits without a name
//! are printed in hex. [`parse`] is pure: text in, [`AvcLog`] out. Lines that look like AVC
//! messages (they contain `avc:`) but cannot be read become [`AvcProblem`]s with their line
//! number; every other line (console noise) is skipped.
#![warn(missing_docs)]

use std::fmt;

/// What the hypervisor decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Decision {
    /// `avc:  denied`: the access was refused (or only logged, in permissive mode).
    Denied,
    /// `avc:  granted`: the access was allowed and an `auditallow` rule asked for a log line.
    Granted,
}

/// A subject or object as the hypervisor printed it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sid {
    /// `scontext=`/`tcontext=`: a security context (`user:role:type[:level]`).
    Context(String),
    /// `ssid=`/`tsid=`: a SID the hypervisor could not turn into a context.
    Sid(u32),
}

impl fmt::Display for Sid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sid::Context(c) => f.write_str(c),
            Sid::Sid(n) => write!(f, "SID {n}"),
        }
    }
}

/// One readable AVC line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcRecord {
    /// 1-based line number in the log.
    pub line: u32,
    /// Denied or granted.
    pub decision: Decision,
    /// The permissions between the braces, as printed (names, or hex for unnamed bits).
    pub perms: Vec<String>,
    /// The subject.
    pub scontext: Sid,
    /// The object.
    pub tcontext: Sid,
    /// The object class name.
    pub tclass: String,
    /// The other `key=value` fields in printed order (`source`, `target`, `current`,
    /// `domid`, `device`, `irq`, `range`, `pte`, `mfn`, `dtdevice`, and any newer ones).
    pub details: Vec<(String, String)>,
}

/// Why an AVC-looking line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AvcProblemKind {
    /// `avc:` is followed by neither `denied` nor `granted`.
    NoDecision,
    /// There is no `{ ... }` permission set, or it is empty.
    NoPermissions,
    /// The permission set is not closed by `}`.
    UnclosedPermissions,
    /// A required field is missing (the line may have been cut).
    MissingField(&'static str),
    /// A field's value does not have the form the hypervisor prints.
    BadValue {
        /// The field name.
        key: String,
        /// The value as read.
        value: String,
    },
    /// A word that is not `key=value` where fields are expected.
    StrayWord(String),
}

/// An AVC-looking line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvcProblem {
    /// 1-based line number in the log.
    pub line: u32,
    /// What is wrong with it.
    pub kind: AvcProblemKind,
}

impl fmt::Display for AvcProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: ", self.line)?;
        match &self.kind {
            AvcProblemKind::NoDecision => {
                f.write_str("expected `denied` or `granted` after `avc:`")
            }
            AvcProblemKind::NoPermissions => f.write_str("no permissions between `{` and `}`"),
            AvcProblemKind::UnclosedPermissions => f.write_str("the permission set is not closed"),
            AvcProblemKind::MissingField(k) => write!(f, "no `{k}` field (cut line?)"),
            AvcProblemKind::BadValue { key, value } => write!(f, "bad `{key}` value `{value}`"),
            AvcProblemKind::StrayWord(w) => write!(f, "unexpected `{w}` among the fields"),
        }
    }
}

/// The records and problems of a log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AvcLog {
    /// Readable AVC lines, in log order.
    pub records: Vec<AvcRecord>,
    /// Unreadable AVC lines, in log order.
    pub problems: Vec<AvcProblem>,
}

/// Reads every AVC line of a log (console output, `xl dmesg`, syslog).
///
/// A line is an AVC line when it contains `avc:`; anything before that (timestamps,
/// `(XEN)`, syslog prefixes) is ignored, as are all other lines. Never fails and never panics:
/// unreadable AVC lines are returned as problems.
///
/// ```
/// let log = flaskc::avc::parse(
///     "(XEN) avc:  denied  { bind } for  source=d1 scontext=system_u:system_r:domU_t \
///      tcontext=system_u:system_r:dom0_t tclass=event\nnoise\n",
/// );
/// assert_eq!(log.records[0].perms, ["bind"]);
/// assert!(log.problems.is_empty());
/// ```
pub fn parse(text: &str) -> AvcLog {
    let mut log = AvcLog::default();
    for (i, line) in text.lines().enumerate() {
        match parse_line(line, u32::try_from(i + 1).unwrap_or(u32::MAX)) {
            Some(Ok(r)) => log.records.push(r),
            Some(Err(p)) => log.problems.push(p),
            None => {}
        }
    }
    log
}

/// Reads one line of a log (without its line ending), numbered `line`: `None` when it is
/// not an AVC line (it has no `avc:`). Linear in the line's length.
pub fn parse_line(line: &str, number: u32) -> Option<Result<AvcRecord, AvcProblem>> {
    let at = line.find("avc:")?;
    Some(parse_fields(&line[at + 4..], number).map_err(|kind| AvcProblem { line: number, kind }))
}

/// One line after `avc:`.
fn parse_fields(rest: &str, line: u32) -> Result<AvcRecord, AvcProblemKind> {
    let mut words = rest.split_whitespace();
    let decision = match words.next() {
        Some("denied") => Decision::Denied,
        Some("granted") => Decision::Granted,
        _ => return Err(AvcProblemKind::NoDecision),
    };
    if words.next() != Some("{") {
        return Err(AvcProblemKind::NoPermissions);
    }
    let mut perms = Vec::new();
    loop {
        match words.next() {
            Some("}") => break,
            Some(p) => perms.push(p.to_string()),
            None => return Err(AvcProblemKind::UnclosedPermissions),
        }
    }
    if perms.is_empty() {
        return Err(AvcProblemKind::NoPermissions);
    }
    let (mut scontext, mut tcontext, mut tclass) = (None, None, None);
    let mut details = Vec::new();
    for w in words {
        if w == "for" {
            continue;
        }
        let Some((key, value)) = w.split_once('=') else {
            return Err(AvcProblemKind::StrayWord(w.to_string()));
        };
        let bad = || AvcProblemKind::BadValue {
            key: key.to_string(),
            value: value.to_string(),
        };
        match key {
            "scontext" | "tcontext" => {
                if value.split(':').count() < 3 || value.split(':').any(str::is_empty) {
                    return Err(bad());
                }
                let sid = Some(Sid::Context(value.to_string()));
                *(if key == "scontext" {
                    &mut scontext
                } else {
                    &mut tcontext
                }) = sid;
            }
            "ssid" | "tsid" => {
                let sid = Some(Sid::Sid(value.parse().map_err(|_| bad())?));
                *(if key == "ssid" {
                    &mut scontext
                } else {
                    &mut tcontext
                }) = sid;
            }
            "tclass" if !value.is_empty() => tclass = Some(value.to_string()),
            _ => {
                if !detail_ok(key, value) {
                    return Err(bad());
                }
                details.push((key.to_string(), value.to_string()));
            }
        }
    }
    Ok(AvcRecord {
        line,
        decision,
        perms,
        scontext: scontext.ok_or(AvcProblemKind::MissingField("scontext"))?,
        tcontext: tcontext.ok_or(AvcProblemKind::MissingField("tcontext"))?,
        tclass: tclass.ok_or(AvcProblemKind::MissingField("tclass"))?,
        details,
    })
}

/// Whether a detail field's value has the form `avc_audit` prints for it.
fn detail_ok(key: &str, value: &str) -> bool {
    let hex = |s: &str| {
        s.strip_prefix("0x")
            .is_some_and(|h| u64::from_str_radix(h, 16).is_ok())
            || s == "0"
    };
    match key {
        "device" | "pte" | "mfn" => hex(value),
        "range" => value.split_once('-').is_some_and(|(a, b)| hex(a) && hex(b)),
        "irq" | "domid" => value.parse::<u64>().is_ok(),
        // `%pd` prints d0, d[IDLE], d[IO] ...; before 4.17 `target=` was a plain number.
        "source" | "target" | "current" => {
            value.parse::<u64>().is_ok()
                || value
                    .strip_prefix('d')
                    .is_some_and(|d| d.parse::<u64>().is_ok() || d.starts_with('['))
        }
        _ => !value.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_and_prefix() {
        let log = parse(
            "[  12.5] (XEN) avc: denied { map_read 0x40000000 } for current=d[IDLE] pte=0x8000 mfn=0x1f ssid=12 tcontext=u:r:t tclass=mmu\n",
        );
        assert_eq!(log.problems, []);
        let r = &log.records[0];
        assert_eq!(r.perms, ["map_read", "0x40000000"]);
        assert_eq!(r.scontext, Sid::Sid(12));
        assert_eq!(r.details.len(), 3);
    }

    proptest::proptest! {
        #[test]
        fn any_text_is_read_without_panic(text in ".*avc:.*") {
            let log = parse(&text);
            proptest::prop_assert_eq!(log.records.len() + log.problems.len(), 1);
        }
    }

    #[test]
    fn unreadable_lines_are_reported_with_their_number() {
        let log = parse("x\navc: denied { send for\navc:  maybe\navc: denied { a } irq=zz\n");
        let lines: Vec<_> = log.problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, [2, 3, 4]);
        assert_eq!(
            parse("avc: denied { a } for scontext=a:b:c").problems[0].kind,
            AvcProblemKind::MissingField("tcontext")
        );
    }
}
