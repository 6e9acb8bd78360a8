//! GNU m4's builtin macros.
//!
//! Each builtin takes the collected arguments (`args[0]` is the name it was called by,
//! which GNU m4 uses in messages) and returns text that is pushed back onto the input and
//! read again, exactly like a user macro's expansion. Argument-count checks and message
//! texts follow GNU m4 1.4.19.

use std::fmt::Write as _;
use std::rc::Rc;

use super::eval;
use super::expand::{ArgVal, Def, Expander, Stop};
use super::format::format;
use super::lexer::{Delims, Spans};
use super::limits;
use super::regex::{Notes, Regex};

macro_rules! builtins {
    ($($variant:ident = $name:literal, blind = $blind:literal;)*) => {
        /// A builtin macro.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub(crate) enum Builtin { $($variant,)* }

        impl Builtin {
            /// Every builtin, in GNU m4's table order.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant,)*];

            /// The name without the `-P` prefix.
            pub fn name(self) -> &'static str {
                match self { $(Builtin::$variant => $name,)* }
            }

            /// Whether the builtin is recognized only when followed by `(`.
            pub fn blind(self) -> bool {
                match self { $(Builtin::$variant => $blind,)* }
            }
        }
    };
}

builtins! {
    File = "__file__", blind = false;
    Line = "__line__", blind = false;
    Program = "__program__", blind = false;
    Indirect = "builtin", blind = true;
    Changecom = "changecom", blind = false;
    Changequote = "changequote", blind = false;
    Debugmode = "debugmode", blind = false;
    Debugfile = "debugfile", blind = false;
    Decr = "decr", blind = true;
    Define = "define", blind = true;
    Defn = "defn", blind = true;
    Divert = "divert", blind = false;
    Divnum = "divnum", blind = false;
    Dnl = "dnl", blind = false;
    Dumpdef = "dumpdef", blind = false;
    Errprint = "errprint", blind = true;
    Esyscmd = "esyscmd", blind = true;
    Eval = "eval", blind = true;
    Format = "format", blind = true;
    Ifdef = "ifdef", blind = true;
    Ifelse = "ifelse", blind = true;
    Include = "include", blind = true;
    Incr = "incr", blind = true;
    Index = "index", blind = true;
    Indir = "indir", blind = true;
    Len = "len", blind = true;
    M4exit = "m4exit", blind = false;
    M4wrap = "m4wrap", blind = true;
    Maketemp = "maketemp", blind = true;
    Mkstemp = "mkstemp", blind = true;
    Patsubst = "patsubst", blind = true;
    Popdef = "popdef", blind = true;
    Pushdef = "pushdef", blind = true;
    Regexp = "regexp", blind = true;
    Shift = "shift", blind = true;
    Sinclude = "sinclude", blind = true;
    Substr = "substr", blind = true;
    Syscmd = "syscmd", blind = true;
    Sysval = "sysval", blind = false;
    Traceoff = "traceoff", blind = false;
    Traceon = "traceon", blind = false;
    Translit = "translit", blind = true;
    Undefine = "undefine", blind = true;
    Undivert = "undivert", blind = false;
}

impl Builtin {
    /// The builtin with this (unprefixed) name.
    pub fn by_name(name: &[u8]) -> Option<Builtin> {
        Builtin::ALL
            .iter()
            .copied()
            .find(|b| b.name().as_bytes() == name)
    }
}

fn text(args: &[ArgVal], i: usize) -> &[u8] {
    args.get(i).map_or(&b""[..], |a| a.text())
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Expands `a-z` ranges in a `translit` argument, as GNU m4 does.
pub(crate) fn expand_ranges(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'-' && i > 0 && i + 1 < s.len() {
            let from = s[i - 1];
            let to = s[i + 1];
            if from <= to {
                out.extend((from..=to).skip(1));
            } else {
                out.extend((to..from).rev());
            }
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// `translit(s, from, to)`: maps each byte of `from` to the byte at the same place in
/// `to`, deleting it when `to` is shorter; the first mention of a byte wins.
pub(crate) fn translit(s: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let from = expand_ranges(from);
    let to = expand_ranges(to);
    let mut map: [Option<Option<u8>>; 256] = [None; 256];
    for (k, &c) in from.iter().enumerate() {
        if map[c as usize].is_none() {
            map[c as usize] = Some(to.get(k).copied());
        }
    }
    s.iter()
        .filter_map(|&c| match map[c as usize] {
            None => Some(c),
            Some(m) => m,
        })
        .collect()
}

/// Parses an integer argument the way GNU m4's `numeric_arg` does.
pub(crate) enum Num {
    Ok(i64),
    Empty,
    Bad,
}

pub(crate) fn parse_num(s: &[u8]) -> Num {
    if s.is_empty() {
        return Num::Empty;
    }
    let t = String::from_utf8_lossy(s);
    let t = t.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Num::Bad;
    }
    let mut v: i64 = 0;
    for b in digits.bytes() {
        v = v
            .saturating_mul(10)
            .saturating_add(i64::from(b - b'0'))
            .min(1 << 40);
    }
    Num::Ok(if neg { -v } else { v })
}

impl Expander<'_> {
    /// Warns about a wrong number of arguments; false means "do nothing", like GNU m4's
    /// `bad_argc`. Counts include the name, as GNU m4's `argc` does.
    fn arity(&mut self, args: &[ArgVal], min: usize, max: Option<usize>) -> Result<bool, Stop> {
        let name = lossy(text(args, 0));
        if args.len() < min {
            self.warn(&format!("Warning: too few arguments to builtin `{name}'"))?;
            return Ok(false);
        }
        if max.is_some_and(|m| args.len() > m) {
            self.warn(&format!(
                "Warning: excess arguments to builtin `{name}' ignored"
            ))?;
        }
        Ok(true)
    }

    /// An integer argument, or `None` after reporting why it is not one.
    fn num(&mut self, args: &[ArgVal], i: usize) -> Result<Option<i64>, Stop> {
        let name = lossy(text(args, 0));
        match parse_num(text(args, i)) {
            Num::Ok(v) => {
                if text(args, i)
                    .first()
                    .is_some_and(|c| c.is_ascii_whitespace())
                {
                    self.warn(&format!("leading whitespace ignored in builtin `{name}'"))?;
                }
                Ok(Some(v))
            }
            Num::Empty => {
                self.warn(&format!("empty string treated as 0 in builtin `{name}'"))?;
                Ok(Some(0))
            }
            Num::Bad => {
                self.warn(&format!("non-numeric argument to builtin `{name}'"))?;
                Ok(None)
            }
        }
    }

    fn quoted(&self, t: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        self.quote_into(&mut out, t);
        out
    }

    /// Runs builtin `b`; the returned text is read again as input.
    pub(crate) fn builtin(&mut self, b: Builtin, args: &[ArgVal]) -> Result<Vec<u8>, Stop> {
        use Builtin as B;
        let none = Ok(Vec::new());
        match b {
            B::File => {
                self.arity(args, 1, Some(1))?;
                let f = self.cur_file().as_bytes().to_vec();
                Ok(self.quoted(&f))
            }
            B::Line => {
                self.arity(args, 1, Some(1))?;
                Ok(self.input.cur_line.to_string().into_bytes())
            }
            B::Program => {
                self.arity(args, 1, Some(1))?;
                Ok(self.quoted(b"m4"))
            }
            B::Indirect => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let name = text(args, 1);
                match Builtin::by_name(name) {
                    Some(inner) => {
                        let mut rest = vec![ArgVal::Text(name.to_vec())];
                        rest.extend_from_slice(&args[2..]);
                        self.drop_first_arg_spans();
                        self.builtin(inner, &rest)
                    }
                    None => {
                        self.warn(&format!("undefined builtin `{}'", lossy(name)))?;
                        none
                    }
                }
            }
            B::Changecom => {
                self.arity(args, 1, Some(3))?;
                self.input.comment = match (args.get(1), args.get(2)) {
                    (None, _) => Delims {
                        start: Vec::new(),
                        end: Vec::new(),
                    },
                    (Some(s), e) => {
                        let end = e.map(|e| e.text()).filter(|e| !e.is_empty());
                        Delims {
                            start: s.text().to_vec(),
                            end: end.unwrap_or(b"\n").to_vec(),
                        }
                    }
                };
                none
            }
            B::Changequote => {
                self.arity(args, 1, Some(3))?;
                self.input.quote = match (args.get(1), args.get(2)) {
                    (None, _) => Delims {
                        start: b"`".to_vec(),
                        end: b"'".to_vec(),
                    },
                    (Some(s), _) if s.text().is_empty() => Delims {
                        start: Vec::new(),
                        end: Vec::new(),
                    },
                    (Some(s), e) => {
                        let end = e.map(|e| e.text()).filter(|e| !e.is_empty());
                        Delims {
                            start: s.text().to_vec(),
                            end: end.unwrap_or(b"'").to_vec(),
                        }
                    }
                };
                none
            }
            B::Debugmode | B::Debugfile => {
                self.arity(args, 1, Some(2))?;
                none
            }
            B::Incr | B::Decr => {
                if !self.arity(args, 2, Some(2))? {
                    return none;
                }
                let Some(v) = self.num(args, 1)? else {
                    return none;
                };
                let d = if b == B::Incr { 1 } else { -1 };
                Ok(((v as i32).wrapping_add(d)).to_string().into_bytes())
            }
            B::Define | B::Pushdef => {
                if !self.arity(args, 2, Some(3))? {
                    return none;
                }
                let ArgVal::Text(name) = &args[1] else {
                    self.warn(&format!(
                        "Warning: {}: invalid macro name ignored",
                        lossy(text(args, 0))
                    ))?;
                    return none;
                };
                let def = match args.get(2) {
                    Some(ArgVal::Func(f)) => Def::Builtin(*f),
                    other => Def::User {
                        body: Rc::from(other.map_or(&b""[..], |a| a.text())),
                        site: Some((self.input.cur_name, self.input.cur_line)),
                        spans: Rc::from(self.arg_spans(2)),
                    },
                };
                self.set_def(name, def, b == B::Pushdef);
                none
            }
            B::Undefine | B::Popdef => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                for a in &args[1..] {
                    let name = a.text();
                    if b == B::Undefine {
                        self.defs.remove(name);
                        self.traced.remove(name);
                    } else if let Some(stack) = self.defs.get_mut(name) {
                        stack.pop();
                        if stack.is_empty() {
                            self.defs.remove(name);
                        }
                    }
                }
                none
            }
            B::Defn => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let mut out = Vec::new();
                for a in &args[1..] {
                    match self.defs.get(a.text()).and_then(|s| s.last()).cloned() {
                        Some(Def::User { body, .. }) => self.quote_into(&mut out, &body),
                        Some(Def::Builtin(f)) if args.len() == 2 => self.input.push_func(f),
                        Some(Def::Builtin(_)) => {
                            self.warn(&format!(
                                "Warning: cannot concatenate builtin `{}'",
                                lossy(a.text())
                            ))?;
                        }
                        None => {}
                    }
                }
                Ok(out)
            }
            B::Divert => {
                self.arity(args, 1, Some(2))?;
                let n = match args.get(1) {
                    None => 0,
                    Some(_) => match self.num(args, 1)? {
                        Some(n) => n,
                        None => return none,
                    },
                };
                let n = n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
                // Diverting to the current diversion changes nothing, `-s` state included.
                if n != self.diversion {
                    self.diversion = n;
                    self.invalidate_line();
                }
                none
            }
            B::Divnum => {
                self.arity(args, 1, Some(1))?;
                Ok(self.diversion.to_string().into_bytes())
            }
            B::Dnl => {
                self.arity(args, 1, Some(1))?;
                if !self.input.skip_line() {
                    self.warn("Warning: end of file treated as newline")?;
                }
                none
            }
            B::Dumpdef => {
                self.arity(args, 1, None)?;
                let mut names: Vec<Vec<u8>> = if args.len() == 1 {
                    self.defs.keys().cloned().collect()
                } else {
                    args[1..].iter().map(|a| a.text().to_vec()).collect()
                };
                names.sort();
                names.dedup();
                for name in names {
                    match self.defs.get(&name).and_then(|s| s.last()).cloned() {
                        Some(Def::User { body, .. }) => {
                            let _ = writeln!(self.messages, "{}:\t{}", lossy(&name), lossy(&body));
                        }
                        Some(Def::Builtin(f)) => {
                            let _ = writeln!(self.messages, "{}:\t<{}>", lossy(&name), f.name());
                        }
                        None => {
                            self.warn(&format!("undefined macro `{}'", lossy(&name)))?;
                        }
                    }
                }
                none
            }
            B::Errprint => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let mut out = Vec::new();
                for (k, a) in args[1..].iter().enumerate() {
                    if k > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(a.text());
                }
                self.messages.push_str(&String::from_utf8_lossy(&out));
                none
            }
            B::Syscmd | B::Esyscmd => {
                if !self.arity(args, 2, Some(2))? {
                    return none;
                }
                if !self.opts.allow_shell {
                    self.error(&format!(
                        "{}: shell commands are disabled (use --allow-shell)",
                        lossy(text(args, 0))
                    ));
                    self.sysval = 127;
                    return none;
                }
                match self.loader.run_shell(&lossy(text(args, 1))) {
                    Some((out, status)) => {
                        self.sysval = status;
                        if b == B::Esyscmd {
                            return Ok(out);
                        }
                        self.insert_raw(&out)?;
                        none
                    }
                    None => {
                        self.sysval = 127;
                        none
                    }
                }
            }
            B::Sysval => {
                self.arity(args, 1, Some(1))?;
                Ok(self.sysval.to_string().into_bytes())
            }
            B::Eval => {
                if !self.arity(args, 2, Some(4))? {
                    return none;
                }
                self.eval(args)
            }
            B::Format => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let budget = self.memory_left();
                format(text(args, 1), &args[2..], budget).map_err(|n| {
                    let what = format!("`{}' field of {n} bytes", lossy(text(args, 0)));
                    self.over_memory(&what)
                })
            }
            B::Ifdef => {
                if !self.arity(args, 3, Some(4))? {
                    return none;
                }
                let defined = self.defs.contains_key(text(args, 1));
                if !self.tested.contains(text(args, 1)) {
                    self.tested.insert(text(args, 1).to_vec());
                }
                let pick = if defined { 2 } else { 3 };
                self.result_spans = self.arg_spans(pick);
                Ok(text(args, pick).to_vec())
            }
            B::Ifelse => {
                if args.len() == 2 {
                    return none;
                }
                if !self.arity(args, 4, None)? {
                    return none;
                }
                let mut k = 1;
                loop {
                    let pick = if args[k].text() == args[k + 1].text() {
                        k + 2
                    } else {
                        match args.len() - k {
                            3 => return none,
                            4 | 5 => k + 3,
                            _ => {
                                k += 3;
                                continue;
                            }
                        }
                    };
                    self.result_spans = self.arg_spans(pick);
                    return Ok(args[pick].text().to_vec());
                }
            }
            B::Include | B::Sinclude => {
                if !self.arity(args, 2, Some(2))? {
                    return none;
                }
                let path = lossy(text(args, 1));
                // GNU m4 runs out of file descriptors near here; we stop cleanly instead.
                if self.input.open_files() >= limits::OPEN_FILES {
                    let (name, line) = (self.input.cur_name, self.input.cur_line);
                    let msg = format!("cannot open `{path}': includes nested too deeply");
                    return Err(self.fatal_at(name, line, &msg));
                }
                match self.find_file(&path)? {
                    Some((name, data)) => self.push_file(&name, data)?,
                    None if b == B::Include => {
                        self.error(&format!("cannot open `{path}': No such file or directory"));
                    }
                    None => {}
                }
                none
            }
            B::Index => {
                // As in GNU m4, `index(`abc')` is 0 although `builtin(`index')` is empty.
                if !self.arity(args, 3, Some(3))? {
                    return Ok(if args.len() == 2 {
                        b"0".to_vec()
                    } else {
                        Vec::new()
                    });
                }
                let (hay, needle) = (text(args, 1), text(args, 2));
                let at = if needle.is_empty() {
                    Some(0)
                } else {
                    hay.windows(needle.len()).position(|w| w == needle)
                };
                Ok(at.map_or(-1, |i| i as i64).to_string().into_bytes())
            }
            B::Indir => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let name = text(args, 1).to_vec();
                match self.defs.get(&name).and_then(|s| s.last()).cloned() {
                    Some(def) => {
                        let rest = args[1..].to_vec();
                        self.drop_first_arg_spans();
                        match def {
                            Def::Builtin(inner) => self.builtin(inner, &rest),
                            Def::User { body, spans, .. } => {
                                let call_spans = std::mem::take(&mut self.call_spans);
                                let (text, spans) =
                                    self.substitute(&body, &spans, &rest, &call_spans);
                                self.result_spans = spans;
                                Ok(text)
                            }
                        }
                    }
                    None => {
                        self.warn(&format!("undefined macro `{}'", lossy(&name)))?;
                        none
                    }
                }
            }
            B::Len => {
                if !self.arity(args, 2, Some(2))? {
                    return none;
                }
                Ok(text(args, 1).len().to_string().into_bytes())
            }
            B::M4exit => {
                self.arity(args, 1, Some(2))?;
                let code = match args.get(1) {
                    None => 0,
                    Some(_) => self.num(args, 1)?.unwrap_or(1),
                };
                let code = if (0..=255).contains(&code) {
                    code as i32
                } else {
                    self.warn(&format!(
                        "exit status out of range: `{}'",
                        lossy(text(args, 1))
                    ))?;
                    1
                };
                // An earlier error's status survives `m4exit(0)`, as in GNU m4.
                let code = if code == 0 { self.exit_code } else { code };
                self.m4exit = Some((self.input.cur_name, self.input.cur_line, code));
                self.input.clear();
                Err(Stop::Exit(code))
            }
            B::M4wrap => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let mut t = Vec::new();
                for (k, a) in args[1..].iter().enumerate() {
                    if k > 0 {
                        t.push(b' ');
                    }
                    t.extend_from_slice(a.text());
                }
                self.wrapups
                    .push((t, self.input.cur_name, self.input.cur_line));
                none
            }
            B::Maketemp | B::Mkstemp => {
                if !self.arity(args, 2, Some(2))? {
                    return none;
                }
                self.error(&format!(
                    "{}: temporary files are not supported",
                    lossy(text(args, 0))
                ));
                none
            }
            B::Patsubst => {
                // With only the string, GNU m4 gives the string back.
                if !self.arity(args, 3, Some(4))? {
                    return Ok(text(args, 1).to_vec());
                }
                let Some(re) = self.regex(args, 2, false)? else {
                    return none;
                };
                let mut notes = Notes::default();
                let Ok(out) = re.substitute_all(text(args, 1), text(args, 3), &mut notes) else {
                    return self.too_complex(args);
                };
                self.replacement_notes(notes)?;
                Ok(out)
            }
            B::Regexp => {
                if !self.arity(args, 3, Some(4))? {
                    return Ok(if args.len() == 2 {
                        b"0".to_vec()
                    } else {
                        Vec::new()
                    });
                }
                let Some(re) = self.regex(args, 2, true)? else {
                    return none;
                };
                let hay = text(args, 1);
                let Ok(m) = re.search(hay, 0, &mut 0) else {
                    return self.too_complex(args);
                };
                Ok(match (args.get(3), m) {
                    (None, m) => m.map_or(-1, |c| c.start() as i64).to_string().into_bytes(),
                    (Some(_), None) => Vec::new(),
                    (Some(r), Some(c)) => {
                        let mut notes = Notes::default();
                        let out = re.replace(hay, &c, r.text(), &mut notes);
                        self.replacement_notes(notes)?;
                        out
                    }
                })
            }
            B::Shift => {
                if !self.arity(args, 2, None)? {
                    return none;
                }
                let mut out = Vec::new();
                self.join_args(&mut out, &args[2..], true);
                Ok(out)
            }
            B::Substr => {
                // With only the string, GNU m4 gives the string back.
                if !self.arity(args, 3, Some(4))? {
                    return Ok(text(args, 1).to_vec());
                }
                let s = text(args, 1);
                let Some(start) = self.num(args, 2)? else {
                    return none;
                };
                let len = match args.get(3) {
                    None => s.len() as i64,
                    Some(_) => match self.num(args, 3)? {
                        Some(l) => l,
                        None => return none,
                    },
                };
                if start < 0 || len <= 0 || start >= s.len() as i64 {
                    return none;
                }
                let end = (start + len).min(s.len() as i64);
                Ok(s[start as usize..end as usize].to_vec())
            }
            B::Traceon | B::Traceoff => {
                let on = b == B::Traceon;
                // Without arguments: every macro defined now (not later ones), as GNU m4.
                if args.len() == 1 {
                    if on {
                        let names: Vec<Vec<u8>> = self.defs.keys().cloned().collect();
                        self.traced.extend(names);
                    } else {
                        self.traced.clear();
                    }
                }
                for a in &args[1..] {
                    if on {
                        self.traced.insert(a.text().to_vec());
                    } else {
                        self.traced.remove(a.text());
                    }
                }
                none
            }
            B::Translit => {
                // With only the string, GNU m4 gives the string back.
                if !self.arity(args, 3, Some(4))? {
                    return Ok(text(args, 1).to_vec());
                }
                Ok(translit(text(args, 1), text(args, 2), text(args, 3)))
            }
            B::Undivert => {
                if args.len() == 1 {
                    let all: Vec<i32> = self.sinks.keys().copied().filter(|&n| n > 0).collect();
                    for n in all {
                        if n != self.diversion {
                            self.insert_diversion(n);
                        }
                    }
                    return none;
                }
                for a in &args[1..] {
                    match parse_num(a.text()) {
                        Num::Ok(n) => {
                            let n = n.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
                            if n > 0 && n != self.diversion {
                                self.insert_diversion(n);
                            }
                        }
                        _ => {
                            let path = lossy(a.text());
                            match self.find_file(&path)? {
                                Some((_, data)) => self.insert_raw(&data)?,
                                None => self.warn(&format!(
                                    "cannot undivert `{path}': No such file or directory"
                                ))?,
                            }
                        }
                    }
                }
                none
            }
        }
    }

    fn replacement_notes(&mut self, notes: Notes) -> Result<(), Stop> {
        if notes.zero && !self.warned_zero {
            self.warned_zero = true;
            self.warn("Warning: \\0 will disappear, use \\& instead in replacements")?;
        }
        for g in notes.missing {
            self.warn(&format!("Warning: sub-expression {g} not present"))?;
        }
        if notes.trailing_backslash {
            self.warn("Warning: trailing \\ ignored in replacement")?;
        }
        Ok(())
    }

    /// The sources of argument `i` of the current call.
    fn arg_spans(&self, i: usize) -> Spans {
        self.call_spans.get(i).cloned().unwrap_or_default()
    }

    /// Shifts the argument sources when `builtin`/`indir` pass on their arguments.
    fn drop_first_arg_spans(&mut self) {
        if self.call_spans.len() > 1 {
            self.call_spans.remove(1);
        }
    }

    /// Reports a match that passed the step limit, in GNU m4's words for a failed match.
    fn too_complex(&mut self, args: &[ArgVal]) -> Result<Vec<u8>, Stop> {
        self.error(&format!(
            "error matching regular expression `{}': more than {} steps (the regex step limit)",
            lossy(text(args, 2)),
            limits::REGEX_STEPS
        ));
        Ok(Vec::new())
    }

    /// Compiles argument `i`; GNU m4 words the error with a colon for `regexp` only.
    fn regex(&mut self, args: &[ArgVal], i: usize, colon: bool) -> Result<Option<Regex>, Stop> {
        match Regex::new(text(args, i)) {
            Ok(re) => Ok(Some(re)),
            Err(msg) => {
                let colon = if colon { ":" } else { "" };
                self.warn(&format!(
                    "bad regular expression{colon} `{}': {msg}",
                    lossy(text(args, i))
                ))?;
                Ok(None)
            }
        }
    }

    fn eval(&mut self, args: &[ArgVal]) -> Result<Vec<u8>, Stop> {
        // An empty radix means 10, silently; an empty width warns and means 0.
        let radix = match args.get(2).filter(|a| !a.text().is_empty()) {
            None => 10,
            Some(_) => match self.num(args, 2)? {
                Some(r) => r,
                None => return Ok(Vec::new()),
            },
        };
        let width = match args.get(3) {
            None => 1,
            Some(_) => match self.num(args, 3)? {
                Some(w) => w,
                None => return Ok(Vec::new()),
            },
        };
        let name = lossy(text(args, 0));
        if !(1..=36).contains(&radix) {
            self.warn(&format!("radix {radix} in builtin `{name}' out of range"))?;
            return Ok(Vec::new());
        }
        if width < 0 {
            self.warn(&format!("negative width to builtin `{name}'"))?;
            return Ok(Vec::new());
        }
        let expr = text(args, 1);
        if expr.is_empty() {
            self.warn(&format!("empty string treated as 0 in builtin `{name}'"))?;
            return Ok(eval::to_radix(0, radix as u32, width.min(1 << 20) as usize).into_bytes());
        }
        match eval::evaluate(expr) {
            Ok((v, warnings)) => {
                for w in warnings {
                    self.warn(&w)?;
                }
                Ok(eval::to_radix(v, radix as u32, width.min(1 << 20) as usize).into_bytes())
            }
            Err(f) if f.error => {
                self.error(&f.text);
                Ok(Vec::new())
            }
            Err(f) => {
                self.warn(&f.text)?;
                Ok(Vec::new())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translit_ranges_and_deletion() {
        assert_eq!(translit(b"hello", b"a-z", b"A-Z"), b"HELLO");
        assert_eq!(translit(b"hello", b"lo", b""), b"he");
        assert_eq!(translit(b"abc", b"c-a", b"xyz"), b"zyx");
        assert_eq!(translit(b"a-b", b"-", b"_"), b"a_b");
        assert_eq!(translit(b"aab", b"aa", b"xy"), b"xxb");
    }

    #[test]
    fn numbers_parse_like_strtol() {
        assert!(matches!(parse_num(b" 12"), Num::Ok(12)));
        assert!(matches!(parse_num(b"-3"), Num::Ok(-3)));
        assert!(matches!(parse_num(b""), Num::Empty));
        assert!(matches!(parse_num(b"1x"), Num::Bad));
    }

    #[test]
    fn every_builtin_is_found_by_name() {
        for &b in Builtin::ALL {
            assert_eq!(Builtin::by_name(b.name().as_bytes()), Some(b));
        }
    }
}
