//! The `format` builtin: C `printf` conversions over macro arguments, as GNU m4 does them.
//!
//! Integers are C `int` (32 bits); floating conversions use `f64` and C's rules for `%e`,
//! `%f` and `%g`. A missing argument reads as empty (0 for numbers). Widths and
//! precisions are honoured in full, as GNU m4 does, up to the caller's memory budget.

use super::expand::ArgVal;

#[derive(Default)]
struct Spec {
    left: bool,
    zero: bool,
    plus: bool,
    space: bool,
    alt: bool,
    width: usize,
    prec: Option<usize>,
}

fn arg_text<'a>(args: &'a [ArgVal], k: &mut usize) -> &'a [u8] {
    let t = args.get(*k).map_or(&b""[..], |a| a.text());
    *k += 1;
    t
}

fn to_int(t: &[u8]) -> i32 {
    let s = String::from_utf8_lossy(t);
    let s = s.trim_start();
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let v = digits
        .bytes()
        .fold(0i64, |v, b| (v * 10 + i64::from(b - b'0')).min(1 << 40));
    (if neg { -v } else { v }) as i32
}

fn to_float(t: &[u8]) -> f64 {
    let s = String::from_utf8_lossy(t);
    let s = s.trim();
    // The longest prefix that parses, like strtod.
    (1..=s.len())
        .rev()
        .filter(|&n| s.is_char_boundary(n))
        .find_map(|n| s[..n].parse::<f64>().ok())
        .unwrap_or(0.0)
}

/// Digits past which a double's exact decimal expansion is all zeros: it has at most 1074
/// after the point (767 significant). Rust's formatter takes at most 65535, so longer
/// precisions are written as this many digits and then zeros.
const EXACT_DIGITS: usize = 1100;

/// `%f` digits: `prec` decimals.
fn fixed(v: f64, prec: usize) -> String {
    let mut s = format!("{:.*}", prec.min(EXACT_DIGITS), v);
    s.extend(std::iter::repeat_n('0', prec.saturating_sub(EXACT_DIGITS)));
    s
}

/// `%e` digits: mantissa with `prec` decimals and a signed two-digit exponent.
fn exp_form(v: f64, prec: usize, upper: bool) -> String {
    let s = format!("{:.*e}", prec.min(EXACT_DIGITS), v);
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let e = if upper { 'E' } else { 'e' };
    let sign = if exp < 0 { '-' } else { '+' };
    let zeros = "0".repeat(prec.saturating_sub(EXACT_DIGITS));
    format!("{mant}{zeros}{e}{sign}{:02}", exp.abs())
}

fn strip_zeros(s: &str) -> String {
    let (num, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let num = if num.contains('.') {
        num.trim_end_matches('0').trim_end_matches('.')
    } else {
        num
    };
    format!("{num}{exp}")
}

fn general_form(v: f64, prec: usize, upper: bool, alt: bool) -> String {
    let p = prec.max(1);
    if v == 0.0 {
        let s = fixed(v, p - 1);
        return if alt { s } else { strip_zeros(&s) };
    }
    let e = exp_form(v, p - 1, upper);
    let x: i32 = e
        .rsplit(['e', 'E'])
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or(0);
    let s = if x < -4 || i64::from(x) >= p as i64 {
        e
    } else {
        fixed(v, (p as i64 - 1 - i64::from(x)).max(0) as usize)
    };
    if alt {
        s
    } else {
        strip_zeros(&s)
    }
}

fn float_text(v: f64, conv: u8, spec: &Spec) -> String {
    let prec = spec.prec.unwrap_or(6);
    let upper = conv.is_ascii_uppercase();
    if v.is_nan() {
        return if upper { "NAN" } else { "nan" }.into();
    }
    if v.is_infinite() {
        let s = if v < 0.0 { "-inf" } else { "inf" };
        return if upper { s.to_uppercase() } else { s.into() };
    }
    match conv {
        b'f' | b'F' => fixed(v, prec),
        b'e' | b'E' => exp_form(v, prec, upper),
        _ => general_form(v, prec, upper, spec.alt),
    }
}

fn pad(out: &mut Vec<u8>, body: &str, spec: &Spec, numeric: bool) {
    let len = body.chars().count();
    if len >= spec.width {
        out.extend_from_slice(body.as_bytes());
        return;
    }
    let fill = spec.width - len;
    if spec.left {
        out.extend_from_slice(body.as_bytes());
        out.extend(std::iter::repeat_n(b' ', fill));
    } else if spec.zero && numeric {
        let split = body
            .find(|c: char| c.is_ascii_alphanumeric())
            .unwrap_or(0)
            .min(body.len());
        let (sign, digits) = body.split_at(split);
        out.extend_from_slice(sign.as_bytes());
        out.extend(std::iter::repeat_n(b'0', fill));
        out.extend_from_slice(digits.as_bytes());
    } else {
        out.extend(std::iter::repeat_n(b' ', fill));
        out.extend_from_slice(body.as_bytes());
    }
}

fn signed(s: String, neg: bool, spec: &Spec) -> String {
    if neg {
        format!("-{s}")
    } else if spec.plus {
        format!("+{s}")
    } else if spec.space {
        format!(" {s}")
    } else {
        s
    }
}

/// Formats `args` by the template `fmt`; a width or precision over `budget` bytes is
/// refused (returned), before anything that large is allocated.
pub(crate) fn format(fmt: &[u8], args: &[ArgVal], budget: usize) -> Result<Vec<u8>, usize> {
    let mut out = Vec::new();
    let mut k = 0;
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&f) = fmt.get(i) {
            match f {
                b'-' => spec.left = true,
                b'0' => spec.zero = true,
                b'+' => spec.plus = true,
                b' ' => spec.space = true,
                b'#' => spec.alt = true,
                b'\'' => {}
                _ => break,
            }
            i += 1;
        }
        if fmt.get(i) == Some(&b'*') {
            i += 1;
            let w = to_int(arg_text(args, &mut k));
            spec.left |= w < 0;
            spec.width = w.unsigned_abs() as usize;
        } else {
            spec.width = digits(fmt, &mut i);
        }
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            if fmt.get(i) == Some(&b'*') {
                i += 1;
                let p = to_int(arg_text(args, &mut k));
                spec.prec = (p >= 0).then_some(p as usize);
            } else {
                spec.prec = Some(digits(fmt, &mut i));
            }
        }
        let field = spec.width.max(spec.prec.unwrap_or(0));
        if field > budget {
            return Err(field);
        }
        while fmt.get(i).is_some_and(|c| b"hlLqjzt".contains(c)) {
            i += 1;
        }
        let Some(&conv) = fmt.get(i) else {
            break;
        };
        i += 1;
        match conv {
            b'%' => out.push(b'%'),
            b'd' | b'i' => {
                let v = to_int(arg_text(args, &mut k));
                let mut digits = i64::from(v).unsigned_abs().to_string();
                if let Some(p) = spec.prec {
                    if p == 0 && v == 0 {
                        digits.clear();
                    }
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                    spec.zero = false;
                }
                let body = signed(digits, v < 0, &spec);
                pad(&mut out, &body, &spec, true);
            }
            b'o' | b'u' | b'x' | b'X' | b'c' => {
                let v = to_int(arg_text(args, &mut k)) as u32;
                if conv == b'c' {
                    out.push(v as u8);
                    continue;
                }
                let mut digits = match conv {
                    b'o' => format!("{v:o}"),
                    b'x' => format!("{v:x}"),
                    b'X' => format!("{v:X}"),
                    _ => v.to_string(),
                };
                if let Some(p) = spec.prec {
                    while digits.len() < p {
                        digits.insert(0, '0');
                    }
                    spec.zero = false;
                }
                if spec.alt && v != 0 {
                    match conv {
                        b'o' if !digits.starts_with('0') => digits.insert(0, '0'),
                        b'x' => digits.insert_str(0, "0x"),
                        b'X' => digits.insert_str(0, "0X"),
                        _ => {}
                    }
                }
                pad(&mut out, &digits, &spec, true);
            }
            b's' => {
                let t = arg_text(args, &mut k);
                let t = match spec.prec {
                    Some(p) => &t[..p.min(t.len())],
                    None => t,
                };
                pad(&mut out, &String::from_utf8_lossy(t), &spec, false);
            }
            b'f' | b'F' | b'e' | b'E' | b'g' | b'G' | b'a' | b'A' => {
                let v = to_float(arg_text(args, &mut k));
                let neg = v.is_sign_negative() && v != 0.0;
                let body = signed(float_text(v.abs(), conv, &spec), neg, &spec);
                pad(&mut out, &body, &spec, v.is_finite());
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A decimal number in the template, saturating (the budget check rejects it then).
fn digits(fmt: &[u8], i: &mut usize) -> usize {
    let mut n = 0usize;
    while let Some(d) = fmt.get(*i).filter(|d| d.is_ascii_digit()) {
        n = n.saturating_mul(10).saturating_add(usize::from(d - b'0'));
        *i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(fmt: &str, args: &[&str]) -> String {
        let args: Vec<ArgVal> = args
            .iter()
            .map(|a| ArgVal::Text(a.as_bytes().to_vec()))
            .collect();
        String::from_utf8(format(fmt.as_bytes(), &args, 1 << 20).unwrap()).unwrap()
    }

    #[test]
    fn integers_and_strings() {
        assert_eq!(f("%d|%5s|%-5s|", &["42", "ab", "cd"]), "42|   ab|cd   |");
        assert_eq!(
            f("%x|%o|%c|%%|%X", &["255", "8", "65", "255"]),
            "ff|10|A|%|FF"
        );
        assert_eq!(f("%5.3d|%05d|%+d", &["7", "-42", "3"]), "  007|-0042|+3");
    }

    #[test]
    fn floats_like_c() {
        assert_eq!(f("%.2f", &["3.14159"]), "3.14");
        assert_eq!(f("%e", &["1000"]), "1.000000e+03");
        assert_eq!(
            f("%g|%g|%g", &["0.0001", "1000000", "1e-5"]),
            "0.0001|1e+06|1e-05"
        );
    }

    #[test]
    fn long_precisions_are_exact_then_zeros() {
        let s = f("%.65536f", &["1"]);
        assert_eq!((s.len(), &s[..4]), (65538, "1.00"));
        assert!(s[2..].bytes().all(|b| b == b'0'));
        let e = f("%.2000e|%.65536g|%#.3000g", &["0.1", "1", "2"]);
        let (e, rest) = e.split_once('|').unwrap();
        assert!(e.starts_with("1.000000000000000055511151231257827") && e.ends_with("0e-01"));
        assert_eq!(e.len(), 2000 + 6);
        assert_eq!(rest.split_once('|').unwrap().0, "1");
        assert_eq!(rest.split_once('|').unwrap().1.len(), 3001);
    }

    #[test]
    fn fields_over_the_budget_are_refused() {
        let args = [ArgVal::Text(b"2147483647".to_vec())];
        assert_eq!(format(b"%.*f", &args, 1000), Err(2_147_483_647));
        assert_eq!(format(b"%99999999999d", &[], 1000), Err(99_999_999_999));
    }
}
