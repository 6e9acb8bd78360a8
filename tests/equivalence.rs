//! Small policies on which flaskc once differed from checkpolicy 3.4 (issue 12's
//! reproducers and their neighbours). Each case states the verdict libsepol gives, which
//! is checked on its own; where checkpolicy is installed, the exit status and the bytes
//! are compared with it too.

mod common;

use std::path::Path;
use std::process::Command;

/// The SELinux policy every case starts from; `BODY` and `TAIL` are replaced.
const TEMPLATE: &str = "class file
class netif
sid kernel
sid security
class file { ioctl read write }
class netif { tcp_recv }
type a_t;
type b_t;
allow a_t b_t : file read;
role object_r;
role object_r types a_t;
BODY
user u roles object_r;
sid kernel u:object_r:a_t
TAIL
";

#[derive(Clone, Copy, PartialEq, Debug)]
enum Verdict {
    Accept,
    Reject,
}
use Verdict::*;

struct Case {
    name: &'static str,
    args: &'static [&'static str],
    body: &'static str,
    tail: &'static str,
    verdict: Verdict,
}

const CASES: &[Case] = &[
    Case {
        name: "a condition naming a boolean declared nowhere, in a block that is left out",
        args: &[],
        body: "optional { require { type missing_t; } if (nob) { allow a_t b_t : file write; } }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a condition naming a boolean only a left-out block declares",
        args: &[],
        body: "optional { require { type missing_t; } bool ob true; if (ob) { allow a_t b_t : file write; } }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a named transition repeated through a type only a left-out block declares",
        args: &[],
        body: "optional { require { type missing_t; } type c_t; type_transition c_t { c_t self } : file a_t \"n\"; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a role types statement before the dominance that alone declares the role",
        args: &[],
        body: "role ro3 types a_t;\ndominance { role rd0 { role ro3; } }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a role types statement after the dominance that declares the role",
        args: &[],
        body: "dominance { role rd0 { role ro3; } }\nrole ro3 types a_t;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an alias list in nested braces",
        args: &[],
        body: "type c_t alias { x_t { y_t } };\ntypealias c_t alias { { z_t } w_t };\nrole object_r types c_t;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a nested optional block inherits a require its enclosing block makes after it",
        args: &[],
        body: "optional { require { type a_t; } type c_t; optional { require { type b_t; } allow a_t b_t : file write; } require { type missing_t; } }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an else block is kept inside an enclosing block that is left out",
        args: &[],
        body: "optional { require { type missing_t; } type c_t; optional { require { type a_t; } allow a_t b_t : file write; } else { allow a_t b_t : file ioctl; } }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a tunable `if` merged by truth table takes the branch its node's condition picks",
        args: &[],
        body: "tunable tu0 true;\ntunable tu1 false;\ntype c_t;\nrole object_r types c_t;\n\
               if (!tu0 xor (tu1 eq tu1)) { allow c_t b_t : file read; }\n\
               if ((tu1 and (tu0 && tu0)) || tu1) { allow c_t b_t : file write; } else { allow c_t b_t : file ioctl; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an attribute statement naming what only another block required so far",
        args: &[],
        body: "optional { require { attribute at9; } allow a_t b_t : file write; }\ntype c_t;\ntypeattribute c_t at9;\nattribute at9;\nrole object_r types c_t;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an attribute statement naming what its own block required",
        args: &[],
        body: "type c_t;\noptional { require { attribute at9; type c_t; } typeattribute c_t at9; }\nattribute at9;\nrole object_r types c_t;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an attribute required before a type statement names it, declared after",
        args: &[],
        body: "optional { require { attribute at9; } type c_t, at9; typeattribute c_t at9; role object_r types c_t; }\nattribute at9;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a named transition repeated only through an optional block's attribute member",
        args: &[],
        body: "attribute at2;\noptional { require { type a_t; } type t, at2; role object_r types t; }\ntype_transition at2 { at2 self } : file a_t \"m\";",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a named transition repeated through a global attribute member is refused",
        args: &[],
        body: "attribute at2;\ntype t;\ntypeattribute t at2;\ntype_transition t { at2 self } : file t \"n\";\nrole object_r types t;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an optional block whose only statement is `;`",
        args: &[],
        body: "optional { ; } else { ; }\noptional { optional { ; } }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a `;` after the users of an optional block is refused",
        args: &[],
        body: "optional { allow a_t b_t : file write; user us2 roles object_r; ; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an ibpkeycon repeating an earlier one of its subnet is refused",
        args: &[],
        body: "",
        tail: "ibpkeycon fe80:: 5 u:object_r:a_t\nibpkeycon fe80:: 5 u:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "an ibpkeycon covered by an earlier one of its subnet is refused",
        args: &[],
        body: "",
        tail: "ibpkeycon fe80:: 1-9 u:object_r:a_t\nibpkeycon fe80:: 5 u:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "ibpkeycons of two subnets may name one pkey",
        args: &[],
        body: "",
        tail: "ibpkeycon fe80:: 5 u:object_r:a_t\nibpkeycon fe81:: 5 u:object_r:a_t",
        verdict: Accept,
    },
    Case {
        name: "an ibpkeycon prefix whose second group is not zero is refused",
        args: &[],
        body: "",
        tail: "ibpkeycon fe80:1:: 5 u:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "an ibpkeycon prefix may have bits in its third group",
        args: &[],
        body: "",
        tail: "ibpkeycon fe80:0:1:: 5 u:object_r:a_t",
        verdict: Accept,
    },
    Case {
        name: "a dominance in an optional block copies the types the global block gave so far",
        args: &[],
        body: "role r;\nrole r types b_t;\noptional { dominance { role d { role r; } } }\nrole r types a_t;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a type declared in two blocks the linker leaves out is a duplicate all the same",
        args: &[],
        body: "optional { require { type missing_t; } type c_t; }\noptional { require { type missing_t; } type c_t; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a left-out block may not declare a type the global block declares",
        args: &[],
        body: "type c_t;\noptional { require { type missing_t; } type c_t; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a boolean declared twice in a left-out block is a duplicate",
        args: &[],
        body: "optional { require { type missing_t; } bool b1 true; bool b1 true; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an alias and a type of one name in left-out blocks are duplicates",
        args: &[],
        body: "optional { require { type missing_t; } type c_t alias ca; }\noptional { require { type missing_t; } type ca; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "`~` on a class set is an unknown class `~`, not every other class",
        args: &[],
        body: "allow a_t b_t : ~file read;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "`*` on a class set is refused too",
        args: &[],
        body: "type_transition a_t b_t : * a_t;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a negated class is refused",
        args: &[],
        body: "allow a_t b_t : { file -netif } read;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "`~` on a class set is refused in a branch a tunable leaves out",
        args: &[],
        body: "tunable tt false;\nif (tt) { allow a_t b_t : ~file read; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "`~` on a role set is refused",
        args: &[],
        body: "allow object_r ~object_r;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a negated role is refused",
        args: &[],
        body: "allow object_r { object_r -object_r };",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "`*` in a user's roles is refused",
        args: &[],
        body: "user v roles *;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a type negated in one role statement stays out whatever another names",
        args: &[],
        body: "role r;\nrole r types { a_t -b_t };\nrole r types { a_t b_t };",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "so a context with the negated type is invalid",
        args: &[],
        body: "role r;\nrole r types { a_t -b_t };\nrole r types { a_t b_t };\nuser v roles r;",
        tail: "sid security v:r:b_t",
        verdict: Reject,
    },
    Case {
        name: "`~` complements what is left once the negated types are removed",
        args: &[],
        body: "type c_t;\nallow b_t c_t : file write;\nneverallow ~{ a_t -b_t } c_t : file write;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "`~` and `*` on types only in a neverallow",
        args: &[],
        body: "type c_t;\nallow ~{ a_t } c_t : file write;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an attribute must be declared before a type joins it",
        args: &[],
        body: "type c_t, myattr;\nattribute myattr;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "role types on a role never declared",
        args: &[],
        body: "role r types a_t;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "role declared after its types statement",
        args: &[],
        body: "role r types a_t;\nrole r;\nuser v roles r;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "neverallowxperm: ioctl allowed with no allowxperm allows every number",
        args: &[],
        body: "allow a_t b_t : file ioctl;\nneverallowxperm a_t b_t : file ioctl 0x1111;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "neverallowxperm: the allowed numbers miss the forbidden one",
        args: &[],
        body: "allow a_t b_t : file ioctl;\nallowxperm a_t b_t : file ioctl 0x1112;\nneverallowxperm a_t b_t : file ioctl 0x1111;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "neverallowxperm: the allowed numbers hit the forbidden one",
        args: &[],
        body: "allow a_t b_t : file ioctl;\nallowxperm a_t b_t : file ioctl { 0x1100-0x11ff };\nneverallowxperm a_t b_t : file ioctl 0x1111;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a 32-bit ioctl number keeps its low 16 bits",
        args: &[],
        body: "allow a_t b_t : file ioctl;\nallowxperm a_t b_t : file ioctl 0x800454d2;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "xperm entries of two drivers under one key, newest first",
        args: &[],
        body: "allow a_t b_t : file ioctl;\nallowxperm a_t b_t : file ioctl { 0x0456 0x0556 0x0700-0x07ff };\nallowxperm a_t b_t : file ioctl 0x0300;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an optional block that requires what it declares itself",
        args: &[],
        body: "optional { require { type a_t; } type c_t; require { type c_t; } allow c_t a_t : file read; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an optional block that requires what a later optional declares",
        args: &[],
        body: "optional { require { type d_t; } allow d_t a_t : file write; }\noptional { require { type a_t; } type d_t; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "optional blocks disabled in a chain, and the else branch taken",
        args: &[],
        body: "type f_t;\noptional { require { type nowhere_t; } type e_t; } else { allow f_t a_t : file read; }\noptional { require { type e_t; } allow e_t a_t : file write; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an else branch declares nothing",
        args: &[],
        body: "optional { require { type nowhere_t; } type e_t; } else { type f_t; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "netifcon entries in checkpolicy's order",
        args: &[],
        body: "",
        tail: "netifcon eth1 u:object_r:a_t u:object_r:a_t\nnetifcon eth0 u:object_r:a_t u:object_r:a_t\nnetifcon eth2 u:object_r:a_t u:object_r:a_t",
        verdict: Accept,
    },
    Case {
        name: "netifcon entries sorted by -S",
        args: &["-S"],
        body: "",
        tail: "netifcon eth1 u:object_r:a_t u:object_r:a_t\nnetifcon eth0 u:object_r:a_t u:object_r:a_t\nnodecon 10.0.0.0 255.0.0.0 u:object_r:a_t\nnodecon 10.1.0.0 255.255.0.0 u:object_r:a_t",
        verdict: Accept,
    },
    Case {
        name: "a netifcon given twice",
        args: &[],
        body: "",
        tail: "netifcon eth0 u:object_r:a_t u:object_r:a_t\nnetifcon eth0 u:object_r:a_t u:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "-E: a SID without a context is no checkpolicy warning",
        args: &["-E"],
        body: "",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "-E: checkpolicy's nodecon mask warning is an error",
        args: &["-E"],
        body: "",
        tail: "nodecon 10.0.0.0 255.0.0.0 u:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "-E: host bits outside the mask",
        args: &["-E"],
        body: "",
        tail: "nodecon 10.0.0.1 255.255.255.255 u:object_r:a_t\nnodecon 10.0.0.0 255.255.255.255 u:object_r:a_t",
        verdict: Accept,
    },
    Case {
        name: "before V20 rules on attributes are expanded to their types and merged",
        args: &["-c", "15"],
        body: OLD_FORMAT_BODY,
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "the same at V19",
        args: &["-c", "19"],
        body: OLD_FORMAT_BODY,
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "three negations of a whole condition, in both branches",
        args: &[],
        body: "type c_t;\nbool b1 true;\nbool b2 false;\nif (!!!b1) { allow c_t b_t : file read; } else { allow b_t b_t : file read; }\nif (b1) { allow c_t a_t : file read; }\nif (!!!(b1 && b2)) { allow a_t a_t : file write; }\nrole object_r types c_t;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a condition deeper than libsepol's ten pending operands",
        args: &[],
        body: "type c_t;\nbool b1 true;\nbool b2 true;\nif (b1 && (b2 || (b1 && (b2 || (b1 && (b2 || (b1 && (b2 || (b1 && (b2 || (b1 && b2))))))))))) { allow c_t b_t : file read; }\nrole object_r types c_t;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a later class of a type rule left out after one that repeats an earlier rule",
        args: &[],
        body: "type_transition a_t b_t : netif a_t;\ntype_transition a_t b_t : { file netif } a_t;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "the same in a conditional branch",
        args: &[],
        body: "bool b1 true;\nif (b1) {\ntype_transition a_t b_t : netif a_t;\ntype_transition a_t b_t : { file netif } a_t;\n}",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "named transitions of one name and target: the later rule's new type first",
        args: &[],
        body: "type c_t;\nrole object_r types c_t;\ntype_transition a_t b_t : file a_t \"n\";\ntype_transition c_t b_t : file c_t \"n\";",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a user in a constraint before its declaration",
        args: &[],
        body: "constrain file read u1 == u;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "undefined permission in an optional block the linker leaves out",
        args: &[],
        body: "optional {\nrequire { type missing_t; }\nallow a_t b_t : file nosuchperm;\n}",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "ioctl numbers out of order in an else branch that is left out",
        args: &[],
        body: "optional {\nallow a_t b_t : file write;\n} else {\nallowxperm a_t b_t : file ioctl { 0xfedc-0x10120 };\n}",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "conditions merged in a block by their truth table after one NOT is dropped",
        args: &[],
        body: "bool bb true;\nif (bb) { allow a_t b_t : file read; }\nif (!(!bb == (bb xor bb))) { allow a_t b_t : file write; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a dominance copies the dominated role's types given so far",
        args: &[],
        body: "role rx;\ndominance { role rd { role rx; } }\nrole rx types b_t;\noptional { role rx types a_t; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "`self` among a named transition's targets",
        args: &[],
        body: "type_transition a_t { b_t self } : file b_t \"n\";",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a named transition repeated by `self`",
        args: &[],
        body: "type_transition a_t { a_t self } : file b_t \"n\";",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a named transition repeated in an else branch that is left out",
        args: &[],
        body: "type_transition a_t b_t : file b_t \"n\";\noptional {\nallow a_t b_t : file write;\n} else {\ntype_transition a_t b_t : file b_t \"n\";\n}",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a kept else branch naming a type of the left-out block around it",
        args: &[],
        body: "optional {\nrequire { type missing_t; }\ntype c_t;\noptional {\nrequire { type missing2_t; }\nallow a_t b_t : file ioctl;\n} else {\nallow a_t { b_t c_t } : file write;\n}\n}",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "undefined permission in the branch a tunable does not take",
        args: &[],
        body: "tunable tu true;\nif (tu) { allow a_t b_t : file write; } else { allow a_t b_t : file nosuch; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "tunable `if`s of one condition share a node placed at the first",
        args: &[],
        body: "tunable tu true;\nif (tu) { allow a_t b_t : file write; }\nauditallow a_t b_t : file write;\nif (tu) { dontaudit a_t b_t : file ioctl; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "extended permission rules with no types fit version 28",
        args: &["-c", "28"],
        body: "allowxperm { a_t -a_t } b_t : file ioctl 0x8910;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a negated permission",
        args: &[],
        body: "allow a_t b_t : file { read -write };",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a type only an optional block declares, used by the global block",
        args: &[],
        body: "optional {\ntype c_t;\n}\nallow c_t b_t : file write;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a named transition in a conditional of a left-out block",
        args: &[],
        body: "bool bb true;\noptional {\nrequire { type missing_t; }\nif (bb) { type_transition a_t b_t : file b_t \"n\"; }\n}",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a role only an optional block declares, given to a user of the global block",
        args: &[],
        body: "optional { role r; }\nuser v roles r;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a type one optional block declares, used by a sibling that does not require it",
        args: &[],
        body: "optional { type d_t; }\noptional { allow d_t b_t : file read; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "typebounds: a parent allowed only in one branch does not cover the child's rule",
        args: &[],
        body: "type c_t;\nbool b1 true;\ntypebounds a_t c_t;\nallow c_t b_t : file write;\nif (b1) { allow a_t b_t : file write; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "typebounds: libsepol counts a parent's conditional dontaudit as allowed",
        args: &[],
        body: "type c_t;\nbool b1 true;\ntypebounds a_t c_t;\nif (b1) { allow c_t b_t : file write; dontaudit a_t b_t : file read; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "typebounds: and a conditional auditallow",
        args: &[],
        body: "type c_t;\nbool b1 true;\ntypebounds a_t c_t;\nif (b1) { allow c_t b_t : file write; auditallow a_t b_t : file write; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "typebounds: a bounded target is replaced by its own parent",
        args: &[],
        body: "type c_t;\ntype d_t;\ntypebounds b_t d_t;\ntypebounds a_t c_t;\nallow a_t b_t : file write;\nallow c_t d_t : file write;",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "an optional's else creates its rules before the blocks nested in the optional",
        args: &[],
        body: "optional {\nrequire { type missing_t; }\noptional { type d_t; } else { auditallow a_t a_t : file read; }\n} else { allow a_t a_t : file read; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a named transition repeated by `self` in a left-out block that declares a target",
        args: &[],
        body: "optional {\nrequire { type missing_t; }\ntype d_t;\ntype_transition { a_t } { d_t a_t self } : file b_t \"n\";\n}",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an ibendportcon repeated",
        args: &[],
        body: "",
        tail: "ibendportcon mlx4_0 1 u:object_r:a_t\nibendportcon mlx4_0 1 u:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "neverallowxperm on a class without ioctl",
        args: &[],
        body: "neverallowxperm a_t b_t : netif ioctl 0x8910;",
        tail: "",
        verdict: Reject,
    },    Case {
        name: "an attribute given in a left-out block's `type` before its declaration",
        args: &[],
        body: "optional { require { type missing_t; } type c_t, at0; }\nattribute at0;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "an attribute given in a left-out block after its declaration",
        args: &[],
        body: "attribute at0;\noptional { require { type missing_t; } type c_t, at0; }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a left-out block's `typeattribute` before the attribute's declaration",
        args: &[],
        body: "optional { require { type missing_t; } typeattribute a_t at0; }\nattribute at0;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a left-out block's `typeattribute` naming a type, not an attribute",
        args: &[],
        body: "optional { require { type missing_t; } typeattribute a_t b_t; }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a left-out block's `typealias` before the type's declaration",
        args: &[],
        body: "optional { require { type missing_t; } typealias c_t alias c_a; }\ntype c_t;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a left-out block's `roleattribute` before the role attribute's declaration",
        args: &[],
        body: "role r;\noptional { require { type missing_t; } roleattribute r ra; }\nattribute_role ra;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a left-out block's `role R, A;` before the role attribute's declaration",
        args: &[],
        body: "optional { require { type missing_t; } role r, ra; }\nattribute_role ra;",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a dominance naming a role that only an optional block requires",
        args: &[],
        body: "optional { require { role ro1; } allow a_t b_t : file write; }\ndominance { role rd0 { role ro1; } }",
        tail: "",
        verdict: Reject,
    },
    Case {
        name: "a dominance naming roles no block declares or requires",
        args: &[],
        body: "dominance { role rd0 { role ro1; } }",
        tail: "",
        verdict: Accept,
    },
    Case {
        name: "a context naming a user declared in an optional block",
        args: &[],
        body: "optional { allow a_t b_t : file write; user us2 roles object_r; }",
        tail: "sid security us2:object_r:a_t",
        verdict: Reject,
    },
    Case {
        name: "a context naming a type declared in an optional block",
        args: &[],
        body: "optional { require { type b_t; } type c_t; }",
        tail: "sid security u:object_r:c_t",
        verdict: Reject,
    },
    Case {
        name: "a context whose role has the type only in an optional block",
        args: &[],
        body: "role r;\noptional { require { type b_t; } role r types a_t; }\nuser us2 roles r;",
        tail: "sid security us2:r:a_t",
        verdict: Reject,
    },
    Case {
        name: "a context whose role has the type from the global block, and more in an optional",
        args: &[],
        body: "role r;\nrole r types a_t;\noptional { require { type b_t; } role r types b_t; }\nuser us2 roles r;",
        tail: "sid security us2:r:a_t",
        verdict: Accept,
    },
    Case {
        name: "a context whose role has the type only through a role attribute",
        args: &[],
        body: "attribute_role ra;\nrole r;\nroleattribute r ra;\nrole ra types a_t;\nuser us2 roles r;",
        tail: "sid security us2:r:a_t",
        verdict: Reject,
    },
    Case {
        name: "a context whose user has the role only through a role attribute",
        args: &[],
        body: "attribute_role ra;\nrole r;\nroleattribute r ra;\nrole r types a_t;\nuser us2 roles ra;",
        tail: "sid security us2:r:a_t",
        verdict: Reject,
    },
];

/// Attribute rules, unconditional and conditional, overlapping on expansion.
const OLD_FORMAT_BODY: &str = "attribute at;\ntype c_t, at;\ntype d_t, at;\nbool bb true;
allow at b_t : file write;\nallow c_t b_t : file read;\ndontaudit at at : file ioctl;
if (bb) { allow at c_t : file write; allow d_t c_t : file read; } else { allow c_t at : file ioctl; }
role object_r types c_t;";

fn policy(case: &Case) -> String {
    TEMPLATE
        .replace("BODY", case.body)
        .replace("TAIL", case.tail)
}

/// Exit success and output bytes of a compiler run (`None` bytes when it failed).
fn run(program: &Path, sub: Option<&str>, args: &[&str], dir: &Path) -> (bool, Option<Vec<u8>>) {
    let out = dir.join(format!(
        "{}.bin",
        program.file_name().unwrap().to_string_lossy()
    ));
    let _ = std::fs::remove_file(&out);
    let mut cmd = Command::new(program);
    cmd.args(sub)
        .args(args)
        .arg("-o")
        .arg(&out)
        .arg(dir.join("p.conf"));
    let ok = cmd.output().expect("compiler runs").status.success();
    (ok, std::fs::read(&out).ok().filter(|_| ok))
}

#[test]
fn reproducers_match_libsepol() {
    let dir = tempfile::tempdir().unwrap();
    let flaskc = Path::new(env!("CARGO_BIN_EXE_flaskc"));
    let have_checkpolicy = Command::new("checkpolicy").arg("-V").output().is_ok();
    if !have_checkpolicy {
        common::skip("checkpolicy is not installed: verdicts only, no byte comparison");
    }
    let mut failures = Vec::new();
    for case in CASES {
        std::fs::write(dir.path().join("p.conf"), policy(case)).unwrap();
        let (ok, ours) = run(flaskc, Some("checkpolicy"), case.args, dir.path());
        let verdict = if ok { Accept } else { Reject };
        if verdict != case.verdict {
            failures.push(format!(
                "{}: {verdict:?}, libsepol: {:?}",
                case.name, case.verdict
            ));
            continue;
        }
        if have_checkpolicy {
            let (ref_ok, reference) = run(Path::new("checkpolicy"), None, case.args, dir.path());
            if ref_ok != ok {
                failures.push(format!("{}: checkpolicy's verdict differs", case.name));
            } else if reference != ours {
                failures.push(format!("{}: bytes differ from checkpolicy's", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Over 65,535 types and attributes do not fit an avtab key: refused at the type that
/// overflows, as libsepol's "type space overflow", rather than written wrong.
#[test]
fn type_space_overflow_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("class file\nsid kernel\nclass file { read }\n");
    for i in 0..65_540 {
        text.push_str(&format!("type ty{i};\n"));
    }
    text.push_str("allow ty65539 ty0 : file read;\nrole object_r;\nrole object_r types ty0;\n");
    text.push_str("user u roles object_r;\nsid kernel u:object_r:ty0\n");
    let (code, err) = refused(dir.path(), &text);
    assert_eq!(code, Some(1));
    assert!(err.contains("type space overflow"), "{err}");
}

/// Compiles `text` with flaskc in `dir`: the exit status and standard error, checking
/// that a failed compile leaves no output.
fn refused(dir: &Path, text: &str) -> (Option<i32>, String) {
    std::fs::write(dir.join("p.conf"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .args(["checkpolicy", "-o"])
        .arg(dir.join("out.bin"))
        .arg(dir.join("p.conf"))
        .output()
        .unwrap();
    assert!(out.status.success() || !dir.join("out.bin").exists());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// With four or more `!` over a whole condition (an `else`-only `if` adds one),
/// checkpolicy 3.4 drops the last one without swapping the branches, so its rules end up
/// under the opposite condition. flaskc refuses such a condition instead (a documented
/// divergence, docs/divergences.md).
#[test]
fn conditions_checkpolicy_would_invert_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for body in [
        "type c_t;\nbool b1 true;\nif (!!!!b1) { allow c_t b_t : file read; }\nrole object_r types c_t;",
        "type c_t;\nbool b1 true;\nif (!!!b1) { } else { allow c_t b_t : file read; }\nrole object_r types c_t;",
    ] {
        let case = Case {
            name: "",
            args: &[],
            body,
            tail: "",
            verdict: Reject,
        };
        let (code, err) = refused(dir.path(), &policy(&case));
        assert_eq!(code, Some(1));
        assert!(err.contains("error[negated-condition]"), "{err}");
    }
}

/// libsepol 3.4 reports a violation of a neverallow that names `self` only for a type's
/// rules on itself, so checkpolicy accepts `allow a_t b_t` against
/// `neverallow a_t { b_t self }`; flaskc enforces the rule as written (a documented
/// divergence, docs/divergences.md).
#[test]
fn neverallow_naming_self_is_enforced_for_every_target() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        name: "",
        args: &[],
        body: "neverallow a_t { b_t self } : file write;\nallow a_t b_t : file write;",
        tail: "",
        verdict: Reject,
    };
    let (code, err) = refused(dir.path(), &policy(&case));
    assert_eq!(code, Some(1));
    assert!(err.contains("error[neverallow-violation]"), "{err}");
    assert!(
        err.contains("libsepol reports only a type's rules on itself"),
        "{err}"
    );
}

/// checkpolicy stops at the first mistake of its first pass, so a duplicate declaration
/// written before a syntax error is its first error: flaskc reports it too.
#[test]
fn declaration_mistake_before_a_syntax_error_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        name: "",
        args: &[],
        body: "type c_t;\ntype c_t;\nallow c_t b_t : file { read",
        tail: "",
        verdict: Reject,
    };
    let (code, err) = refused(dir.path(), &policy(&case));
    assert_eq!(code, Some(1));
    assert!(err.contains("error[syntax-error]"), "{err}");
    assert!(err.contains("error[duplicate-declaration]"), "{err}");
}

/// A repeated role transition is reported at the repeat, the line checkpolicy names.
#[test]
fn repeated_role_transition_is_reported_at_the_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let case = Case {
        name: "",
        args: &[],
        body:
            "role r;\nrole r types a_t;\nrole_transition r a_t object_r;\nrole_transition r a_t r;",
        tail: "",
        verdict: Reject,
    };
    let (code, err) = refused(dir.path(), &policy(&case));
    assert_eq!(code, Some(1));
    let first = err.lines().find(|l| l.contains("p.conf:")).unwrap_or("");
    assert!(first.contains("p.conf:15:"), "{err}");
}

/// With a syntax error, only the statements before it are lowered for the first-pass
/// checks: a second `dominance` after it must not reach them (it once crashed flaskc).
#[test]
fn statements_after_a_syntax_error_are_not_lowered() {
    let dir = tempfile::tempdir().unwrap();
    let text = "class file\nsid kernel\nclass file { read }\nsensitivity s0;\ndominance s0\ndominance s0\ncategory c0;\nlevel s0:c0;\n";
    std::fs::write(dir.path().join("p.conf"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .current_dir(dir.path())
        .args(["checkpolicy", "-M", "-o", "out.bin", "p.conf"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("a second `dominance` statement"), "{err}");
}

/// Constraints are checked for scope as contexts are: a user, role or type that only an
/// optional block declares is not within scope there.
#[test]
fn constraint_names_declared_only_in_optional_blocks_are_out_of_scope() {
    let dir = tempfile::tempdir().unwrap();
    for (decl, expr) in [
        ("type c_t;", "t1 == c_t"),
        ("role ro2;", "r1 == ro2"),
        (
            "allow a_t b_t : file write;\nuser us2 roles object_r;",
            "u1 == us2",
        ),
    ] {
        let text = TEMPLATE
            .replace(
                "BODY",
                &format!("optional {{ require {{ type b_t; }} {decl} }}"),
            )
            .replace(
                "user u roles object_r;",
                &format!("user u roles object_r;\nconstrain file read ({expr});"),
            )
            .replace("TAIL", "");
        let (code, err) = refused(dir.path(), &text);
        assert_eq!(code, Some(1), "{expr}: {err}");
        assert!(err.contains("is not within scope"), "{expr}: {err}");
    }
}

/// checkpolicy stops at the first mistake of its first pass; flaskc reports that one too
/// when a later first-pass mistake would stop its own declaration stage: an attribute
/// declared after its use, and a named transition in a conditional, before a require of
/// a missing permission. A neverallowxperm on a class without `ioctl` is reported even
/// when an error in a later rule stops the neverallow check.
#[test]
fn first_errors_are_reported_beside_later_ones() {
    let dir = tempfile::tempdir().unwrap();
    let missing =
        "optional { require { class file { missing_perm }; } allow a_t b_t : file write; }";
    for (body, first) in [
        (
            format!("type c_t, at0;\nattribute at0;\n{missing}"),
            "type `at0` is not declared yet",
        ),
        (
            format!(
                "bool b1 true;\nif (b1) {{ type_transition a_t b_t : file a_t \"n\"; }}\n{missing}"
            ),
            "not allowed inside conditionals",
        ),
        (
            "neverallowxperm a_t b_t : netif ioctl 0x8910;\nallow a_t b_t : file execute;"
                .to_string(),
            "permission `ioctl` is not defined for class `netif`",
        ),
    ] {
        let text = TEMPLATE.replace("BODY", &body).replace("TAIL", "");
        let (code, err) = refused(dir.path(), &text);
        assert_eq!(code, Some(1), "{err}");
        assert!(err.contains(first), "{first}: {err}");
    }
}

/// An empty statement `;` is a type and role statement in checkpolicy's grammar: after
/// the access vectors it opens that section, so a class, default or MLS statement after
/// it is out of order and reported on its own line. Among type statements it is allowed.
#[test]
fn an_empty_statement_opens_the_type_and_role_section() {
    let dir = tempfile::tempdir().unwrap();
    let head = "class file\nclass dir\nsid kernel\nclass file { read }\n";
    let tail = "type a_t;\nrole object_r;\nrole object_r types a_t;\n\
                user u roles object_r;\nsid kernel u:object_r:a_t\n";
    for (middle, line) in [
        (";\nclass dir { read }\n", Some(6)),
        ("class dir { read } ;\ndefault_user file source;\n", Some(6)),
        ("class dir { read }\n;\n;\n", None),
        ("class dir { read }\n;\ntype b_t;\n;\n", None),
    ] {
        let text = format!("{head}{middle}{tail}");
        let (code, err) = refused(dir.path(), &text);
        match line {
            Some(line) => {
                assert_eq!(code, Some(1), "{middle}: {err}");
                assert!(err.contains(&format!("p.conf:{line}:")), "{middle}: {err}");
            }
            None => assert_eq!(code, Some(0), "{middle}: {err}"),
        }
        if Command::new("checkpolicy").arg("-V").output().is_ok() {
            let (ref_ok, _) = run(Path::new("checkpolicy"), None, &[], dir.path());
            assert_eq!(
                ref_ok,
                line.is_none(),
                "{middle}: checkpolicy's verdict differs"
            );
        }
    }
}

/// checkpolicy's grammar takes any set as an alias list and declares aliases named `~`,
/// `*` and `-`; flaskc refuses such a list (a documented divergence, docs/divergences.md).
#[test]
fn alias_lists_with_set_operators_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for body in [
        "type c_t alias ~ x_t;",
        "typealias a_t alias *;",
        "type c_t alias x_t - y_t;",
        "type c_t alias { x_t -y_t };",
    ] {
        let text = TEMPLATE.replace("BODY", body).replace("TAIL", "");
        let (code, err) = refused(dir.path(), &text);
        assert_eq!(code, Some(1), "{body}: {err}");
        assert!(
            err.contains("error[syntax-error]: unexpected `"),
            "{body}: {err}"
        );
    }
}

/// checkpolicy 3.4 complements an ioctl set in 16-bit arithmetic that wraps past 0xffff,
/// so `~{ ... 0xffff }` allows every ioctl; flaskc refuses such a set (a documented
/// divergence, docs/divergences.md) and takes one that stops short of 0xffff.
#[test]
fn complemented_ioctl_sets_reaching_0xffff_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (set, ok) in [
        ("~{ 0x8926 0xffff }", false),
        ("~{ 0xff00-0xffff }", false),
        ("~{ 0x0-0xffff }", false),
        ("~{ 0x8926 0xfffe }", true),
    ] {
        let body = format!("allowxperm a_t b_t : file ioctl {set};");
        let text = TEMPLATE.replace("BODY", &body).replace("TAIL", "");
        let (code, err) = refused(dir.path(), &text);
        if ok {
            assert_eq!(code, Some(0), "{set}: {err}");
        } else {
            assert_eq!(code, Some(1), "{set}: {err}");
            assert!(err.contains("error[bad-xperm]"), "{set}: {err}");
        }
    }
}
