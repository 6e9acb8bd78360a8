//! The policy.conf lexer: checkpolicy 3.4's token rules, with byte spans.
//!
//! Keywords are reserved in exactly two spellings, all lower case or all upper case
//! (`class`, `CLASS`). Where two rules match the same text, checkpolicy's flex scanner takes
//! the longest match and then the rule listed first; the `priority` values below encode that
//! order (keywords, paths, quoted strings, identifiers, numbers, file-system names,
//! addresses, version strings). `#line N ["FILE"]` lines are returned as
//! [`Token::LineDirective`] so the caller can map lines back to their origin; other `#`
//! comments and white space are skipped.

use logos::Logos;

/// A token of policy.conf text; the payload is the matched text.
#[derive(Logos, Debug, Clone, Copy, PartialEq, Eq)]
#[logos(skip r"[ \t\f\r\n]+")]
#[logos(skip(r"#[^\n]*", priority = 1, allow_greedy = true))]
pub enum Token<'a> {
    /// The keyword `clone`.
    #[token("clone", priority = 100)]
    #[token("CLONE", priority = 100)]
    Clone,
    /// The keyword `common`.
    #[token("common", priority = 100)]
    #[token("COMMON", priority = 100)]
    Common,
    /// The keyword `class`.
    #[token("class", priority = 100)]
    #[token("CLASS", priority = 100)]
    Class,
    /// The keyword `constrain`.
    #[token("constrain", priority = 100)]
    #[token("CONSTRAIN", priority = 100)]
    Constrain,
    /// The keyword `validatetrans`.
    #[token("validatetrans", priority = 100)]
    #[token("VALIDATETRANS", priority = 100)]
    Validatetrans,
    /// The keyword `inherits`.
    #[token("inherits", priority = 100)]
    #[token("INHERITS", priority = 100)]
    Inherits,
    /// The keyword `sid`.
    #[token("sid", priority = 100)]
    #[token("SID", priority = 100)]
    Sid,
    /// The keyword `role`.
    #[token("role", priority = 100)]
    #[token("ROLE", priority = 100)]
    Role,
    /// The keyword `roles`.
    #[token("roles", priority = 100)]
    #[token("ROLES", priority = 100)]
    Roles,
    /// The keyword `roleattribute`.
    #[token("roleattribute", priority = 100)]
    #[token("ROLEATTRIBUTE", priority = 100)]
    Roleattribute,
    /// The keyword `attribute_role`.
    #[token("attribute_role", priority = 100)]
    #[token("ATTRIBUTE_ROLE", priority = 100)]
    AttributeRole,
    /// The keyword `types`.
    #[token("types", priority = 100)]
    #[token("TYPES", priority = 100)]
    Types,
    /// The keyword `typealias`.
    #[token("typealias", priority = 100)]
    #[token("TYPEALIAS", priority = 100)]
    Typealias,
    /// The keyword `typeattribute`.
    #[token("typeattribute", priority = 100)]
    #[token("TYPEATTRIBUTE", priority = 100)]
    Typeattribute,
    /// The keyword `typebounds`.
    #[token("typebounds", priority = 100)]
    #[token("TYPEBOUNDS", priority = 100)]
    Typebounds,
    /// The keyword `type`.
    #[token("type", priority = 100)]
    #[token("TYPE", priority = 100)]
    Type,
    /// The keyword `bool`.
    #[token("bool", priority = 100)]
    #[token("BOOL", priority = 100)]
    Bool,
    /// The keyword `tunable`.
    #[token("tunable", priority = 100)]
    #[token("TUNABLE", priority = 100)]
    Tunable,
    /// The keyword `if`.
    #[token("if", priority = 100)]
    #[token("IF", priority = 100)]
    If,
    /// The keyword `else`.
    #[token("else", priority = 100)]
    #[token("ELSE", priority = 100)]
    Else,
    /// The keyword `alias`.
    #[token("alias", priority = 100)]
    #[token("ALIAS", priority = 100)]
    Alias,
    /// The keyword `attribute`.
    #[token("attribute", priority = 100)]
    #[token("ATTRIBUTE", priority = 100)]
    Attribute,
    /// The keyword `expandattribute`.
    #[token("expandattribute", priority = 100)]
    #[token("EXPANDATTRIBUTE", priority = 100)]
    Expandattribute,
    /// The keyword `type_transition`.
    #[token("type_transition", priority = 100)]
    #[token("TYPE_TRANSITION", priority = 100)]
    TypeTransition,
    /// The keyword `type_member`.
    #[token("type_member", priority = 100)]
    #[token("TYPE_MEMBER", priority = 100)]
    TypeMember,
    /// The keyword `type_change`.
    #[token("type_change", priority = 100)]
    #[token("TYPE_CHANGE", priority = 100)]
    TypeChange,
    /// The keyword `role_transition`.
    #[token("role_transition", priority = 100)]
    #[token("ROLE_TRANSITION", priority = 100)]
    RoleTransition,
    /// The keyword `range_transition`.
    #[token("range_transition", priority = 100)]
    #[token("RANGE_TRANSITION", priority = 100)]
    RangeTransition,
    /// The keyword `sensitivity`.
    #[token("sensitivity", priority = 100)]
    #[token("SENSITIVITY", priority = 100)]
    Sensitivity,
    /// The keyword `dominance`.
    #[token("dominance", priority = 100)]
    #[token("DOMINANCE", priority = 100)]
    Dominance,
    /// The keyword `category`.
    #[token("category", priority = 100)]
    #[token("CATEGORY", priority = 100)]
    Category,
    /// The keyword `level`.
    #[token("level", priority = 100)]
    #[token("LEVEL", priority = 100)]
    Level,
    /// The keyword `range`.
    #[token("range", priority = 100)]
    #[token("RANGE", priority = 100)]
    Range,
    /// The keyword `mlsconstrain`.
    #[token("mlsconstrain", priority = 100)]
    #[token("MLSCONSTRAIN", priority = 100)]
    Mlsconstrain,
    /// The keyword `mlsvalidatetrans`.
    #[token("mlsvalidatetrans", priority = 100)]
    #[token("MLSVALIDATETRANS", priority = 100)]
    Mlsvalidatetrans,
    /// The keyword `user`.
    #[token("user", priority = 100)]
    #[token("USER", priority = 100)]
    User,
    /// The keyword `neverallow`.
    #[token("neverallow", priority = 100)]
    #[token("NEVERALLOW", priority = 100)]
    Neverallow,
    /// The keyword `allow`.
    #[token("allow", priority = 100)]
    #[token("ALLOW", priority = 100)]
    Allow,
    /// The keyword `auditallow`.
    #[token("auditallow", priority = 100)]
    #[token("AUDITALLOW", priority = 100)]
    Auditallow,
    /// The keyword `auditdeny`.
    #[token("auditdeny", priority = 100)]
    #[token("AUDITDENY", priority = 100)]
    Auditdeny,
    /// The keyword `dontaudit`.
    #[token("dontaudit", priority = 100)]
    #[token("DONTAUDIT", priority = 100)]
    Dontaudit,
    /// The keyword `allowxperm`.
    #[token("allowxperm", priority = 100)]
    #[token("ALLOWXPERM", priority = 100)]
    Allowxperm,
    /// The keyword `auditallowxperm`.
    #[token("auditallowxperm", priority = 100)]
    #[token("AUDITALLOWXPERM", priority = 100)]
    Auditallowxperm,
    /// The keyword `dontauditxperm`.
    #[token("dontauditxperm", priority = 100)]
    #[token("DONTAUDITXPERM", priority = 100)]
    Dontauditxperm,
    /// The keyword `neverallowxperm`.
    #[token("neverallowxperm", priority = 100)]
    #[token("NEVERALLOWXPERM", priority = 100)]
    Neverallowxperm,
    /// The keyword `source`.
    #[token("source", priority = 100)]
    #[token("SOURCE", priority = 100)]
    Source,
    /// The keyword `target`.
    #[token("target", priority = 100)]
    #[token("TARGET", priority = 100)]
    Target,
    /// The keyword `sameuser`.
    #[token("sameuser", priority = 100)]
    #[token("SAMEUSER", priority = 100)]
    Sameuser,
    /// The keyword `module`.
    #[token("module", priority = 100)]
    #[token("MODULE", priority = 100)]
    Module,
    /// The keyword `require`.
    #[token("require", priority = 100)]
    #[token("REQUIRE", priority = 100)]
    Require,
    /// The keyword `optional`.
    #[token("optional", priority = 100)]
    #[token("OPTIONAL", priority = 100)]
    Optional,
    /// The keyword `or`.
    #[token("or", priority = 100)]
    #[token("OR", priority = 100)]
    Or,
    /// The keyword `and`.
    #[token("and", priority = 100)]
    #[token("AND", priority = 100)]
    And,
    /// The keyword `not`.
    #[token("not", priority = 100)]
    #[token("NOT", priority = 100)]
    Not,
    /// The keyword `xor`.
    #[token("xor", priority = 100)]
    #[token("XOR", priority = 100)]
    Xor,
    /// The keyword `eq`.
    #[token("eq", priority = 100)]
    #[token("EQ", priority = 100)]
    Equals,
    /// The keyword `true`.
    #[token("true", priority = 100)]
    #[token("TRUE", priority = 100)]
    True,
    /// The keyword `false`.
    #[token("false", priority = 100)]
    #[token("FALSE", priority = 100)]
    False,
    /// The keyword `dom`.
    #[token("dom", priority = 100)]
    #[token("DOM", priority = 100)]
    Dom,
    /// The keyword `domby`.
    #[token("domby", priority = 100)]
    #[token("DOMBY", priority = 100)]
    Domby,
    /// The keyword `incomp`.
    #[token("incomp", priority = 100)]
    #[token("INCOMP", priority = 100)]
    Incomp,
    /// The keyword `fscon`.
    #[token("fscon", priority = 100)]
    #[token("FSCON", priority = 100)]
    Fscon,
    /// The keyword `ibpkeycon`.
    #[token("ibpkeycon", priority = 100)]
    #[token("IBPKEYCON", priority = 100)]
    Ibpkeycon,
    /// The keyword `ibendportcon`.
    #[token("ibendportcon", priority = 100)]
    #[token("IBENDPORTCON", priority = 100)]
    Ibendportcon,
    /// The keyword `portcon`.
    #[token("portcon", priority = 100)]
    #[token("PORTCON", priority = 100)]
    Portcon,
    /// The keyword `netifcon`.
    #[token("netifcon", priority = 100)]
    #[token("NETIFCON", priority = 100)]
    Netifcon,
    /// The keyword `nodecon`.
    #[token("nodecon", priority = 100)]
    #[token("NODECON", priority = 100)]
    Nodecon,
    /// The keyword `pirqcon`.
    #[token("pirqcon", priority = 100)]
    #[token("PIRQCON", priority = 100)]
    Pirqcon,
    /// The keyword `iomemcon`.
    #[token("iomemcon", priority = 100)]
    #[token("IOMEMCON", priority = 100)]
    Iomemcon,
    /// The keyword `ioportcon`.
    #[token("ioportcon", priority = 100)]
    #[token("IOPORTCON", priority = 100)]
    Ioportcon,
    /// The keyword `pcidevicecon`.
    #[token("pcidevicecon", priority = 100)]
    #[token("PCIDEVICECON", priority = 100)]
    Pcidevicecon,
    /// The keyword `devicetreecon`.
    #[token("devicetreecon", priority = 100)]
    #[token("DEVICETREECON", priority = 100)]
    Devicetreecon,
    /// The keyword `fs_use_xattr`.
    #[token("fs_use_xattr", priority = 100)]
    #[token("FS_USE_XATTR", priority = 100)]
    FsUseXattr,
    /// The keyword `fs_use_task`.
    #[token("fs_use_task", priority = 100)]
    #[token("FS_USE_TASK", priority = 100)]
    FsUseTask,
    /// The keyword `fs_use_trans`.
    #[token("fs_use_trans", priority = 100)]
    #[token("FS_USE_TRANS", priority = 100)]
    FsUseTrans,
    /// The keyword `genfscon`.
    #[token("genfscon", priority = 100)]
    #[token("GENFSCON", priority = 100)]
    Genfscon,
    /// The keyword `r1`.
    #[token("r1", priority = 100)]
    #[token("R1", priority = 100)]
    R1,
    /// The keyword `r2`.
    #[token("r2", priority = 100)]
    #[token("R2", priority = 100)]
    R2,
    /// The keyword `r3`.
    #[token("r3", priority = 100)]
    #[token("R3", priority = 100)]
    R3,
    /// The keyword `u1`.
    #[token("u1", priority = 100)]
    #[token("U1", priority = 100)]
    U1,
    /// The keyword `u2`.
    #[token("u2", priority = 100)]
    #[token("U2", priority = 100)]
    U2,
    /// The keyword `u3`.
    #[token("u3", priority = 100)]
    #[token("U3", priority = 100)]
    U3,
    /// The keyword `t1`.
    #[token("t1", priority = 100)]
    #[token("T1", priority = 100)]
    T1,
    /// The keyword `t2`.
    #[token("t2", priority = 100)]
    #[token("T2", priority = 100)]
    T2,
    /// The keyword `t3`.
    #[token("t3", priority = 100)]
    #[token("T3", priority = 100)]
    T3,
    /// The keyword `l1`.
    #[token("l1", priority = 100)]
    #[token("L1", priority = 100)]
    L1,
    /// The keyword `l2`.
    #[token("l2", priority = 100)]
    #[token("L2", priority = 100)]
    L2,
    /// The keyword `h1`.
    #[token("h1", priority = 100)]
    #[token("H1", priority = 100)]
    H1,
    /// The keyword `h2`.
    #[token("h2", priority = 100)]
    #[token("H2", priority = 100)]
    H2,
    /// The keyword `policycap`.
    #[token("policycap", priority = 100)]
    #[token("POLICYCAP", priority = 100)]
    Policycap,
    /// The keyword `permissive`.
    #[token("permissive", priority = 100)]
    #[token("PERMISSIVE", priority = 100)]
    Permissive,
    /// The keyword `default_user`.
    #[token("default_user", priority = 100)]
    #[token("DEFAULT_USER", priority = 100)]
    DefaultUser,
    /// The keyword `default_role`.
    #[token("default_role", priority = 100)]
    #[token("DEFAULT_ROLE", priority = 100)]
    DefaultRole,
    /// The keyword `default_type`.
    #[token("default_type", priority = 100)]
    #[token("DEFAULT_TYPE", priority = 100)]
    DefaultType,
    /// The keyword `default_range`.
    #[token("default_range", priority = 100)]
    #[token("DEFAULT_RANGE", priority = 100)]
    DefaultRange,
    /// The keyword `low-high`.
    #[token("low-high", priority = 100)]
    #[token("LOW-HIGH", priority = 100)]
    LowHigh,
    /// The keyword `high`.
    #[token("high", priority = 100)]
    #[token("HIGH", priority = 100)]
    High,
    /// The keyword `low`.
    #[token("low", priority = 100)]
    #[token("LOW", priority = 100)]
    Low,
    /// The keyword `glblub`.
    #[token("glblub", priority = 100)]
    #[token("GLBLUB", priority = 100)]
    Glblub,
    /// An identifier: a letter, then letters, digits, `_` and `-`, with single dots inside.
    #[regex(r"[A-Za-z][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*", |lex| lex.slice(), priority = 60)]
    Identifier(&'a str),
    /// A decimal or `0x` hexadecimal number.
    #[regex(r"[0-9]+|0x[0-9A-Fa-f]+", |lex| lex.slice(), priority = 55)]
    Number(&'a str),
    /// A word of letters and digits that starts with a digit (`9p`), as file-system names are.
    #[regex(r"[a-zA-Z0-9]*[a-zA-Z][a-zA-Z0-9]*", |lex| lex.slice(), priority = 50)]
    Filesystem(&'a str),
    /// An IPv4 address.
    #[regex(r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}", |lex| lex.slice(), priority = 45)]
    Ipv4(&'a str),
    /// An IPv6 address (checkpolicy's loose pattern).
    #[regex(r"[0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:.]*", |lex| lex.slice(), priority = 40)]
    Ipv6(&'a str),
    /// A version string (`1.0`), as module statements use.
    #[regex(r"[0-9]+\.[A-Za-z0-9_.]*", |lex| lex.slice(), priority = 35)]
    Version(&'a str),
    /// An unquoted path: `/` and everything up to white space. No token holds a NUL byte:
    /// names end up as C strings in the kernel, where a NUL would cut them short.
    #[regex(r"/[^ \n\r\t\f\x00]*", |lex| lex.slice(), priority = 90)]
    Path(&'a str),
    /// A quoted path: `"/..."`.
    #[regex(r#""/[^"\n\x00]*""#, |lex| lex.slice(), priority = 85)]
    QuotedPath(&'a str),
    /// A quoted name without slashes (`"FILENAME"`).
    #[regex(r#""[^"/\n\x00]+""#, |lex| lex.slice(), priority = 80)]
    Filename(&'a str),
    /// A `#line N` or `#line N "FILE"` directive (as `m4 -s` writes).
    #[regex(r#"#line [0-9]+( "[^"\n]*")?"#, |lex| lex.slice(), priority = 20)]
    LineDirective(&'a str),

    /// `==`
    #[token("==")]
    EqEq,
    /// `!=`
    #[token("!=")]
    NotEq,
    /// `&&`
    #[token("&&")]
    AndAnd,
    /// `||`
    #[token("||")]
    OrOr,
    /// `!`
    #[token("!")]
    Bang,
    /// `^`
    #[token("^")]
    Caret,
    /// `,`
    #[token(",")]
    Comma,
    /// `:`
    #[token(":")]
    Colon,
    /// `;`
    #[token(";")]
    Semi,
    /// `(`
    #[token("(")]
    LParen,
    /// `)`
    #[token(")")]
    RParen,
    /// `{`
    #[token("{")]
    LBrace,
    /// `}`
    #[token("}")]
    RBrace,
    /// `[`
    #[token("[")]
    LBracket,
    /// `]`
    #[token("]")]
    RBracket,
    /// `-`
    #[token("-")]
    Minus,
    /// `.`
    #[token(".")]
    Dot,
    /// `~`
    #[token("~")]
    Tilde,
    /// `*`
    #[token("*")]
    Star,
}

impl<'a> Token<'a> {
    /// How the token is named in "expected ..." notes and messages.
    pub fn describe(&self) -> String {
        match self {
            Token::Identifier(s) => format!("identifier `{s}`"),
            Token::Number(s) => format!("number `{s}`"),
            Token::Filesystem(s) => format!("name `{s}`"),
            Token::Ipv4(s) | Token::Ipv6(s) => format!("address `{s}`"),
            Token::Version(s) => format!("version `{s}`"),
            Token::Path(s) | Token::QuotedPath(s) => format!("path `{s}`"),
            Token::Filename(s) => format!("string {s}"),
            Token::LineDirective(s) => format!("directive `{s}`"),
            t => format!("`{}`", t.text()),
        }
    }

    /// The fixed text of a keyword or punctuation token, or the matched text of the others.
    pub fn text(&self) -> &'a str {
        match *self {
            Token::Identifier(s)
            | Token::Number(s)
            | Token::Filesystem(s)
            | Token::Ipv4(s)
            | Token::Ipv6(s)
            | Token::Version(s)
            | Token::Path(s)
            | Token::QuotedPath(s)
            | Token::Filename(s)
            | Token::LineDirective(s) => s,
            Token::EqEq => "==",
            Token::NotEq => "!=",
            Token::AndAnd => "&&",
            Token::OrOr => "||",
            Token::Bang => "!",
            Token::Caret => "^",
            Token::Comma => ",",
            Token::Colon => ":",
            Token::Semi => ";",
            Token::LParen => "(",
            Token::RParen => ")",
            Token::LBrace => "{",
            Token::RBrace => "}",
            Token::LBracket => "[",
            Token::RBracket => "]",
            Token::Minus => "-",
            Token::Dot => ".",
            Token::Tilde => "~",
            Token::Star => "*",
            Token::Clone => "clone",
            Token::Common => "common",
            Token::Class => "class",
            Token::Constrain => "constrain",
            Token::Validatetrans => "validatetrans",
            Token::Inherits => "inherits",
            Token::Sid => "sid",
            Token::Role => "role",
            Token::Roles => "roles",
            Token::Roleattribute => "roleattribute",
            Token::AttributeRole => "attribute_role",
            Token::Types => "types",
            Token::Typealias => "typealias",
            Token::Typeattribute => "typeattribute",
            Token::Typebounds => "typebounds",
            Token::Type => "type",
            Token::Bool => "bool",
            Token::Tunable => "tunable",
            Token::If => "if",
            Token::Else => "else",
            Token::Alias => "alias",
            Token::Attribute => "attribute",
            Token::Expandattribute => "expandattribute",
            Token::TypeTransition => "type_transition",
            Token::TypeMember => "type_member",
            Token::TypeChange => "type_change",
            Token::RoleTransition => "role_transition",
            Token::RangeTransition => "range_transition",
            Token::Sensitivity => "sensitivity",
            Token::Dominance => "dominance",
            Token::Category => "category",
            Token::Level => "level",
            Token::Range => "range",
            Token::Mlsconstrain => "mlsconstrain",
            Token::Mlsvalidatetrans => "mlsvalidatetrans",
            Token::User => "user",
            Token::Neverallow => "neverallow",
            Token::Allow => "allow",
            Token::Auditallow => "auditallow",
            Token::Auditdeny => "auditdeny",
            Token::Dontaudit => "dontaudit",
            Token::Allowxperm => "allowxperm",
            Token::Auditallowxperm => "auditallowxperm",
            Token::Dontauditxperm => "dontauditxperm",
            Token::Neverallowxperm => "neverallowxperm",
            Token::Source => "source",
            Token::Target => "target",
            Token::Sameuser => "sameuser",
            Token::Module => "module",
            Token::Require => "require",
            Token::Optional => "optional",
            Token::Or => "or",
            Token::And => "and",
            Token::Not => "not",
            Token::Xor => "xor",
            Token::Equals => "eq",
            Token::True => "true",
            Token::False => "false",
            Token::Dom => "dom",
            Token::Domby => "domby",
            Token::Incomp => "incomp",
            Token::Fscon => "fscon",
            Token::Ibpkeycon => "ibpkeycon",
            Token::Ibendportcon => "ibendportcon",
            Token::Portcon => "portcon",
            Token::Netifcon => "netifcon",
            Token::Nodecon => "nodecon",
            Token::Pirqcon => "pirqcon",
            Token::Iomemcon => "iomemcon",
            Token::Ioportcon => "ioportcon",
            Token::Pcidevicecon => "pcidevicecon",
            Token::Devicetreecon => "devicetreecon",
            Token::FsUseXattr => "fs_use_xattr",
            Token::FsUseTask => "fs_use_task",
            Token::FsUseTrans => "fs_use_trans",
            Token::Genfscon => "genfscon",
            Token::R1 => "r1",
            Token::R2 => "r2",
            Token::R3 => "r3",
            Token::U1 => "u1",
            Token::U2 => "u2",
            Token::U3 => "u3",
            Token::T1 => "t1",
            Token::T2 => "t2",
            Token::T3 => "t3",
            Token::L1 => "l1",
            Token::L2 => "l2",
            Token::H1 => "h1",
            Token::H2 => "h2",
            Token::Policycap => "policycap",
            Token::Permissive => "permissive",
            Token::DefaultUser => "default_user",
            Token::DefaultRole => "default_role",
            Token::DefaultType => "default_type",
            Token::DefaultRange => "default_range",
            Token::LowHigh => "low-high",
            Token::High => "high",
            Token::Low => "low",
            Token::Glblub => "glblub",
        }
    }
}

/// Parses the payload of a `#line` token into its line number and optional file name.
pub fn parse_line_directive(text: &str) -> Option<(u32, Option<&str>)> {
    let rest = text.strip_prefix("#line ")?;
    let (num, file) = match rest.split_once(' ') {
        Some((n, f)) => (n, Some(f.trim_matches('"'))),
        None => (rest, None),
    };
    Some((num.parse().ok()?, file))
}

/// A character no token starts with, at a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LexError {
    /// Where the bad text is.
    pub span: crate::source::Span,
}

/// Tokens with their byte ranges, as lalrpop wants them; `#line` directives included.
pub fn tokens(text: &str) -> impl Iterator<Item = Result<(usize, Token<'_>, usize), LexError>> {
    Token::lexer(text).spanned().map(|(tok, range)| match tok {
        Ok(t) => Ok((range.start, t, range.end)),
        Err(()) => Err(LexError {
            span: crate::source::Span::new(range.start, range.end),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Vec<Token<'_>> {
        tokens(s).map(|t| t.expect("lexes").1).collect()
    }

    #[test]
    fn keywords_take_two_spellings_only() {
        assert_eq!(
            lex("class CLASS Class"),
            vec![Token::Class, Token::Class, Token::Identifier("Class")]
        );
        assert_eq!(
            lex("low-high lowx"),
            vec![Token::LowHigh, Token::Identifier("lowx")]
        );
    }

    #[test]
    fn identifiers_keep_dashes_and_inner_dots() {
        assert_eq!(lex("c0.c255"), vec![Token::Identifier("c0.c255")]);
        assert_eq!(lex("a-b"), vec![Token::Identifier("a-b")]);
        assert_eq!(
            lex("{ a -b }"),
            vec![
                Token::LBrace,
                Token::Identifier("a"),
                Token::Minus,
                Token::Identifier("b"),
                Token::RBrace
            ]
        );
        assert_eq!(
            lex("x.;"),
            vec![Token::Identifier("x"), Token::Dot, Token::Semi]
        );
    }

    #[test]
    fn numbers_addresses_and_paths() {
        assert_eq!(
            lex("0x1f 42"),
            vec![Token::Number("0x1f"), Token::Number("42")]
        );
        assert_eq!(lex("9p"), vec![Token::Filesystem("9p")]);
        assert_eq!(lex("127.0.0.1"), vec![Token::Ipv4("127.0.0.1")]);
        assert_eq!(lex("fe80::"), vec![Token::Ipv6("fe80::")]);
        assert_eq!(
            lex("::ffff:127.0.0.1"),
            vec![Token::Ipv6("::ffff:127.0.0.1")]
        );
        assert_eq!(lex("1.0"), vec![Token::Version("1.0")]);
        assert_eq!(lex("/dev/null;"), vec![Token::Path("/dev/null;")]);
        assert_eq!(
            lex("\"/a/b\" \"name\""),
            vec![Token::QuotedPath("\"/a/b\""), Token::Filename("\"name\"")]
        );
    }

    #[test]
    fn comments_and_line_directives() {
        assert_eq!(
            lex("#line 12 \"x.te\"\n# comment\nallow #line 3\n"),
            vec![
                Token::LineDirective("#line 12 \"x.te\""),
                Token::Allow,
                Token::LineDirective("#line 3")
            ]
        );
        assert_eq!(
            parse_line_directive("#line 12 \"x.te\""),
            Some((12, Some("x.te")))
        );
        assert_eq!(parse_line_directive("#line 3"), Some((3, None)));
    }

    #[test]
    fn no_token_holds_a_nul_byte() {
        for text in ["\"/a\0b\"", "\"a\0b\"", "/a\0b"] {
            assert!(tokens(text).any(|t| t.is_err()), "{text:?}");
        }
    }

    #[test]
    fn unknown_characters_are_errors() {
        assert!(tokens("allow $").any(|t| t.is_err()));
    }
}
