//! The expression language of `eval`, with GNU m4 1.4.19's 32-bit arithmetic.
//!
//! Precedence from loosest to tightest: `||`, `&&`, `|`, `^`, `&`, `==` `!=`, `<` `<=` `>`
//! `>=`, `<<` `>>`, `+` `-`, `*` `/` `%`, `**` (right-associative), unary `+ - ~ !`.
//! Numbers are decimal, `0x` hex, `0b` binary, `0` octal or `0r<radix>:` in any radix up to
//! 36. Values wrap at 32 bits; shift counts use their low five bits. The branch that `||`
//! or `&&` skips is parsed but not evaluated, so `0 && 1/0` is not an error.

/// Why an expression was rejected; the message is GNU m4's.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Fail {
    Syntax,
    Excess,
    BadInput,
    MissingParen,
    DivZero,
    ModZero,
    NegExp,
    BadOp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Num(i32),
    Op(&'static str),
    /// C's `++`, `--` and assignment operators, which GNU m4 lexes only to reject.
    BadOp,
    Open,
    Close,
    End,
}

const OPS: &[&str] = &[
    "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "=",
    "&", "|", "^", "~", "!",
];

/// C operators GNU m4 lexes only to reject as invalid; tried before [`OPS`].
const BAD_OPS: &[&str] = &[
    "<<=", ">>=", "++", "--", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=",
];

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
    peeked: Option<Tok>,
    warnings: Vec<String>,
}

fn digit_value(c: u8) -> Option<u32> {
    match c {
        b'0'..=b'9' => Some(u32::from(c - b'0')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 10),
        b'A'..=b'Z' => Some(u32::from(c - b'A') + 10),
        _ => None,
    }
}

impl Parser<'_> {
    fn lex(&mut self) -> Result<Tok, Fail> {
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
        let Some(&c) = self.s.get(self.i) else {
            return Ok(Tok::End);
        };
        if c.is_ascii_digit() {
            return self.number();
        }
        match c {
            b'(' => {
                self.i += 1;
                return Ok(Tok::Open);
            }
            b')' => {
                self.i += 1;
                return Ok(Tok::Close);
            }
            _ => {}
        }
        if let Some(op) = BAD_OPS
            .iter()
            .find(|op| self.s[self.i..].starts_with(op.as_bytes()))
        {
            self.i += op.len();
            return Ok(Tok::BadOp);
        }
        for op in OPS {
            if self.s[self.i..].starts_with(op.as_bytes()) {
                self.i += op.len();
                return Ok(Tok::Op(op));
            }
        }
        Err(Fail::BadInput)
    }

    fn number(&mut self) -> Result<Tok, Fail> {
        let rest = &self.s[self.i..];
        let (radix, skip) = match rest {
            [b'0', b'x' | b'X', ..] => (16, 2),
            [b'0', b'b' | b'B', ..] => (2, 2),
            [b'0', b'r' | b'R', ..] => {
                let mut j = 2;
                let mut r: u32 = 0;
                while let Some(d) = rest.get(j).filter(|c| c.is_ascii_digit()) {
                    r = r.saturating_mul(10).saturating_add(u32::from(d - b'0'));
                    j += 1;
                }
                if rest.get(j) != Some(&b':') || !(1..=36).contains(&r) {
                    return Err(Fail::BadInput);
                }
                (r, j + 1)
            }
            [b'0', ..] => (8, 1),
            _ => (10, 0),
        };
        self.i += skip;
        let mut v: u32 = 0;
        while let Some(&c) = self.s.get(self.i) {
            let d = match digit_value(c) {
                Some(d) if radix == 1 && c == b'1' => d,
                Some(d) if d < radix => d,
                _ => break,
            };
            v = if radix == 1 {
                v.wrapping_add(1)
            } else {
                v.wrapping_mul(radix).wrapping_add(d)
            };
            self.i += 1;
        }
        Ok(Tok::Num(v as i32))
    }

    fn peek(&mut self) -> Result<Tok, Fail> {
        if self.peeked.is_none() {
            // GNU m4 calls a bad first token a syntax error, later ones bad input.
            let first = self.i == 0;
            let tok = self.lex().map_err(|f| match f {
                Fail::BadInput if first => Fail::Syntax,
                f => f,
            })?;
            self.peeked = Some(tok);
        }
        Ok(self.peeked.unwrap_or(Tok::End))
    }

    fn bump(&mut self) {
        self.peeked = None;
    }

    /// Evaluates the expression up to the first token that cannot continue it.
    ///
    /// Operator precedence parsing with explicit stacks, so nesting depth costs heap, not
    /// native stack: GNU m4's recursive descent takes `eval` of 10,000 nested parentheses
    /// (and overflows its stack somewhere past 50,000). Reductions happen in the same order
    /// as in a recursive descent, so errors are found in GNU m4's order.
    fn expr(&mut self) -> Result<i32, Fail> {
        let mut stack: Vec<Pending> = Vec::new();
        'operand: loop {
            let live = stack.last().is_none_or(Pending::live);
            let mut v = match self.peek()? {
                Tok::Op(op @ ("+" | "-" | "~" | "!")) => {
                    self.bump();
                    stack.push(Pending::Unary(op, live));
                    continue;
                }
                Tok::Open => {
                    self.bump();
                    stack.push(Pending::Paren(live));
                    continue;
                }
                Tok::Num(n) => {
                    self.bump();
                    n
                }
                Tok::BadOp => return Err(Fail::BadOp),
                _ => return Err(Fail::Syntax),
            };
            loop {
                while let Some(&Pending::Unary(op, _)) = stack.last() {
                    stack.pop();
                    v = match op {
                        "-" => v.wrapping_neg(),
                        "~" => !v,
                        "!" => i32::from(v == 0),
                        _ => v,
                    };
                }
                let tok = self.peek()?;
                let level = match tok {
                    Tok::Op(op) => LEVELS.iter().position(|ops| ops.contains(&op)),
                    _ => None,
                };
                // Left-associative levels reduce their equals; `**` (the last) does not.
                while let Some(&Pending::Binary {
                    op,
                    level: l,
                    lhs,
                    live,
                }) = stack.last()
                {
                    if level.is_some_and(|n| l < n || (l == n && n == LEVELS.len() - 1)) {
                        break;
                    }
                    stack.pop();
                    v = combine(op, lhs, v, live)?;
                }
                if let (Some(level), Tok::Op(op)) = (level, tok) {
                    self.bump();
                    if op == "=" {
                        self.warnings
                            .push("Warning: recommend ==, not =, for equality operator".into());
                    }
                    let live = stack.last().is_none_or(Pending::live);
                    stack.push(Pending::Binary {
                        op,
                        level,
                        lhs: v,
                        live,
                    });
                    continue 'operand;
                }
                match stack.pop() {
                    None => return Ok(v),
                    Some(_) if tok == Tok::Close => self.bump(),
                    Some(_) => return Err(Fail::MissingParen),
                }
            }
        }
    }
}

/// Binary operators by precedence, loosest first; all are left-associative but `**`.
const LEVELS: &[&[&str]] = &[
    &["||"],
    &["&&"],
    &["|"],
    &["^"],
    &["&"],
    &["==", "!=", "="],
    &["<=", ">=", "<", ">"],
    &["<<", ">>"],
    &["+", "-"],
    &["*", "/", "%"],
    &["**"],
];

/// An operator waiting for its operand; each knows whether that operand is evaluated
/// (false in the branch `||` or `&&` skips).
#[derive(Debug, Clone, Copy)]
enum Pending {
    Unary(&'static str, bool),
    Paren(bool),
    Binary {
        op: &'static str,
        level: usize,
        lhs: i32,
        live: bool,
    },
}

impl Pending {
    /// Whether the operand that follows is evaluated.
    fn live(&self) -> bool {
        match *self {
            Pending::Unary(_, live) | Pending::Paren(live) => live,
            Pending::Binary { op, lhs, live, .. } => {
                live && !matches!((op, lhs != 0), ("||", true) | ("&&", false))
            }
        }
    }
}

/// Applies a binary operator; in a skipped branch only comparisons are computed (they
/// cannot fail), as GNU m4 does.
fn combine(op: &'static str, lhs: i32, rhs: i32, live: bool) -> Result<i32, Fail> {
    let rhs_live = Pending::Binary {
        op,
        level: 0,
        lhs,
        live,
    }
    .live();
    match op {
        "==" | "=" => Ok(i32::from(lhs == rhs)),
        "!=" => Ok(i32::from(lhs != rhs)),
        _ if live => apply(op, lhs, rhs, rhs_live),
        _ => Ok(0),
    }
}

fn apply(op: &str, a: i32, b: i32, live: bool) -> Result<i32, Fail> {
    Ok(match op {
        "||" => i32::from(a != 0 || (live && b != 0)),
        "&&" => i32::from(a != 0 && b != 0),
        "|" => a | b,
        "^" => a ^ b,
        "&" => a & b,
        "<" => i32::from(a < b),
        "<=" => i32::from(a <= b),
        ">" => i32::from(a > b),
        ">=" => i32::from(a >= b),
        "<<" => ((a as u32) << (b as u32 & 31)) as i32,
        ">>" => a >> (b as u32 & 31),
        "+" => a.wrapping_add(b),
        "-" => a.wrapping_sub(b),
        "*" => a.wrapping_mul(b),
        "/" if b == 0 => return Err(Fail::DivZero),
        "/" => a.wrapping_div(b),
        "%" if b == 0 => return Err(Fail::ModZero),
        "%" => a.wrapping_rem(b),
        "**" if b < 0 => return Err(Fail::NegExp),
        "**" if a == 0 && b == 0 => return Err(Fail::DivZero),
        "**" => {
            let mut r: i32 = 1;
            let (mut base, mut e) = (a, b as u32);
            while e > 0 {
                if e & 1 == 1 {
                    r = r.wrapping_mul(base);
                }
                base = base.wrapping_mul(base);
                e >>= 1;
            }
            r
        }
        _ => return Err(Fail::Syntax),
    })
}

/// Why `eval` failed: GNU m4's message, and whether it is an error (exit status 1; only
/// for an invalid operator) rather than a warning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub text: String,
    pub error: bool,
}

/// Evaluates an expression: the value and any warnings, or why it failed.
pub(crate) fn evaluate(expr: &[u8]) -> Result<(i32, Vec<String>), Failure> {
    let mut p = Parser {
        s: expr,
        i: 0,
        peeked: None,
        warnings: Vec::new(),
    };
    let shown = String::from_utf8_lossy(expr);
    let result = p.expr().and_then(|v| match p.peek()? {
        Tok::End => Ok(v),
        Tok::BadOp => Err(Fail::BadOp),
        _ => Err(Fail::Excess),
    });
    result
        .map(|v| (v, std::mem::take(&mut p.warnings)))
        .map_err(|f| {
            let what = match f {
                Fail::Syntax => "bad expression in eval",
                Fail::Excess => "bad expression in eval (excess input)",
                Fail::BadInput => "bad expression in eval (bad input)",
                Fail::MissingParen => "bad expression in eval (missing right parenthesis)",
                Fail::DivZero => "divide by zero in eval",
                Fail::ModZero => "modulo by zero in eval",
                Fail::NegExp => "negative exponent in eval",
                Fail::BadOp => "invalid operator in eval",
            };
            Failure {
                text: format!("{what}: {shown}"),
                error: f == Fail::BadOp,
            }
        })
}

/// Writes a value in a radix (1 to 36) with at least `width` digits, like `eval`'s output.
pub(crate) fn to_radix(v: i32, radix: u32, width: usize) -> String {
    let neg = v < 0;
    let mut mag = i64::from(v).unsigned_abs();
    let mut digits = Vec::new();
    if radix == 1 {
        digits.resize(mag.min(1 << 24) as usize, b'1');
    } else {
        loop {
            let d = (mag % u64::from(radix)) as u8;
            digits.push(if d < 10 { b'0' + d } else { b'a' + d - 10 });
            mag /= u64::from(radix);
            if mag == 0 {
                break;
            }
        }
        digits.reverse();
    }
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    for _ in digits.len()..width {
        out.push('0');
    }
    out.push_str(&String::from_utf8_lossy(&digits));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(s: &str) -> Result<i32, String> {
        evaluate(s.as_bytes()).map(|(v, _)| v).map_err(|f| f.text)
    }

    #[test]
    fn precedence_and_associativity() {
        assert_eq!(ev("1+2*3"), Ok(7));
        assert_eq!(ev("(1+2)*3"), Ok(9));
        assert_eq!(ev("2**3**2"), Ok(512));
        assert_eq!(ev("1 || 0 && 0"), Ok(1));
        assert_eq!(ev("-2**2"), Ok(4));
        assert_eq!(ev("7 - 2 - 1"), Ok(4));
        assert_eq!(ev("1 < 2 == 1"), Ok(1));
    }

    #[test]
    fn wraps_at_32_bits() {
        assert_eq!(ev("-2147483648/-1"), Ok(i32::MIN));
        assert_eq!(ev("2147483647+1"), Ok(i32::MIN));
        assert_eq!(ev("1<<33"), Ok(2));
        assert_eq!(ev("-7%3"), Ok(-1));
    }

    #[test]
    fn number_forms() {
        assert_eq!(ev("0x1f"), Ok(31));
        assert_eq!(ev("0b101"), Ok(5));
        assert_eq!(ev("010"), Ok(8));
        assert_eq!(ev("0r36:zz"), Ok(1295));
    }

    #[test]
    fn errors_carry_gnu_messages() {
        assert_eq!(ev("1/0"), Err("divide by zero in eval: 1/0".into()));
        assert_eq!(
            ev("1 2"),
            Err("bad expression in eval (excess input): 1 2".into())
        );
        assert_eq!(ev("1+"), Err("bad expression in eval: 1+".into()));
        assert_eq!(ev("0 && 1/0"), Ok(0));
        assert_eq!(ev("1 || 1/0"), Ok(1));
        assert_eq!(ev("--1"), Err("invalid operator in eval: --1".into()));
        assert_eq!(
            ev("(1 += 2)"),
            Err("bad expression in eval (missing right parenthesis): (1 += 2)".into())
        );
        assert_eq!(ev("1 / 0 2"), Err("divide by zero in eval: 1 / 0 2".into()));
    }

    #[test]
    fn deep_nesting_needs_no_native_stack() {
        let n = 1_000_000;
        let deep = format!("{}1{}", "(".repeat(n), ")".repeat(n));
        assert_eq!(ev(&deep), Ok(1));
        assert_eq!(ev(&format!("{}1", "- ".repeat(n + 1))), Ok(-1));
        assert!(ev(&format!("{}1", "2**".repeat(n))).is_ok());
    }

    #[test]
    fn radix_output() {
        assert_eq!(to_radix(-5, 10, 4), "-0005");
        assert_eq!(to_radix(255, 16, 1), "ff");
        assert_eq!(to_radix(5, 1, 1), "11111");
        assert_eq!(to_radix(i32::MIN, 16, 1), "-80000000");
    }
}
