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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Num(i32),
    Op(&'static str),
    Open,
    Close,
    End,
}

const OPS: &[&str] = &[
    "**", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||", "+", "-", "*", "/", "%", "<", ">", "=",
    "&", "|", "^", "~", "!",
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

    fn eat_op(&mut self, ops: &[&str]) -> Result<Option<&'static str>, Fail> {
        if let Tok::Op(op) = self.peek()? {
            if ops.contains(&op) {
                self.bump();
                return Ok(Some(op));
            }
        }
        Ok(None)
    }

    /// Parses a binary level whose operands come from `next`. `live` is false inside a
    /// branch that is not evaluated.
    fn binary(
        &mut self,
        live: bool,
        ops: &[&str],
        next: fn(&mut Self, bool) -> Result<i32, Fail>,
    ) -> Result<i32, Fail> {
        let mut v = next(self, live)?;
        while let Some(op) = self.eat_op(ops)? {
            let rhs_live = live && !matches!((op, v != 0), ("||", true) | ("&&", false));
            let w = next(self, rhs_live)?;
            v = if live { apply(op, v, w, rhs_live)? } else { 0 };
        }
        Ok(v)
    }

    fn or(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["||"], Self::and)
    }
    fn and(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["&&"], Self::bitor)
    }
    fn bitor(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["|"], Self::bitxor)
    }
    fn bitxor(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["^"], Self::bitand)
    }
    fn bitand(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["&"], Self::equality)
    }
    fn equality(&mut self, live: bool) -> Result<i32, Fail> {
        let mut v = self.compare(live)?;
        while let Some(op) = self.eat_op(&["==", "!=", "="])? {
            if op == "=" {
                self.warnings
                    .push("Warning: recommend ==, not =, for equality operator".into());
            }
            let w = self.compare(live)?;
            v = i32::from((v == w) == (op != "!="));
        }
        Ok(v)
    }
    fn compare(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["<=", ">=", "<", ">"], Self::shift)
    }
    fn shift(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["<<", ">>"], Self::add)
    }
    fn add(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["+", "-"], Self::mul)
    }
    fn mul(&mut self, live: bool) -> Result<i32, Fail> {
        self.binary(live, &["*", "/", "%"], Self::power)
    }

    fn power(&mut self, live: bool) -> Result<i32, Fail> {
        let base = self.unary(live)?;
        if self.eat_op(&["**"])?.is_some() {
            let exp = self.power(live)?;
            return if live {
                apply("**", base, exp, true)
            } else {
                Ok(0)
            };
        }
        Ok(base)
    }

    fn unary(&mut self, live: bool) -> Result<i32, Fail> {
        if let Some(op) = self.eat_op(&["+", "-", "~", "!"])? {
            let v = self.unary(live)?;
            return Ok(match op {
                "-" => v.wrapping_neg(),
                "~" => !v,
                "!" => i32::from(v == 0),
                _ => v,
            });
        }
        match self.peek()? {
            Tok::Num(n) => {
                self.bump();
                Ok(n)
            }
            Tok::Open => {
                self.bump();
                let v = self.or(live)?;
                match self.peek()? {
                    Tok::Close => {
                        self.bump();
                        Ok(v)
                    }
                    _ => Err(Fail::MissingParen),
                }
            }
            _ => Err(Fail::Syntax),
        }
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

/// Evaluates an expression: the value and any warnings, or GNU m4's error message.
pub(crate) fn evaluate(expr: &[u8]) -> Result<(i32, Vec<String>), String> {
    let mut p = Parser {
        s: expr,
        i: 0,
        peeked: None,
        warnings: Vec::new(),
    };
    let shown = String::from_utf8_lossy(expr);
    let result = p.or(true).and_then(|v| match p.peek()? {
        Tok::End => Ok(v),
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
            };
            format!("{what}: {shown}")
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
        evaluate(s.as_bytes()).map(|(v, _)| v)
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
    }

    #[test]
    fn radix_output() {
        assert_eq!(to_radix(-5, 10, 4), "-0005");
        assert_eq!(to_radix(255, 16, 1), "ff");
        assert_eq!(to_radix(5, 1, 1), "11111");
        assert_eq!(to_radix(i32::MIN, 16, 1), "-80000000");
    }
}
