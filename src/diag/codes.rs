//! The registry of diagnostic codes: every code a [`super::Diagnostic`] (or a guest-label
//! check) can carry, with a one-line summary and a longer explanation.
//!
//! `flaskc explain-code CODE` prints an entry, `docs/diagnostics.md` is [`markdown`]'s
//! output (a test regenerates and compares it), and a test checks that every code written
//! in `src/` is here and that each entry's reproducer has a snapshot showing the code.

use std::fmt::Write as _;

/// The stage that reports a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Area {
    /// The built-in m4 (`flaskc m4`, and the expansion step of `build`/`check`).
    M4,
    /// Reading a policy tree: `modules.conf`, the module files, `-D` definitions.
    Tree,
    /// Macro calls seen from the compiled text (after expansion).
    Macro,
    /// The policy language's grammar.
    Syntax,
    /// Names, declarations and rules.
    Semantics,
    /// What a policy version or Xen's loader can take.
    Output,
    /// Security labels in xl guest configurations (`flaskc check-guest`).
    Guest,
    /// The isolation goals of a tree's `flaskc.toml`.
    Isolation,
}

impl Area {
    /// The heading of the area in `docs/diagnostics.md`.
    pub fn title(self) -> &'static str {
        match self {
            Area::M4 => "Macro expansion (m4)",
            Area::Tree => "Policy trees",
            Area::Macro => "Macro calls",
            Area::Syntax => "Syntax",
            Area::Semantics => "Declarations and rules",
            Area::Output => "Policy versions and Xen's loader",
            Area::Guest => "Guest configurations",
            Area::Isolation => "Isolation goals",
        }
    }
}

/// Where a code is shown by a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reproducer {
    /// A test input (path from the repository root) whose snapshot shows the code.
    Test(&'static str),
    /// Why no test input shows the code.
    None(&'static str),
}

/// One diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    /// The code as diagnostics carry it (`undefined-type`).
    pub name: &'static str,
    /// Which stage reports it.
    pub area: Area,
    /// What it means, in one line.
    pub summary: &'static str,
    /// Why it is reported and what to do about it.
    pub explanation: &'static str,
    /// The test that shows it.
    pub reproducer: Reproducer,
}

const fn code(
    name: &'static str,
    area: Area,
    summary: &'static str,
    explanation: &'static str,
    reproducer: Reproducer,
) -> Code {
    Code {
        name,
        area,
        summary,
        explanation,
        reproducer,
    }
}

use Area::*;
use Reproducer::{None as Untested, Test};

/// Every code, grouped by area, sorted by name within an area.
pub const CODES: &[Code] = &[
    // --- m4 ---
    code(
        "m4-argument-count",
        M4,
        "a builtin macro was called with too few or too many arguments",
        "GNU m4 warns when a builtin such as `ifdef` or `define` gets fewer arguments than it \
         needs (the call then expands to nothing) or more than it takes (the extra ones are \
         ignored). Check the commas and quotes of the call.",
        Test("tests/diagnostics/m4-argument-count.case"),
    ),
    code(
        "m4-bad-number",
        M4,
        "a builtin expected a number and got other text",
        "`incr`, `decr`, `eval`'s radix and width, `substr` and friends take numbers; GNU m4 \
         warns about text that is not one (or an empty string, read as 0) and goes on.",
        Test("tests/diagnostics/m4-bad-number.case"),
    ),
    code(
        "m4-error",
        M4,
        "an m4 error with no more specific code",
        "Errors of the expander that have no code of their own (an unsupported builtin such \
         as `maketemp`, a shell command while shell commands are disabled). The run goes on \
         and its exit status is 1.",
        Test("tests/diagnostics/m4-error.case"),
    ),
    code(
        "m4-eval",
        M4,
        "an `eval` expression is invalid",
        "`eval` found a syntax error, a division by zero or a bad operator in its expression.",
        Test("tests/diagnostics/m4-eval.case"),
    ),
    code(
        "m4-failed",
        M4,
        "the macro expansion failed without saying why",
        "The expander ended with a non-zero status but reported no error. Every failure of \
         the built-in m4 has a message of its own, so this is a safeguard against a bug of \
         flaskc's. The policy is not compiled.",
        Untested(
            "a safeguard: every non-zero status of the built-in m4 in a build comes with an \
             error of its own (`m4exit` has its code), so no input reaches it",
        ),
    ),
    code(
        "m4-limit",
        M4,
        "the macro expansion reached one of flaskc's limits",
        "Macro calls nested too deeply, an expansion that calls itself without end, or more \
         output or memory than the limits allow. GNU m4 would run out of stack or memory; \
         flaskc stops with the chain of calls that led there.",
        Test("tests/diagnostics/m4-limit.case"),
    ),
    code(
        "m4-missing-file",
        M4,
        "`include` names a file that cannot be read",
        "`include(FILE)` could not open the file (`sinclude` stays silent). Paths are \
         relative to the policy tree.",
        Test("tests/diagnostics/m4-missing-file.case"),
    ),
    code(
        "m4-quote-in-comment",
        M4,
        "a quote character inside a `#` comment in quoted text ends or opens a quote",
        "Inside an m4 quote (`` `...' ``, such as the second argument of `with_module` or an \
         interface body) a `#` comment is not a comment to m4: an apostrophe in it (`the \
         guest's channel`) closes the quote there, and the text after it is expanded and \
         compiled in the wrong place. Reword the comment, or write it with `dnl` outside the \
         quotes. A `changequote` or `changecom` written in the same file is followed (the \
         check reads each file from m4's default quotes and comments; a change made by \
         another file or inside a macro is not seen).",
        Test("tests/diagnostics/apostrophe-in-comment.case"),
    ),
    code(
        "m4-regex",
        M4,
        "a regular expression given to `regexp` or `patsubst` is invalid",
        "GNU m4 reports a bad regular expression or replacement and the call expands to \
         nothing; flaskc also stops a match that takes too many steps.",
        Test("tests/diagnostics/m4-regex.case"),
    ),
    code(
        "m4-undefined-macro",
        M4,
        "`defn`, `indir`, `undefine` or `builtin` names a macro that does not exist",
        "These builtins take a macro's name and warn when nothing of that name is defined.",
        Test("tests/diagnostics/m4-undefined-macro.case"),
    ),
    code(
        "m4-unterminated-call",
        M4,
        "the input ended inside a macro call's argument list",
        "A macro call opened with `(` was never closed. The location is where the call \
         started: look for a missing `)` or an unbalanced quote inside the arguments.",
        Test("tests/diagnostics/m4-unbalanced-paren.case"),
    ),
    code(
        "m4-unterminated-comment",
        M4,
        "the input ended inside an m4 comment",
        "Only possible with `changecom` setting a comment end other than a newline: the \
         comment opened at the location is never closed, and everything after it is left \
         out of the policy.",
        Test("tests/diagnostics/m4-unterminated-comment.case"),
    ),
    code(
        "m4-unterminated-string",
        M4,
        "a quote opened with `` ` `` is never closed with `'`",
        "m4 reads everything after the opening quote as one string up to the end of input. \
         The location is the quote that was left open.",
        Test("tests/diagnostics/m4-unbalanced-quote.case"),
    ),
    code(
        "m4-warning",
        M4,
        "an m4 warning with no more specific code",
        "Warnings of the expander that have no code of their own (an invalid macro name given \
         to `define`, `m4exit` with a status out of range, `undivert` of a missing file).",
        Test("tests/diagnostics/m4-warning.case"),
    ),
    code(
        "m4exit",
        M4,
        "`m4exit` stopped the macro expansion",
        "GNU m4 stops silently at `m4exit`; a build must not compile what came before as if it \
         were the whole policy, so flaskc reports where it stopped and compiles nothing.",
        Test("tests/diagnostics/m4exit.case"),
    ),
    // --- tree ---
    code(
        "config",
        Tree,
        "the tree's `flaskc.toml` is invalid",
        "`flaskc.toml` at the top of a policy tree sets where the hypervisor's class \
         definitions are (`hypervisor_policy`), where the binary goes (`output`) and the \
         isolation goals (`[[isolation]]`); a file that does not parse, a key flaskc does \
         not know or a value of the wrong kind is refused at the line that shows it, and \
         nothing is compiled.",
        Test("tests/diagnostics/config.case"),
    ),
    code(
        "missing-file",
        Tree,
        "a file the policy tree needs does not exist",
        "Xen's Makefiles read a fixed list of files (security classes, access vectors, the \
         support macros, users, initial SIDs ...) and one `.te` file for each module switched \
         on in `modules.conf`. The error names the file, and the `modules.conf` line when a \
         module asked for it, with the closest module file that does exist.",
        Test("tests/diagnostics/missing-module-file.case"),
    ),
    code(
        "module-not-listed",
        Tree,
        "a `.te` file in `modules/` is not named in `modules.conf`",
        "A module is only compiled when `modules.conf` switches it on; a file that is not \
         listed at all is ignored, which is usually a forgotten line. Add `NAME = on` (or \
         `NAME = off` to say it is left out on purpose).",
        Test("tests/diagnostics/module-not-listed.case"),
    ),
    code(
        "modules-conf-syntax",
        Tree,
        "a line of `modules.conf` is not `NAME = on` or `NAME = off`",
        "Xen's Makefile only reads lines of the form `NAME = on`; any other line (`web = yes`, \
         `web on`) is silently left out, so the module is off. Write `on` or `off`, or make \
         the line a `#` comment.",
        Test("tests/diagnostics/modules-conf-yes.case"),
    ),
    code(
        "unused-define",
        Tree,
        "a `-D NAME=VALUE` names a macro that no file of the tree mentions",
        "Definitions on the command line (`flaskc build -D`) only matter when a policy file \
         tests or uses the name; one that no file mentions is most likely misspelled. The \
         note names the closest macro the tree does use.",
        Test("tests/diagnostics/unused-define.case"),
    ),
    // --- macro calls ---
    code(
        "macro-argument-count",
        Macro,
        "an interface or macro was called with fewer arguments than its body uses",
        "The macro's body refers to `$N` but the call passed fewer than N arguments, so the \
         missing ones expanded to nothing and the rules it wrote are broken. The error is at \
         the call, with the definition; the errors inside the macro body that follow from it \
         are not repeated.",
        Test("tests/diagnostics/interface-too-few-arguments.case"),
    ),
    code(
        "undefined-macro",
        Macro,
        "a name is called like an interface (`name(...)`) but no macro of that name exists",
        "m4 leaves an undefined name as it is, so the call reaches the compiler as text. The \
         error is at the call, with the closest defined interface or macro when one is close.",
        Test("tests/diagnostics/undefined-interface.case"),
    ),
    // --- syntax ---
    code(
        "bad-address",
        Syntax,
        "an IP address or netmask is not valid",
        "`nodecon` and similar statements take IPv4 or IPv6 addresses written in full.",
        Test("tests/ui/codes/bad-address.conf"),
    ),
    code(
        "bad-number",
        Syntax,
        "a number is malformed or too large",
        "Numbers in policy.conf are decimal or `0x` hexadecimal and must fit their field \
         (ports in 16 bits, I/O memory in 64).",
        Test("tests/ui/codes/bad-number.conf"),
    ),
    code(
        "nesting-too-deep",
        Syntax,
        "blocks or expressions are nested deeper than flaskc's limit",
        "To stay within bounded memory and stack, flaskc refuses conditional blocks and \
         expressions nested past a fixed depth; real policies stay far below it.",
        Test("tests/ui/syntax/deep-nesting.conf"),
    ),
    code(
        "syntax-error",
        Syntax,
        "the text does not follow the policy language's grammar",
        "The parser found a token it did not expect; the notes say what it expected. When the \
         text came from a macro, the label points at the original file and the notes name \
         each expansion.",
        Test("tests/ui/syntax/unexpected-token.conf"),
    ),
    code(
        "unrecognized-character",
        Syntax,
        "a character that starts no token of the policy language",
        "Often an m4 quote (`` ` `` or `'`) that m4 left in the text because quotes were \
         unbalanced.",
        Test("tests/ui/syntax/unrecognized-character.conf"),
    ),
    // --- semantics ---
    code(
        "alias-of-attribute",
        Semantics,
        "an alias is given to an attribute",
        "Only types may have aliases.",
        Test("tests/ui/codes/alias-of-attribute.conf"),
    ),
    code(
        "attribute-in-attribute",
        Semantics,
        "an attribute is made a member of another attribute",
        "checkpolicy 3.4 does not let a `typeattribute` statement put an attribute inside \
         another attribute.",
        Test("tests/ui/codes/attribute-in-attribute.conf"),
    ),
    code(
        "attribute-not-allowed",
        Semantics,
        "an attribute is used where only a type may be",
        "Type transitions' results, `typebounds`, `permissive` and contexts name one type, \
         not an attribute.",
        Test("tests/ui/codes/attribute-not-allowed.conf"),
    ),
    code(
        "bad-category-range",
        Semantics,
        "a category range runs backwards",
        "`cA.cB` needs category A to come before category B.",
        Test("tests/ui/codes/bad-category-range.conf"),
    ),
    code(
        "bad-constraint",
        Semantics,
        "a constraint expression compares things that cannot be compared",
        "Constraints compare users, roles, types or levels of the source and target (`u1 == \
         u2`, `t1 == name`); some pairings, such as levels in a non-MLS constraint, are refused.",
        Test("tests/ui/codes/bad-constraint.conf"),
    ),
    code(
        "bad-default",
        Semantics,
        "a `default_*` statement asks for something that does not exist",
        "`default_user`, `default_role`, `default_type` and `default_range` take `source` or \
         `target` (and a range part for `default_range`).",
        Untested(
            "the grammar already takes only `source`/`target` for `default_user`, \
             `default_role` and `default_type` and only range values for `default_range` \
             (a syntax error names them), so no text reaches this check",
        ),
    ),
    code(
        "bad-file-type",
        Semantics,
        "a file type in a context statement is not one checkpolicy knows",
        "`genfscon` takes `-b -c -d -p -l -s --` or none.",
        Test("tests/ui/codes/bad-file-type.conf"),
    ),
    code(
        "bad-protocol",
        Semantics,
        "`portcon` names a protocol other than tcp, udp, dccp or sctp",
        "Only those protocols have port contexts.",
        Test("tests/ui/codes/bad-protocol.conf"),
    ),
    code(
        "bad-range",
        Semantics,
        "a numeric range runs backwards",
        "In `ioportcon`, `iomemcon`, `pirqcon` and `portcon`, the low end must not be above \
         the high end.",
        Test("tests/ui/sema/ioport-range.conf"),
    ),
    code(
        "bad-self",
        Semantics,
        "`self` is used where it has no meaning",
        "`self` stands for the source type and may only be a rule's target.",
        Test("tests/ui/codes/bad-self.conf"),
    ),
    code(
        "bad-xperm",
        Semantics,
        "an extended-permission rule is malformed",
        "`allowxperm` rules take `ioctl` with numbers or ranges of 16-bit command values.",
        Test("tests/ui/codes/bad-xperm.conf"),
    ),
    code(
        "condition-too-deep",
        Semantics,
        "a boolean condition has too many operators",
        "libsepol limits a conditional expression's length; split the condition.",
        Test("tests/ui/codes/condition-too-deep.conf"),
    ),
    code(
        "conflicting-bounds",
        Semantics,
        "a type is given two different bounds",
        "A type may be bounded by one type only.",
        Test("tests/ui/codes/conflicting-bounds.conf"),
    ),
    code(
        "conflicting-default",
        Semantics,
        "a class is given two different `default_*` rules of one kind",
        "Each class may have one `default_user`, `default_role`, `default_type` and \
         `default_range`.",
        Test("tests/ui/codes/conflicting-default.conf"),
    ),
    code(
        "conflicting-range-transition",
        Semantics,
        "two `range_transition` rules give different ranges for the same key",
        "A source type, target type and class may have one resulting range.",
        Test("tests/ui/codes/conflicting-range-transition.conf"),
    ),
    code(
        "conflicting-role-transition",
        Semantics,
        "two `role_transition` rules give different roles for the same key",
        "A source role, target type and class may have one resulting role.",
        Test("tests/ui/codes/conflicting-role-transition.conf"),
    ),
    code(
        "conflicting-type-rule",
        Semantics,
        "two type rules give different results for the same key",
        "`type_transition`, `type_change` and `type_member` may give one type per source, \
         target and class.",
        Test("tests/ui/sema/conflicting-type-rule.conf"),
    ),
    code(
        "conflicting-user-range",
        Semantics,
        "a user's range or default level is given twice, differently",
        "Each user has one MLS range and one default level.",
        Test("tests/ui/codes/conflicting-user-range.conf"),
    ),
    code(
        "declaration-in-else",
        Semantics,
        "a declaration inside the `else` of an `optional` block",
        "checkpolicy refuses declarations in an `else` branch.",
        Test("tests/ui/codes/declaration-in-else.conf"),
    ),
    code(
        "declared-later",
        Semantics,
        "a name is used before the statement that declares it",
        "In a monolithic policy.conf some names (roles and users in particular) must be \
         declared before use; move the declaration up.",
        Test("tests/ui/codes/declared-later.conf"),
    ),
    code(
        "dontaudit-complement",
        Semantics,
        "a `dontaudit` rule with a complemented permission set",
        "checkpolicy warns about `dontaudit a b:c ~{ p }` because it silences almost \
         everything; `-E` makes this an error.",
        Test("tests/ui/codes/dontaudit-complement.conf"),
    ),
    code(
        "duplicate-declaration",
        Semantics,
        "a name is declared twice",
        "Types, attributes, roles, users, classes, booleans, SIDs and the rest may be \
         declared once; the second label shows the first declaration.",
        Test("tests/ui/sema/duplicate-declaration.conf"),
    ),
    code(
        "duplicate-named-transition",
        Semantics,
        "two named type transitions for the same key and object name",
        "A source, target, class and object name may have one resulting type.",
        Test("tests/ui/codes/duplicate-named-transition.conf"),
    ),
    code(
        "invalid-context",
        Semantics,
        "a security context is not valid",
        "A context's role must be authorized for its user, its type for its role, and its \
         level within the user's range, as statements outside optional blocks give them: \
         checkpolicy checks a context as it reads it, before optional blocks and role \
         attributes add their roles and types.",
        Test("tests/ui/sema/invalid-context.conf"),
    ),
    code(
        "invalid-level",
        Semantics,
        "an MLS level uses a category its sensitivity does not allow",
        "Each `level` statement lists the categories of a sensitivity.",
        Test("tests/ui/sema/mls-bad-level.conf"),
    ),
    code(
        "invalid-range",
        Semantics,
        "an MLS range's high level does not dominate its low level",
        "In `low - high`, high must have at least low's sensitivity and categories.",
        Test("tests/ui/codes/invalid-range.conf"),
    ),
    code(
        "invalid-user-level",
        Semantics,
        "a user's default level lies outside the user's range",
        "The default level given with `level` must lie within the user's `range`.",
        Test("tests/ui/codes/invalid-user-level.conf"),
    ),
    code(
        "missing-level",
        Semantics,
        "a sensitivity has no `level` statement, or a guest label lacks its level",
        "In MLS policies every sensitivity needs a `level` statement; with check-guest, an \
         MLS policy needs labels with a level.",
        Test("tests/ui/codes/missing-level.conf"),
    ),
    code(
        "missing-process-class",
        Semantics,
        "the policy defines no class that domains transition with",
        "Role transitions and some defaults need the `process` class (SELinux) or `domain` \
         class (Xen).",
        Test("tests/ui/codes/missing-process-class.conf"),
    ),
    code(
        "missing-range",
        Semantics,
        "an MLS policy's user or context has no range",
        "With MLS, users need `level` and `range`, and contexts a level.",
        Test("tests/ui/codes/missing-range.conf"),
    ),
    code(
        "mixed-conditional",
        Semantics,
        "a conditional expression mixes booleans and tunables",
        "checkpolicy refuses an `if` that tests both kinds.",
        Test("tests/ui/sema/mixed-conditional.conf"),
    ),
    code(
        "mls-not-enabled",
        Semantics,
        "an MLS statement in a policy built without MLS",
        "Sensitivities, levels and ranges need `--mls` (checkpolicy `-M`).",
        Test("tests/ui/codes/mls-not-enabled.conf"),
    ),
    code(
        "named-transition-in-conditional",
        Semantics,
        "a named type transition inside an `if` block",
        "checkpolicy refuses object names in conditional type transitions.",
        Test("tests/ui/codes/named-transition-in-conditional.conf"),
    ),
    code(
        "negated-condition",
        Semantics,
        "a conditional expression is malformed",
        "Operators of `if` expressions take booleans or sub-expressions.",
        Test("tests/ui/codes/negated-condition.conf"),
    ),
    code(
        "negated-permission",
        Semantics,
        "a permission set uses `-` where it cannot",
        "Permission sets may be complemented with `~` but not have members removed.",
        Test("tests/ui/codes/negated-permission.conf"),
    ),
    code(
        "neverallow-violation",
        Semantics,
        "an allow rule grants what a `neverallow` forbids",
        "The primary label is the neverallow; the secondary label is the rule that grants the \
         access, with a label and a note for each interface or macro call that wrote it, \
         down to the line in your module.",
        Test("tests/diagnostics/neverallow-via-interface.case"),
    ),
    code(
        "nodecon-host-bits",
        Semantics,
        "a `nodecon` address has bits set outside its mask",
        "checkpolicy warns; `-E` makes this an error.",
        Test("tests/ui/codes/nodecon-host-bits.conf"),
    ),
    code(
        "nodecon-mask",
        Semantics,
        "a `nodecon` mask is not contiguous",
        "checkpolicy warns; `-E` makes this an error.",
        Test("tests/ui/codes/nodecon-mask.conf"),
    ),
    code(
        "not-an-attribute",
        Semantics,
        "a name used as an attribute is a type (or a role used as a role attribute is a role)",
        "`typeattribute T A` and attribute-only places need an attribute.",
        Test("tests/ui/codes/not-an-attribute.conf"),
    ),
    code(
        "out-of-scope",
        Semantics,
        "a name declared in an `optional` block is used outside it",
        "Names declared in an optional block exist only when the block is enabled.",
        Test("tests/ui/codes/out-of-scope.conf"),
    ),
    code(
        "overlapping-range",
        Semantics,
        "two object contexts cover overlapping numbers",
        "Xen's `ioportcon`, `iomemcon` and `pirqcon` ranges may not overlap.",
        Test("tests/ui/codes/overlapping-range.conf"),
    ),
    code(
        "role-dominance",
        Semantics,
        "a `dominance` statement",
        "Role dominance is deprecated; checkpolicy warns and `-E` makes this an error.",
        Test("tests/ui/codes/role-dominance.conf"),
    ),
    code(
        "sid-without-context",
        Semantics,
        "an initial SID has no context",
        "Every `sid` declared must get a context with a `sid NAME context` statement.",
        Test("tests/ui/codes/sid-without-context.conf"),
    ),
    code(
        "star-not-allowed",
        Semantics,
        "`*` is used where a set must be listed",
        "`*` (everything) is not allowed in some positions, such as a rule's source in \
         checkpolicy 3.4's non-neverallow rules.",
        Test("tests/ui/codes/star-not-allowed.conf"),
    ),
    code(
        "too-many-permissions",
        Semantics,
        "a class has more than 32 permissions",
        "Permissions are bits of a 32-bit vector, commons included.",
        Test("tests/ui/codes/too-many-permissions.conf"),
    ),
    code(
        "too-many-symbols",
        Semantics,
        "more symbols than the binary format can number",
        "Types, roles, users, booleans and the rest are numbered in 32 bits (classes in 16).",
        Test("tests/ui/codes/too-many-symbols.conf"),
    ),
    code(
        "type-rule-classes-skipped",
        Semantics,
        "a type rule lists classes that it does not apply to",
        "checkpolicy ignores some classes in a type rule; flaskc says which.",
        Test("tests/ui/codes/type-rule-classes-skipped.conf"),
    ),
    code(
        "typebounds-violation",
        Semantics,
        "a bounded type is allowed more than its bounding type",
        "With `typebounds parent child`, every rule of the child must be allowed to the \
         parent too. The labels show the rule and the calls that wrote it.",
        Test("tests/ui/sema/typebounds-violation.conf"),
    ),
    code(
        "undefined-attribute",
        Semantics,
        "an attribute name is not declared",
        "Declare it with `attribute NAME;`. A close declared name is suggested.",
        Test("tests/ui/codes/undefined-attribute.conf"),
    ),
    code(
        "undefined-boolean",
        Semantics,
        "a boolean used in a condition is not declared",
        "Declare it with `bool NAME true|false;`. A close declared boolean is suggested.",
        Test("tests/diagnostics/undeclared-boolean.case"),
    ),
    code(
        "undefined-category",
        Semantics,
        "an MLS category is not declared",
        "Declare it with `category NAME;`.",
        Test("tests/ui/codes/undefined-category.conf"),
    ),
    code(
        "undefined-class",
        Semantics,
        "an object class is not declared",
        "Classes are declared with `class NAME` at the top of the policy; a close class name \
         is suggested.",
        Test("tests/diagnostics/did-you-mean-class.case"),
    ),
    code(
        "undefined-common",
        Semantics,
        "a class inherits a common that is not declared",
        "Declare the common before the class's permissions.",
        Test("tests/ui/codes/undefined-common.conf"),
    ),
    code(
        "undefined-permission",
        Semantics,
        "a permission is not defined for the class",
        "Each class has its own permissions (and its common's); a close permission of that \
         class is suggested.",
        Test("tests/diagnostics/did-you-mean-permission.case"),
    ),
    code(
        "undefined-role",
        Semantics,
        "a role is not declared",
        "Declare it with `role NAME;`. A close declared role is suggested.",
        Test("tests/ui/codes/undefined-role.conf"),
    ),
    code(
        "undefined-sensitivity",
        Semantics,
        "an MLS sensitivity is not declared",
        "Declare it with `sensitivity NAME;`.",
        Test("tests/ui/codes/undefined-sensitivity.conf"),
    ),
    code(
        "undefined-sid",
        Semantics,
        "a context is given to an initial SID that is not declared",
        "Initial SIDs are declared with `sid NAME` after the classes.",
        Test("tests/ui/codes/undefined-sid.conf"),
    ),
    code(
        "undefined-type",
        Semantics,
        "a type or attribute is not declared",
        "Declare it with `type NAME;` (or `attribute NAME;`), or fix the spelling: a close \
         declared name is suggested, ignoring case.",
        Test("tests/diagnostics/did-you-mean-type.case"),
    ),
    code(
        "undefined-user",
        Semantics,
        "a user is not declared",
        "Declare it with `user NAME roles ...;`. A close declared user is suggested.",
        Test("tests/ui/sema/undefined-user.conf"),
    ),
    code(
        "unknown-policycap",
        Semantics,
        "a `policycap` names a capability libsepol does not know",
        "The names are libsepol 3.4's (`network_peer_controls`, ...).",
        Test("tests/ui/codes/unknown-policycap.conf"),
    ),
    code(
        "unknown-xperm-operation",
        Semantics,
        "an extended-permission rule names an operation other than `ioctl`",
        "checkpolicy 3.4 knows `ioctl` extended permissions only.",
        Test("tests/ui/codes/unknown-xperm-operation.conf"),
    ),
    code(
        "wrong-target",
        Semantics,
        "a statement of the other target (Xen or SELinux)",
        "Xen policies have `pirqcon`, `iomemcon`, `ioportcon`, `pcidevicecon` and \
         `devicetreecon`; SELinux policies have ports, file systems and network contexts. \
         Choose the target with `--target`.",
        Test("tests/ui/codes/wrong-target.conf"),
    ),
    // --- output ---
    code(
        "dropped-by-version",
        Output,
        "the chosen policy version cannot hold some statements; they are left out",
        "Old policy versions have no room for role transitions on classes, range \
         transitions or device-tree contexts; checkpolicy drops them with a warning, and so \
         does flaskc, naming the statements.",
        Test("tests/ui/codes/dropped-by-version.conf"),
    ),
    code(
        "unrepresentable",
        Output,
        "the chosen policy version cannot hold something the policy has",
        "checkpolicy refuses to write such a policy: extended permission rules need version \
         30 and are never written for Xen, and I/O memory above 32 bits needs 30.",
        Test("tests/ui/codes/unrepresentable.conf"),
    ),
    code(
        "xen-rejects",
        Output,
        "Xen's policy loader would refuse this policy",
        "Xen's loader is stricter than checkpolicy: it refuses named type transitions, \
         classes with commons and an empty rule table. The policy is written (checkpolicy \
         writes it too); `-E` makes this an error.",
        Test("tests/ui/codes/xen-rejects.conf"),
    ),
    // --- guests ---
    code(
        "bad-pci",
        Guest,
        "a `pci = [...]` entry of an xl configuration is not a PCI address",
        "Addresses are `BB:DD.F` or `SSSS:BB:DD.F`.",
        Test("tests/guests/codes/bad-pci.cfg"),
    ),
    code(
        "denied",
        Guest,
        "the policy denies a step `xl create` takes for this guest",
        "Creating a guest makes dom0 create the domain (under `init_seclabel` when given), \
         relabel it to `seclabel`, build its stub device model and attach it, and assign its \
         `pci=` devices; Xen checks a permission at each step. The message names the \
         permission check that fails and why (no rule, a constraint, a boolean).",
        Test("tests/guests/codes/denied.cfg"),
    ),
    code(
        "level-without-mls",
        Guest,
        "a guest label has an MLS level but the policy has no MLS",
        "Drop the level, or build the policy with `--mls`.",
        Test("tests/guests/codes/level-without-mls.cfg"),
    ),
    code(
        "not-a-context",
        Guest,
        "a guest label is not `user:role:type`",
        "`seclabel`, `init_seclabel` and `device_model_stubdomain_seclabel` take a context.",
        Test("tests/guests/codes/not-a-context.cfg"),
    ),
    code(
        "not-a-domain",
        Guest,
        "a guest label's type is not a domain type",
        "Types a domain may run as have the `domain_type` attribute in Xen's policies.",
        Test("tests/guests/codes/not-a-domain.cfg"),
    ),
    code(
        "not-quoted",
        Guest,
        "a label in an xl configuration is not a quoted string",
        "xl reads `seclabel='u:r:t'`; the quotes are required.",
        Test("tests/guests/codes/not-quoted.cfg"),
    ),
    code(
        "pci-unlabelled",
        Guest,
        "a PCI device given to a guest has no label in the policy",
        "Without a `pcidevicecon`, the device gets the initial SID's label, which guests \
         are seldom allowed to use. Label it with `flask-label-pci` or the policy.",
        Test("tests/guests/codes/pci-unlabelled.cfg"),
    ),
    code(
        "role-not-authorized",
        Guest,
        "a guest label's role is not authorized for its user",
        "The policy's `user ... roles` statement must list the role.",
        Test("tests/guests/codes/role-not-authorized.cfg"),
    ),
    code(
        "type-not-authorized",
        Guest,
        "a guest label's type is not authorized for its role",
        "The policy's `role ... types` statement must list the type.",
        Test("tests/guests/codes/type-not-authorized.cfg"),
    ),
    code(
        "unknown-role",
        Guest,
        "a guest label names a role the policy does not have",
        "A close role is suggested when there is one.",
        Test("tests/guests/codes/unknown-role.cfg"),
    ),
    code(
        "unknown-type",
        Guest,
        "a guest label names a type the policy does not have",
        "A close type is suggested when there is one.",
        Test("tests/guests/codes/unknown-type.cfg"),
    ),
    code(
        "unknown-user",
        Guest,
        "a guest label names a user the policy does not have",
        "A close user is suggested when there is one.",
        Test("tests/guests/codes/unknown-user.cfg"),
    ),
    // --- isolation goals ---
    code(
        "isolation-unknown-type",
        Isolation,
        "an isolation goal of `flaskc.toml` names a type the policy does not have",
        "Each `[[isolation]]` goal names types (`type`, `may_reach`, `must_not_reach`, \
         `trusted`) that must exist in the compiled policy; a misspelled one would make the \
         goal check nothing. The note suggests the closest type.",
        Test("tests/diagnostics/isolation-unknown-type.case"),
    ),
    code(
        "isolation-violated",
        Isolation,
        "an information flow breaks an isolation goal of `flaskc.toml`",
        "A chain of allow rules lets information flow from the goal's type to a type it may \
         not reach (or the reverse), not passing through the goal's trusted types. The error \
         shows the path, each step labelled at the rule that allows it; remove the rule, or \
         name the intermediate domain as trusted if it is. See `docs/isolation.md`.",
        Test("tests/diagnostics/isolation-violated.case"),
    ),
];

/// The entry of a code.
pub fn lookup(name: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.name == name)
}

/// An entry as `flaskc explain-code` prints it.
pub fn explain(c: &Code) -> String {
    let mut out = format!("{}: {}\n\n", c.name, c.summary);
    out.push_str(&wrap(c.explanation, 80));
    let _ = write!(out, "\nReported by: {}.\n", c.area.title().to_lowercase());
    out
}

/// `docs/diagnostics.md`: every code by area, with its summary and explanation.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostic codes\n\n\
         Every diagnostic flaskc prints carries one of these codes (`error[undefined-type]`).\n\
         `flaskc explain-code CODE` prints an entry on the terminal.\n\n\
         <!-- Generated from src/diag/codes.rs by tests/diagnostic_codes.rs; \
         run `BLESS=1 cargo test --release --test diagnostic_codes` to update. -->\n",
    );
    let mut area = None;
    for c in CODES {
        if area != Some(c.area) {
            area = Some(c.area);
            let _ = write!(out, "\n## {}\n", c.area.title());
        }
        let _ = write!(
            out,
            "\n### `{}`\n\n{}.\n\n{}\n",
            c.name,
            capitalized(c.summary),
            c.explanation
        );
        if let Reproducer::Test(path) = c.reproducer {
            let _ = writeln!(out, "\nExample: `{path}`.");
        }
    }
    out
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// Fills words into lines of at most `width` columns.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_sorted_within_areas() {
        for w in CODES.windows(2) {
            assert!(
                (w[0].area, w[0].name) < (w[1].area, w[1].name),
                "{} before {}",
                w[0].name,
                w[1].name
            );
        }
    }

    #[test]
    fn summaries_are_lowercase_sentences_without_a_period() {
        // Proper names (Xen) keep their capital.
        for c in CODES {
            assert!(!c.summary.ends_with('.'), "{}", c.name);
            assert!(
                !c.summary.starts_with(|ch: char| ch.is_uppercase())
                    || c.summary.starts_with("Xen"),
                "{}",
                c.name
            );
        }
    }
}
