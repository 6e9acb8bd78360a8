//! A seed-driven random `policy.conf` generator covering checkpolicy 3.4's base-policy
//! grammar (policy_parse.y) for both targets, in its required section order.
//!
//! Policies are mostly valid, so that a differential test compares output bytes most of
//! the time: contexts are built from the users' roles and the roles' types, ranges stay
//! within the users' ranges, neverallow rules only name a per-class "forbidden"
//! permission that no other rule grants, and type, role and range transitions never
//! conflict on concrete types. A minority of cases is broken on purpose (see
//! [`Breakage`]), and a few mix a tunable with a boolean in one conditional, which makes
//! checkpolicy 3.4 abort.
//!
//! Everything is derived from one `u64` seed by a splitmix64 generator, so a seed alone
//! reproduces a case (`cargo run --example gen_policy -- SEED`).

use std::collections::HashMap;

/// splitmix64: tiny, fast and reproducible; quality is ample for picking grammar paths.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// Up to `max` distinct elements of `xs` (at least one when `xs` is not empty), in
    /// their original order.
    pub fn some<T: Clone>(&mut self, xs: &[T], max: usize) -> Vec<T> {
        if xs.is_empty() {
            return Vec::new();
        }
        let n = self.range(1, max.clamp(1, xs.len()));
        let mut idx: Vec<usize> = (0..xs.len()).collect();
        self.shuffle(&mut idx);
        idx.truncate(n);
        idx.sort_unstable();
        idx.into_iter().map(|i| xs[i].clone()).collect()
    }

    pub fn shuffle<T>(&mut self, xs: &mut [T]) {
        for i in (1..xs.len()).rev() {
            xs.swap(i, self.below(i + 1));
        }
    }
}

/// One generated case: the policy text and checkpolicy's arguments (without `-o` and the
/// input file).
pub struct Case {
    pub policy: String,
    pub args: Vec<String>,
    /// A conditional mixes a tunable and a boolean: checkpolicy 3.4 aborts on it, so the
    /// only expectation is that flaskc refuses it cleanly.
    pub mixes_tunable_and_bool: bool,
    /// What was broken on purpose, if anything (for the report).
    pub breakage: Option<Breakage>,
}

/// Deliberate damage, applied to a minority of cases so that rejection paths (and the
/// reported line) are compared too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Breakage {
    DeleteLine,
    DuplicateLine,
    SwapLines,
    Truncate,
    GarbageToken,
    UndeclaredType,
    StarInAllow,
    NeverallowViolated,
    DeclInElse,
    NeverallowInConditional,
    FilenameTransInConditional,
    MlsWithoutFlag,
    FlagWithoutMls,
    WrongTargetContext,
    U3InConstrain,
    BadXpermRange,
}

const BREAKAGES: [Breakage; 16] = [
    Breakage::DeleteLine,
    Breakage::DuplicateLine,
    Breakage::SwapLines,
    Breakage::Truncate,
    Breakage::GarbageToken,
    Breakage::UndeclaredType,
    Breakage::StarInAllow,
    Breakage::NeverallowViolated,
    Breakage::DeclInElse,
    Breakage::NeverallowInConditional,
    Breakage::FilenameTransInConditional,
    Breakage::MlsWithoutFlag,
    Breakage::FlagWithoutMls,
    Breakage::WrongTargetContext,
    Breakage::U3InConstrain,
    Breakage::BadXpermRange,
];

/// Features a long run can switch off (`FLASKC_GRAMMAR_OFF=xperm,optional,...`) when one
/// frequent divergence would hide everything else: break, mix, defaults, mls, xperm,
/// cond, optional, bounds, neverallow, shuffle, ocontexts, constraints, roledom, version,
/// flags, emptycond (conditionals without rules), mlsusers (MLS constraints naming users, which checkpolicy declares only later),
/// missingperm (requiring an undeclared permission, an error in a base policy), duprt
/// (duplicate role transitions, an error even with the same new role).
#[derive(Default, Clone)]
pub struct Switches {
    pub off: Vec<String>,
}

impl Switches {
    pub fn from_env() -> Self {
        let off = std::env::var("FLASKC_GRAMMAR_OFF").unwrap_or_default();
        Switches {
            off: off
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        }
    }

    fn on(&self, feature: &str) -> bool {
        !self.off.iter().any(|f| f == feature)
    }
}

struct Class {
    name: String,
    perms: Vec<String>,
    /// A permission no rule but a neverallow names, so neverallows hold.
    forbidden: Option<String>,
}

/// Symbols visible to a rule: the global ones plus those of the enclosing optional blocks.
#[derive(Clone, Default)]
struct Scope {
    types: Vec<String>,
    attrs: Vec<String>,
    bools: Vec<String>,
}

struct Gen<'s> {
    rng: Rng,
    sw: &'s Switches,
    xen: bool,
    mls: bool,
    classes: Vec<Class>,
    sids: Vec<String>,
    /// Concrete global types (no aliases), usable in contexts and transitions.
    types: Vec<String>,
    aliases: Vec<(String, usize)>,
    attrs: Vec<String>,
    bools: Vec<String>,
    tunables: Vec<String>,
    roles: Vec<String>,
    role_attrs: Vec<String>,
    role_types: Vec<Vec<usize>>,
    users: Vec<String>,
    user_roles: Vec<Vec<usize>>,
    /// Sensitivities in dominance order, with the highest category each level allows.
    sens: Vec<(String, Option<usize>)>,
    sens_alias: HashMap<usize, String>,
    cats: Vec<String>,
    cat_alias: HashMap<usize, String>,
    /// Type, role and range transition keys already used, with their results, so that
    /// generated transitions never conflict.
    trans: HashMap<String, String>,
    out: Vec<String>,
    depth: usize,
    fresh: usize,
}

const SELINUX_CLASSES: &[(&str, &[&str])] = &[
    ("file", &["execute_no_trans", "entrypoint"]),
    ("dir", &["add_name", "remove_name", "search", "rmdir"]),
    ("lnk_file", &[]),
    ("chr_file", &[]),
    ("blk_file", &[]),
    ("sock_file", &[]),
    ("fifo_file", &[]),
    (
        "process",
        &[
            "fork",
            "transition",
            "sigchld",
            "sigkill",
            "signal",
            "ptrace",
            "getattr",
            "setexec",
            "dyntransition",
        ],
    ),
    ("security", &["compute_av", "load_policy", "setenforce"]),
    (
        "filesystem",
        &["mount", "remount", "unmount", "getattr", "relabelfrom"],
    ),
    ("tcp_socket", &["connectto", "name_connect"]),
    ("udp_socket", &["node_bind"]),
    ("capability", &["chown", "kill", "setuid", "sys_admin"]),
];

const FILE_COMMON: &[&str] = &[
    "ioctl",
    "read",
    "write",
    "create",
    "getattr",
    "setattr",
    "lock",
    "relabelfrom",
    "relabelto",
    "append",
    "unlink",
    "link",
    "rename",
    "execute",
    "open",
];
const SOCKET_COMMON: &[&str] = &[
    "ioctl", "read", "write", "create", "bind", "connect", "listen",
];

const XEN_CLASSES: &[(&str, &[&str])] = &[
    (
        "xen",
        &[
            "settime",
            "tbufcontrol",
            "readconsole",
            "clearconsole",
            "perfcontrol",
            "mtrr_add",
        ],
    ),
    (
        "domain",
        &[
            "setvcpucontext",
            "pause",
            "unpause",
            "resume",
            "create",
            "transition",
            "max_vcpus",
        ],
    ),
    (
        "domain2",
        &[
            "relabelfrom",
            "relabelto",
            "relabelself",
            "make_priv_for",
            "set_as_target",
        ],
    ),
    (
        "hvm",
        &[
            "sethvmc", "gethvmc", "setparam", "getparam", "pcilevel", "irqlevel",
        ],
    ),
    (
        "mmu",
        &[
            "map_read",
            "map_write",
            "pageinfo",
            "pinpage",
            "mfnlist",
            "memorymap",
        ],
    ),
    (
        "resource",
        &[
            "add",
            "remove",
            "use",
            "add_irq",
            "remove_irq",
            "add_ioport",
            "use_iomem",
        ],
    ),
    ("event", &["bind", "send", "status", "create", "reset"]),
    (
        "grant",
        &[
            "map_read",
            "map_write",
            "unmap",
            "transfer",
            "setup",
            "copy",
            "query",
        ],
    ),
    (
        "security",
        &[
            "compute_av",
            "compute_create",
            "load_policy",
            "setenforce",
            "setbool",
        ],
    ),
    (
        "version",
        &["xen_extraversion", "xen_compile_info", "xen_capabilities"],
    ),
    ("shadow", &["enable", "disable", "logdirty"]),
];

/// Generates the case for `seed`.
pub fn generate(seed: u64, sw: &Switches) -> Case {
    let mut rng = Rng::new(seed);
    let xen = rng.chance(25);
    let mls = sw.on("mls") && rng.chance(40);
    let mut g = Gen {
        rng,
        sw,
        xen,
        mls,
        classes: Vec::new(),
        sids: Vec::new(),
        types: Vec::new(),
        aliases: Vec::new(),
        attrs: Vec::new(),
        bools: Vec::new(),
        tunables: Vec::new(),
        roles: Vec::new(),
        role_attrs: Vec::new(),
        role_types: Vec::new(),
        users: Vec::new(),
        user_roles: Vec::new(),
        sens: Vec::new(),
        sens_alias: HashMap::new(),
        cats: Vec::new(),
        cat_alias: HashMap::new(),
        trans: HashMap::new(),
        out: Vec::new(),
        depth: 0,
        fresh: 0,
    };
    let mixes = sw.on("mix") && g.rng.chance(2);
    let breakage = if sw.on("break") && !mixes && g.rng.chance(12) {
        Some(*g.rng.pick(&BREAKAGES))
    } else {
        None
    };
    g.policy(breakage, mixes);
    let args = g.args(breakage);
    let mut lines = std::mem::take(&mut g.out);
    if let Some(b) = breakage {
        g.break_lines(b, &mut lines);
    }
    let mut policy = lines.join("\n");
    policy.push('\n');
    Case {
        policy,
        args,
        mixes_tunable_and_bool: mixes,
        breakage,
    }
}

/// The transition keys a rule over these sources, targets and classes claims.
fn keys(what: &str, s: &[String], t: &[String], c: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for a in s {
        for b in t {
            for k in c {
                out.push(format!("{what} {a} {b} {k}"));
            }
        }
    }
    out
}

/// Braces a list of words unless it is a single one (or forced).
fn set(words: &[String], force: bool) -> String {
    if words.len() == 1 && !force {
        words[0].clone()
    } else {
        format!("{{ {} }}", words.join(" "))
    }
}

impl Gen<'_> {
    fn line(&mut self, s: impl Into<String>) {
        let pad = "    ".repeat(self.depth);
        self.out.push(format!("{pad}{}", s.into()));
    }

    fn args(&mut self, breakage: Option<Breakage>) -> Vec<String> {
        let mut a: Vec<String> = Vec::new();
        let r = &mut self.rng;
        if self.xen {
            a.extend(["-t".into(), "xen".into()]);
            if !self.sw.on("version") || r.chance(70) {
                a.extend(["-c".into(), "30".into()]);
            } else if r.chance(70) {
                a.extend(["-c".into(), "24".into()]);
            } else if r.chance(50) {
                a.extend(["-c".into(), r.range(15, 33).to_string()]);
            }
        } else if self.sw.on("version") && r.chance(25) {
            let v = if r.chance(90) {
                r.range(24, 33)
            } else {
                r.range(15, 23)
            };
            a.extend(["-c".into(), v.to_string()]);
        }
        let mls_flag = match breakage {
            Some(Breakage::MlsWithoutFlag) => false,
            Some(Breakage::FlagWithoutMls) => true,
            _ => self.mls,
        };
        if mls_flag {
            a.push("-M".into());
        }
        if self.sw.on("flags") {
            if r.chance(15) {
                a.extend([
                    "-U".into(),
                    r.pick(&["allow", "deny", "reject"]).to_string(),
                ]);
            }
            for flag in ["-S", "-O", "-E"] {
                if r.chance(10) {
                    a.push(flag.into());
                }
            }
        }
        a
    }

    fn policy(&mut self, breakage: Option<Breakage>, mixes: bool) {
        self.classes_and_sids();
        self.access_vectors();
        if self.sw.on("defaults") && self.rng.chance(30) {
            self.defaults();
        }
        if self.mls && breakage != Some(Breakage::FlagWithoutMls) {
            self.mls_section(breakage);
        } else if breakage == Some(Breakage::FlagWithoutMls) {
            self.mls = false;
        }
        self.te_rbac(breakage, mixes);
        self.users_section();
        if self.sw.on("constraints") && self.rng.chance(50) {
            self.constraints(breakage);
        }
        self.sid_contexts();
        if self.sw.on("ocontexts") {
            self.ocontexts(breakage);
        }
    }

    fn classes_and_sids(&mut self) {
        let pool = if self.xen {
            XEN_CLASSES
        } else {
            SELINUX_CLASSES
        };
        let n = self.rng.range(2, pool.len());
        let mut idx: Vec<usize> = (0..pool.len()).collect();
        self.rng.shuffle(&mut idx[1..]);
        idx.truncate(n);
        // `process` anchors role and range transitions without a class.
        if !self.xen && !idx.contains(&7) && self.rng.chance(90) {
            idx.push(7);
        }
        for &i in &idx {
            let (name, own) = pool[i];
            let mut perms: Vec<String> = own.iter().map(|s| s.to_string()).collect();
            if !self.xen && i <= 6 {
                perms.extend(FILE_COMMON.iter().map(|s| s.to_string()));
            } else if !self.xen && (i == 10 || i == 11) {
                perms.extend(SOCKET_COMMON.iter().map(|s| s.to_string()));
            }
            self.classes.push(Class {
                name: name.to_string(),
                perms,
                forbidden: None,
            });
            self.line(format!("class {name}"));
        }
        let sid_pool: &[&str] = if self.xen {
            &[
                "xen",
                "dom0",
                "domxen",
                "domio",
                "domU",
                "unlabeled",
                "security",
                "irq",
                "iomem",
                "ioport",
                "device",
            ]
        } else {
            &[
                "kernel",
                "security",
                "unlabeled",
                "fs",
                "file",
                "port",
                "netif",
                "netmsg",
                "node",
                "devnull",
            ]
        };
        self.sids = self.rng.some(
            &sid_pool.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            6,
        );
        for s in self.sids.clone() {
            self.line(format!("sid {s}"));
        }
    }

    fn access_vectors(&mut self) {
        let selinux_commons = !self.xen && self.rng.chance(80);
        if selinux_commons {
            self.line(format!("common file {{ {} }}", FILE_COMMON.join(" ")));
            self.line(format!("common socket {{ {} }}", SOCKET_COMMON.join(" ")));
        }
        let xen_common = self.xen && self.rng.chance(20);
        if xen_common {
            self.line("common xcom { xc_read xc_write }");
        }
        for i in 0..self.classes.len() {
            let name = self.classes[i].name.clone();
            let pool = if self.xen {
                XEN_CLASSES
            } else {
                SELINUX_CLASSES
            };
            let own: Vec<String> = pool
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, p)| p.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default();
            let common = if self.classes[i].perms.len() > own.len() {
                Some(if self.classes[i].perms.contains(&"bind".to_string()) {
                    "socket"
                } else {
                    "file"
                })
            } else {
                None
            };
            let text = match common {
                Some(c) if selinux_commons => {
                    if own.is_empty() {
                        format!("class {name} inherits {c}")
                    } else {
                        format!("class {name} inherits {c} {{ {} }}", own.join(" "))
                    }
                }
                Some(_) => {
                    // Without commons the class lists the common's permissions itself.
                    let mut all = own.clone();
                    all.extend(self.classes[i].perms[own.len()..].iter().cloned());
                    format!("class {name} {{ {} }}", all.join(" "))
                }
                None if xen_common && self.rng.chance(30) => {
                    self.classes[i]
                        .perms
                        .extend(["xc_read".into(), "xc_write".into()]);
                    format!("class {name} inherits xcom {{ {} }}", own.join(" "))
                }
                None => format!("class {name} {{ {} }}", own.join(" ")),
            };
            self.line(text);
            if self.classes[i].perms.len() >= 2 && self.rng.chance(40) {
                let p = self.rng.pick(&self.classes[i].perms).clone();
                self.classes[i].forbidden = Some(p);
            }
        }
    }

    fn class_names(&self) -> Vec<String> {
        self.classes.iter().map(|c| c.name.clone()).collect()
    }

    fn defaults(&mut self) {
        let names = self.class_names();
        for kw in [
            "default_user",
            "default_role",
            "default_type",
            "default_range",
        ] {
            if !self.rng.chance(50) {
                continue;
            }
            let cls = self.rng.some(&names, 3);
            let which = if kw == "default_range" {
                let r = &mut self.rng;
                if r.chance(15) {
                    "glblub".to_string()
                } else {
                    format!(
                        "{} {}",
                        r.pick(&["source", "target"]),
                        r.pick(&["low", "high", "low-high"])
                    )
                }
            } else {
                self.rng.pick(&["source", "target"]).to_string()
            };
            self.line(format!("{kw} {} {which};", set(&cls, false)));
        }
    }

    fn mls_section(&mut self, breakage: Option<Breakage>) {
        let ns = self.rng.range(1, 4);
        let nc = self.rng.range(0, 8);
        for i in 0..ns {
            let name = format!("s{i}");
            if self.rng.chance(25) {
                let alias = format!("sa{i}");
                self.sens_alias.insert(i, alias.clone());
                let text = if self.rng.chance(50) {
                    format!("alias {{ {alias} }}")
                } else {
                    format!("alias {alias}")
                };
                self.line(format!("sensitivity {name} {text};"));
            } else {
                self.line(format!("sensitivity {name};"));
            }
        }
        // The dominance order need not follow declaration order.
        let mut order: Vec<usize> = (0..ns).collect();
        if self.rng.chance(30) {
            self.rng.shuffle(&mut order);
        }
        let names: Vec<String> = order.iter().map(|i| format!("s{i}")).collect();
        if ns == 1 && self.rng.chance(50) {
            self.line(format!("dominance {}", names[0]));
        } else {
            self.line(format!("dominance {{ {} }}", names.join(" ")));
        }
        for i in 0..nc {
            if self.rng.chance(20) {
                let alias = format!("ca{i}");
                self.cat_alias.insert(i, alias.clone());
                self.line(format!("category c{i} alias {alias};"));
            } else {
                self.line(format!("category c{i};"));
            }
            self.cats.push(format!("c{i}"));
        }
        // Higher sensitivities allow at least the categories of lower ones.
        let mut top: Option<usize> = None;
        for (k, &i) in order.iter().enumerate() {
            if nc > 0 && (k == ns - 1 || self.rng.chance(60)) {
                let lo = top.map_or(0, |t| t);
                let t = if k == ns - 1 {
                    nc - 1
                } else {
                    self.rng.range(lo, nc - 1)
                };
                top = Some(t);
            }
            self.sens.push((format!("s{i}"), top));
        }
        let mut levels: Vec<String> = Vec::new();
        for (k, (s, t)) in self.sens.clone().iter().enumerate() {
            let name = if self.rng.chance(20) {
                self.sens_alias.get(&order[k]).cloned().unwrap_or(s.clone())
            } else {
                s.clone()
            };
            levels.push(match t {
                None => format!("level {name};"),
                Some(0) => format!("level {name}:c0;"),
                Some(t) if self.rng.chance(20) && *t >= 2 => {
                    format!("level {name}:c0,c1.c{t};")
                }
                Some(t) => format!("level {name}:c0.c{t};"),
            });
        }
        if self.rng.chance(20) {
            self.rng.shuffle(&mut levels);
        }
        for l in levels {
            self.line(l);
        }
        let n = self.rng.range(1, 3);
        for _ in 0..n {
            if self.rng.chance(70) {
                let (cls, perms) = self.class_and_perms_for_constraint();
                let e = self.cexpr(true, false, 0, breakage);
                self.line(format!("mlsconstrain {cls} {perms} {e};"));
            } else {
                let cls = set(&self.rng.some(&self.class_names(), 3), false);
                let e = self.cexpr(true, true, 0, breakage);
                self.line(format!("mlsvalidatetrans {cls} {e};"));
            }
        }
    }

    /// A constraint's classes and permissions common to all of them.
    fn class_and_perms_for_constraint(&mut self) -> (String, String) {
        let mut cls = self.rng.some(&self.classes.iter().collect::<Vec<_>>(), 2);
        let mut perms = cls[0].perms.clone();
        perms.retain(|p| cls.iter().all(|c| c.perms.contains(p)));
        if perms.is_empty() {
            cls.truncate(1);
            perms = cls[0].perms.clone();
        }
        let names: Vec<String> = cls.iter().map(|c| c.name.clone()).collect();
        let ps = self.rng.some(&perms, 3);
        (set(&names, false), set(&ps, false))
    }

    fn cexpr(&mut self, mls: bool, vt: bool, depth: usize, breakage: Option<Breakage>) -> String {
        if depth < 3 && self.rng.chance(35) {
            let a = self.cexpr(mls, vt, depth + 1, breakage);
            let b = self.cexpr(mls, vt, depth + 1, breakage);
            let op = *self.rng.pick(&["and", "or", "&&", "||"]);
            return format!("({a} {op} {b})");
        }
        if depth < 3 && self.rng.chance(10) {
            let a = self.cexpr(mls, vt, depth + 1, breakage);
            return format!("{} ( {a} )", self.rng.pick(&["not", "!"]));
        }
        let eq = *self.rng.pick(&["==", "!=", "eq"]);
        let mlsop = *self.rng.pick(&["==", "!=", "eq", "dom", "domby", "incomp"]);
        if mls && self.rng.chance(60) {
            let pair = *self.rng.pick(&[
                ("l1", "l2"),
                ("l1", "h2"),
                ("h1", "l2"),
                ("h1", "h2"),
                ("l1", "h1"),
                ("l2", "h2"),
            ]);
            return format!("{} {mlsop} {}", pair.0, pair.1);
        }
        let three = vt || breakage == Some(Breakage::U3InConstrain);
        match self.rng.below(8) {
            0 => format!("u1 {eq} u2"),
            1 => format!("r1 {mlsop} r2"),
            2 => format!("t1 {eq} t2"),
            3 if !mls || (self.sw.on("mlsusers") && self.rng.chance(20)) => {
                let who = if three && self.rng.chance(30) {
                    "u3"
                } else {
                    *self.rng.pick(&["u1", "u2"])
                };
                let us = self.rng.some(&self.users_or_default(), 2);
                format!("{who} {eq} {}", set(&us, false))
            }
            4 => {
                let who = if three && self.rng.chance(30) {
                    "r3"
                } else {
                    *self.rng.pick(&["r1", "r2"])
                };
                let mut pool = self.roles_or_default();
                pool.extend(self.role_attrs.clone());
                let rs = self.rng.some(&pool, 2);
                format!("{who} {eq} {}", set(&rs, false))
            }
            5 => {
                let who = if three && self.rng.chance(30) {
                    "t3"
                } else {
                    *self.rng.pick(&["t1", "t2"])
                };
                let mut pool = self.types_or_default();
                pool.extend(self.attrs.clone());
                // `names_push` takes no `-` negation.
                let ts = self.rng.some(&pool, 3);
                format!("{who} {eq} {}", set(&ts, false))
            }
            6 if self.rng.chance(30) => "sameuser".into(),
            6 => {
                let dir = *self.rng.pick(&["source", "target"]);
                let t = self.rng.pick(&self.types_or_default()).clone();
                format!("{dir} type {t}")
            }
            _ => format!("u1 {eq} u2"),
        }
    }

    // Constraints and MLS statements come before types, roles and users are declared in
    // the text; their names are fixed in advance so that the expressions can name them.
    fn users_or_default(&self) -> Vec<String> {
        vec!["us0".into(), "us1".into()]
    }
    fn roles_or_default(&self) -> Vec<String> {
        vec!["ro0".into(), "ro1".into()]
    }
    fn types_or_default(&self) -> Vec<String> {
        vec!["ty0".into(), "ty1".into(), "ty2".into()]
    }

    fn te_rbac(&mut self, breakage: Option<Breakage>, mixes: bool) {
        let mut stmts: Vec<Vec<String>> = Vec::new();
        let nt = self.rng.range(3, 10);
        let na = self.rng.range(0, 4);
        self.attrs = (0..na).map(|i| format!("at{i}")).collect();
        self.types = (0..nt).map(|i| format!("ty{i}")).collect();
        // Declarations.
        if self.rng.chance(30) {
            for cap in self.rng.some(flaskc::policydb::POLICYCAPS, 3) {
                stmts.push(vec![format!("policycap {cap};")]);
            }
        }
        for a in self.attrs.clone() {
            stmts.push(vec![format!("attribute {a};")]);
        }
        let mut alias_n = 0;
        for t in 0..nt {
            let mut text = format!("type ty{t}");
            if self.rng.chance(20) {
                let k = self.rng.range(1, 2);
                let names: Vec<String> = (0..k).map(|j| format!("ta{}", alias_n + j)).collect();
                for n in &names {
                    self.aliases.push((n.clone(), t));
                }
                alias_n += k;
                text += &format!(" alias {}", set(&names, self.rng.chance(30)));
            }
            if na > 0 && self.rng.chance(50) {
                let attrs = self.rng.some(&(0..na).collect::<Vec<_>>(), 2);
                let names: Vec<String> = attrs.iter().map(|a| format!("at{a}")).collect();
                text += &format!(", {}", names.join(", "));
            }
            stmts.push(vec![text + ";"]);
        }
        for _ in 0..self.rng.range(0, 2) {
            let t = self.rng.below(nt);
            let name = format!("ta{alias_n}");
            alias_n += 1;
            self.aliases.push((name.clone(), t));
            stmts.push(vec![format!("typealias ty{t} alias {name};")]);
        }
        for _ in 0..self.rng.range(0, 3) {
            if na == 0 {
                break;
            }
            let t = self.rng.below(nt);
            let tname = self.type_or_alias(t);
            let attrs = self.rng.some(&self.attrs.clone(), 2);
            stmts.push(vec![format!("typeattribute {tname} {};", attrs.join(", "))]);
        }
        if na > 0 && self.rng.chance(30) {
            let a = self.rng.some(&self.attrs.clone(), 2);
            let v = self.rng.pick(&["true", "false"]).to_string();
            stmts.push(vec![format!("expandattribute {} {v};", set(&a, false))]);
        }
        if self.sw.on("bounds") && self.rng.chance(5) && nt >= 2 {
            stmts.push(vec![format!("typebounds ty0 ty{};", nt - 1)]);
        }
        if self.rng.chance(15) {
            let t = self.rng.below(nt);
            stmts.push(vec![format!("permissive {};", self.type_or_alias(t))]);
        }
        let nb = self.rng.range(usize::from(mixes), 4);
        for i in 0..nb {
            let v = self.rng.pick(&["true", "false"]).to_string();
            self.bools.push(format!("bo{i}"));
            stmts.push(vec![format!("bool bo{i} {v};")]);
        }
        let ntun = if self.rng.chance(30) || mixes {
            self.rng.range(1, 3)
        } else {
            0
        };
        for i in 0..ntun {
            let v = self.rng.pick(&["true", "false"]).to_string();
            self.tunables.push(format!("tu{i}"));
            stmts.push(vec![format!("tunable tu{i} {v};")]);
        }
        // Roles: ro0 and ro1 always exist (constraints name them).
        let nr = self.rng.range(2, 5);
        self.roles = (0..nr).map(|i| format!("ro{i}")).collect();
        self.role_types = vec![Vec::new(); nr];
        let nra = if self.rng.chance(30) {
            self.rng.range(1, 2)
        } else {
            0
        };
        self.role_attrs = (0..nra).map(|i| format!("ra{i}")).collect();
        for ra in self.role_attrs.clone() {
            stmts.push(vec![format!("attribute_role {ra};")]);
        }
        for r in 0..nr {
            if nra > 0 && self.rng.chance(30) {
                let ra = self.rng.some(&self.role_attrs.clone(), 2);
                stmts.push(vec![format!("role ro{r}, {};", ra.join(", "))]);
            } else {
                stmts.push(vec![format!("role ro{r};")]);
            }
            // Several `role R types` statements for one role.
            for _ in 0..self.rng.range(0, 2) {
                let ts = self.rng.some(&(0..nt).collect::<Vec<_>>(), 3);
                self.role_types[r].extend(&ts);
                let mut names: Vec<String> = ts.iter().map(|&t| self.type_or_alias(t)).collect();
                if na > 0 && self.rng.chance(20) {
                    names.push(self.rng.pick(&self.attrs.clone()).clone());
                }
                stmts.push(vec![format!("role ro{r} types {};", set(&names, false))]);
            }
            if nra > 0 && self.rng.chance(20) {
                let ra = self.rng.pick(&self.role_attrs.clone()).clone();
                stmts.push(vec![format!("roleattribute ro{r} {ra};")]);
            }
        }
        if self.sw.on("roledom") && self.rng.chance(5) {
            stmts.push(vec![format!(
                "dominance {{ role rd0 {{ role ro{}; }} }}",
                nr - 1
            )]);
        }
        let decl_count = stmts.len();
        // Rules.
        let scope = Scope {
            types: self.types.clone(),
            attrs: self.attrs.clone(),
            bools: self.bools.clone(),
        };
        for _ in 0..self.rng.range(2, 14) {
            let mut s = Vec::new();
            std::mem::swap(&mut s, &mut self.out);
            self.rule(&scope, false, breakage);
            std::mem::swap(&mut s, &mut self.out);
            stmts.push(s);
        }
        for _ in 0..self.rng.range(0, 2) {
            let rs = self.rng.some(&self.roles.clone(), 2);
            let mut ts = self.rng.some(&self.roles.clone(), 2);
            ts.extend(self.rng.some(&self.role_attrs.clone(), 1));
            stmts.push(vec![format!(
                "allow {} {};",
                set(&rs, false),
                set(&ts, false)
            )]);
        }
        for _ in 0..self.rng.range(0, 2) {
            if let Some(s) = self.role_transition() {
                stmts.push(vec![s]);
            }
        }
        let nconds = if self.sw.on("cond") {
            self.rng.range(0, 3)
        } else {
            0
        };
        for k in 0..nconds {
            let mut s = Vec::new();
            std::mem::swap(&mut s, &mut self.out);
            self.conditional(&scope, breakage, mixes && k == 0);
            std::mem::swap(&mut s, &mut self.out);
            stmts.push(s);
        }
        if mixes && nconds == 0 {
            let mut s = Vec::new();
            std::mem::swap(&mut s, &mut self.out);
            self.conditional(&scope, breakage, true);
            std::mem::swap(&mut s, &mut self.out);
            stmts.push(s);
        }
        let nopt = if self.sw.on("optional") {
            self.rng.range(0, 3)
        } else {
            0
        };
        for k in 0..nopt {
            let mut s = Vec::new();
            std::mem::swap(&mut s, &mut self.out);
            self.optional(&scope, breakage, k == 0);
            std::mem::swap(&mut s, &mut self.out);
            stmts.push(s);
        }
        if self.rng.chance(10) {
            stmts.push(vec![";".into()]);
        }
        // checkpolicy declares in pass 1 and resolves in pass 2: the order of
        // declarations and rules is free, and sometimes shuffled.
        if self.sw.on("shuffle") && self.rng.chance(5) {
            self.rng.shuffle(&mut stmts);
        } else if self.rng.chance(30) {
            self.rng.shuffle(&mut stmts[decl_count..]);
        }
        for s in stmts {
            self.out.extend(s);
        }
    }

    fn type_or_alias(&mut self, t: usize) -> String {
        let aliases: Vec<String> = self
            .aliases
            .iter()
            .filter(|(_, x)| *x == t)
            .map(|(a, _)| a.clone())
            .collect();
        if !aliases.is_empty() && self.rng.chance(25) {
            self.rng.pick(&aliases).clone()
        } else {
            self.types[t].clone()
        }
    }

    /// A type set: names, attributes, aliases, negations, nesting, and (where `star`) `*`
    /// and `~`.
    fn type_set(&mut self, scope: &Scope, allow_self: bool, star: bool) -> String {
        if star && self.rng.chance(15) {
            return if self.rng.chance(50) {
                "*".into()
            } else {
                let t = self.rng.pick(&scope.types).clone();
                format!("~{t}")
            };
        }
        let mut pool: Vec<String> = scope.types.clone();
        pool.extend(scope.attrs.iter().cloned());
        pool.extend(self.aliases.iter().map(|(a, _)| a.clone()));
        let mut words = self.rng.some(&pool, 3);
        if allow_self && self.rng.chance(25) {
            words.push("self".into());
        }
        if self.rng.chance(15) {
            let n = self.rng.pick(&pool).clone();
            words.push(format!("-{n}"));
        }
        if words.len() > 1 && self.rng.chance(10) {
            let last = words.pop().unwrap_or_default();
            words.push(format!("{{ {last} }}"));
        }
        if star && self.rng.chance(10) {
            return format!("~{}", set(&words, true));
        }
        set(&words, self.rng.chance(10))
    }

    /// Classes and a permission set valid for all of them. With `grant`, the classes'
    /// forbidden permissions stay out (unless `violate`).
    fn classes_perms(&mut self, grant: bool, violate: bool) -> (String, String) {
        let mut cls: Vec<usize> = self
            .rng
            .some(&(0..self.classes.len()).collect::<Vec<_>>(), 2);
        let mut common = self.classes[cls[0]].perms.clone();
        common.retain(|p| cls.iter().all(|&c| self.classes[c].perms.contains(p)));
        let shared_grantable = common.iter().any(|p| {
            cls.iter()
                .all(|&c| self.classes[c].forbidden.as_ref() != Some(p))
        });
        if !shared_grantable {
            // A class alone always has a grantable permission (it has two or more).
            cls.truncate(1);
            common = self.classes[cls[0]].perms.clone();
        }
        let forbidden: Vec<String> = cls
            .iter()
            .filter_map(|&c| self.classes[c].forbidden.clone())
            .collect();
        let names: Vec<String> = cls.iter().map(|&c| self.classes[c].name.clone()).collect();
        let cls_text = set(&names, self.rng.chance(10));
        let mut usable = common.clone();
        if grant && !violate {
            usable.retain(|p| !forbidden.contains(p));
        }
        let all_forbidden_common = forbidden.iter().all(|f| common.contains(f));
        let roll = self.rng.below(100);
        let perms = if roll < 8 && (forbidden.is_empty() || !grant || violate) {
            "*".to_string()
        } else if roll < 18 && (!grant || violate || all_forbidden_common) {
            let mut listed = self.rng.some(&common, 2);
            if grant && !violate {
                for f in &forbidden {
                    if !listed.contains(f) {
                        listed.push(f.clone());
                    }
                }
            }
            format!("~{}", set(&listed, false))
        } else {
            let ps = self.rng.some(&usable, 4);
            set(&ps, self.rng.chance(10))
        };
        (cls_text, perms)
    }

    /// One rule as it may appear at top level or in an optional block (`in_cond`
    /// restricts it to what conditionals take).
    fn rule(&mut self, scope: &Scope, in_cond: bool, breakage: Option<Breakage>) {
        let roll = self.rng.below(100);
        if roll < 55 {
            self.av_rule(scope, breakage);
        } else if roll < 75 {
            self.type_rule(scope, in_cond);
        } else if roll < 83 && !in_cond && self.sw.on("neverallow") {
            self.neverallow(scope);
        } else if roll < 91 && !in_cond && self.sw.on("xperm") && (!self.xen || self.rng.chance(5))
        {
            self.xperm_rule(scope, breakage);
        } else if roll < 96 && !in_cond && self.mls {
            self.range_transition();
        } else {
            self.av_rule(scope, breakage);
        }
    }

    fn av_rule(&mut self, scope: &Scope, breakage: Option<Breakage>) {
        let kw = *self.rng.pick(&[
            "allow",
            "allow",
            "allow",
            "auditallow",
            "dontaudit",
            "auditdeny",
        ]);
        let grant = kw == "allow";
        let violate = breakage == Some(Breakage::NeverallowViolated) && self.rng.chance(50);
        let star = breakage == Some(Breakage::StarInAllow) && self.rng.chance(30);
        let mut src = self.type_set(scope, false, star);
        let tgt = self.type_set(scope, true, false);
        if breakage == Some(Breakage::UndeclaredType) && self.rng.chance(30) {
            src = "nosuchtype".into();
        }
        let (cls, perms) = self.classes_perms(grant, violate);
        self.line(format!("{kw} {src} {tgt} : {cls} {perms};"));
    }

    /// Concrete source and target types for a transition, with the key it claims.
    fn concrete_pair(&mut self) -> (Vec<String>, Vec<String>) {
        let s = self.rng.some(&self.types.clone(), 2);
        let t = self.rng.some(&self.types.clone(), 2);
        (s, t)
    }

    /// Claims `keys` for `result`; false when one of them is taken.
    fn claim(&mut self, keys: &[String], result: &str) -> bool {
        if keys.iter().any(|k| self.trans.contains_key(k)) {
            return false;
        }
        for k in keys {
            self.trans.insert(k.clone(), result.to_string());
        }
        true
    }

    fn type_rule(&mut self, scope: &Scope, in_cond: bool) {
        let kw = *self.rng.pick(&[
            "type_transition",
            "type_transition",
            "type_member",
            "type_change",
        ]);
        let named = kw == "type_transition" && !in_cond && self.rng.chance(25);
        let name = format!("\"n{}.x\"", self.rng.below(3));
        // Mostly concrete types, so conflicts can be avoided; sometimes any set.
        if self.rng.chance(8) {
            let s = self.type_set(scope, false, false);
            let t = self.type_set(scope, true, false);
            let c = self.rng.pick(&self.class_names()).clone();
            let new = self.rng.pick(&self.types.clone()).clone();
            let suffix = if named {
                format!(" {name}")
            } else {
                String::new()
            };
            self.line(format!("{kw} {s} {t} : {c} {new}{suffix};"));
            return;
        }
        let (s, t) = self.concrete_pair();
        let cls = self.rng.some(&self.class_names(), 2);
        let new = self.rng.pick(&self.types.clone()).clone();
        let what = if named {
            format!("name {name}")
        } else {
            kw.to_string()
        };
        let keys = keys(&what, &s, &t, &cls);
        // The same rule again in another block (optional, conditional) is a "duplicate
        // TE rule" for checkpolicy, so every key is claimed once.
        if !self.claim(&keys, &new) {
            return;
        }
        let suffix = if named {
            format!(" {name}")
        } else {
            String::new()
        };
        self.line(format!(
            "{kw} {} {} : {} {new}{suffix};",
            set(&s, false),
            set(&t, false),
            set(&cls, false)
        ));
    }

    fn neverallow(&mut self, scope: &Scope) {
        let with: Vec<usize> = (0..self.classes.len())
            .filter(|&c| self.classes[c].forbidden.is_some())
            .collect();
        if with.is_empty() {
            return;
        }
        let c = *self.rng.pick(&with);
        let class = &self.classes[c];
        let f = class.forbidden.clone().unwrap_or_default();
        let perms = if self.rng.chance(25) && class.perms.len() > 1 {
            let others: Vec<String> = class.perms.iter().filter(|p| **p != f).cloned().collect();
            format!("~{}", set(&others, true))
        } else {
            f
        };
        let name = class.name.clone();
        let s = self.type_set(scope, false, true);
        let t = self.type_set(scope, true, true);
        self.line(format!("neverallow {s} {t} : {name} {perms};"));
    }

    fn xperm_rule(&mut self, scope: &Scope, breakage: Option<Breakage>) {
        let kw = *self.rng.pick(&[
            "allowxperm",
            "auditallowxperm",
            "dontauditxperm",
            "neverallowxperm",
        ]);
        let s = self.type_set(scope, false, false);
        let t = self.type_set(scope, true, false);
        let with_ioctl: Vec<String> = self
            .classes
            .iter()
            .filter(|c| c.perms.iter().any(|p| p == "ioctl"))
            .map(|c| c.name.clone())
            .collect();
        let cls = if with_ioctl.is_empty() || self.rng.chance(3) {
            self.rng.pick(&self.class_names()).clone()
        } else {
            set(&self.rng.some(&with_ioctl, 2), false)
        };
        let mut items = Vec::new();
        for _ in 0..self.rng.range(1, 4) {
            let base = if self.rng.chance(50) {
                0x8900
            } else {
                self.rng.below(0x10000)
            };
            let lo = base + self.rng.below(0x40);
            if self.rng.chance(40) {
                let hi = lo + self.rng.below(0x300);
                if breakage == Some(Breakage::BadXpermRange) {
                    items.push(format!("{hi:#x}-{lo:#x}"));
                } else {
                    items.push(format!("{lo:#x}-{hi:#x}"));
                }
            } else if self.rng.chance(10) {
                items.push(format!("{lo}"));
            } else {
                items.push(format!("{lo:#x}"));
            }
        }
        // A lone range needs braces (`xperms : xperm | nested_xperm_set`).
        let body = if items.len() == 1 && !items[0].contains('-') && self.rng.chance(50) {
            items[0].clone()
        } else {
            format!("{{ {} }}", items.join(" "))
        };
        let tilde = if self.rng.chance(15) { "~" } else { "" };
        self.line(format!("{kw} {s} {t} : {cls} ioctl {tilde}{body};"));
    }

    /// A range within every user's range: low and high levels of ordered sensitivities,
    /// with the high level's categories covering the low one's.
    fn range(&mut self) -> String {
        let n = self.sens.len();
        let i = self.rng.below(n);
        let j = self.rng.range(i, n - 1);
        let low = self.level(i, None);
        if self.rng.chance(30) {
            return low.0;
        }
        let high = self.level(j, low.1);
        format!("{} - {}", low.0, high.0)
    }

    /// A level at sensitivity `k` with categories up to what it allows, covering `at_least`.
    fn level(&mut self, k: usize, at_least: Option<usize>) -> (String, Option<usize>) {
        let (name, top) = self.sens[k].clone();
        let sname = if self.rng.chance(15) {
            let idx: usize = name[1..].parse().unwrap_or(0);
            self.sens_alias.get(&idx).cloned().unwrap_or(name)
        } else {
            name
        };
        let Some(top) = top else {
            return (sname, None);
        };
        if at_least.is_none() && self.rng.chance(40) {
            return (sname, None);
        }
        let lo = at_least.unwrap_or(0);
        let hi = self.rng.range(lo, top);
        let c0 = if self.rng.chance(15) {
            self.cat_alias.get(&0).cloned().unwrap_or("c0".into())
        } else {
            "c0".into()
        };
        let text = if hi == 0 {
            format!("{sname}:{c0}")
        } else if self.rng.chance(25) {
            let mut v: Vec<String> = (0..=hi).map(|c| format!("c{c}")).collect();
            v[0] = c0;
            format!("{sname}:{}", v.join(","))
        } else {
            format!("{sname}:{c0}.c{hi}")
        };
        (text, Some(hi))
    }

    fn range_transition(&mut self) {
        let (s, t) = self.concrete_pair();
        let has_process = self.classes.iter().any(|c| c.name == "process");
        let cls = if has_process && self.rng.chance(40) {
            None
        } else {
            Some(self.rng.some(&self.class_names(), 2))
        };
        let cnames = cls.clone().unwrap_or(vec!["process".into()]);
        let r = self.range();
        let keys = keys("range", &s, &t, &cnames);
        if !self.claim(&keys, &r) {
            return;
        }
        let c = cls.map_or(String::new(), |c| format!(" : {}", set(&c, false)));
        self.line(format!(
            "range_transition {} {}{c} {r};",
            set(&s, false),
            set(&t, false)
        ));
    }

    fn role_transition(&mut self) -> Option<String> {
        let rs = self.rng.some(&self.roles.clone(), 2);
        let ts = self.rng.some(&self.types.clone(), 2);
        let has_process = self.classes.iter().any(|c| c.name == "process");
        let cls = if (has_process && self.rng.chance(50)) || self.rng.chance(5) {
            None
        } else {
            Some(self.rng.some(&self.class_names(), 2))
        };
        let cnames = cls.clone().unwrap_or(vec!["process".into()]);
        let new = self.rng.pick(&self.roles.clone()).clone();
        let keys = keys("role", &rs, &ts, &cnames);
        let dup = self.sw.on("duprt") && self.rng.chance(10);
        if !self.claim(&keys, &new) && !dup {
            return None;
        }
        let c = cls.map_or(String::new(), |c| format!(" : {}", set(&c, false)));
        Some(format!(
            "role_transition {} {}{c} {new};",
            set(&rs, false),
            set(&ts, false)
        ))
    }

    /// A boolean expression over `names` (at most five distinct ones, checkpolicy's limit).
    fn cond_expr(&mut self, names: &[String], depth: usize) -> String {
        if depth < 3 && self.rng.chance(40) {
            let a = self.cond_expr(names, depth + 1);
            let b = self.cond_expr(names, depth + 1);
            let op = *self
                .rng
                .pick(&["&&", "||", "^", "==", "!=", "and", "or", "xor", "eq"]);
            return format!("({a} {op} {b})");
        }
        if self.rng.chance(15) {
            let a = self.cond_expr(names, depth + 1);
            return format!("!{a}");
        }
        self.rng.pick(names).clone()
    }

    fn conditional(&mut self, scope: &Scope, breakage: Option<Breakage>, mix: bool) {
        let use_tunables = !self.tunables.is_empty() && (mix || self.rng.chance(30));
        let mut names: Vec<String> = if use_tunables && !mix {
            self.tunables.clone()
        } else {
            scope.bools.clone()
        };
        if mix {
            names = self.rng.some(&names, 2);
            names.push(self.tunables[0].clone());
        }
        if names.is_empty() {
            return;
        }
        let names = self.rng.some(&names, 5);
        let mut e = self.cond_expr(&names, 0);
        if mix && !e.contains(&self.tunables[0]) {
            e = format!("({e} && {})", self.tunables[0]);
        }
        if mix && !e.contains("bo") && !self.bools.is_empty() {
            e = format!("({e} || {})", self.bools[0]);
        }
        let e = if e.starts_with('(') {
            e
        } else {
            format!("({e})")
        };
        self.line(format!("if {e} {{"));
        self.depth += 1;
        for _ in 0..self.rng.range(usize::from(!self.sw.on("emptycond")), 3) {
            self.rule(scope, true, breakage);
        }
        if breakage == Some(Breakage::NeverallowInConditional) {
            self.neverallow(scope);
        }
        if breakage == Some(Breakage::FilenameTransInConditional) {
            let t = self.types[0].clone();
            let c = self.classes[0].name.clone();
            self.line(format!("type_transition {t} {t} : {c} {t} \"f\";"));
        }
        self.depth -= 1;
        if self.rng.chance(40) {
            self.line("} else {");
            self.depth += 1;
            for _ in 0..self.rng.range(1, 3) {
                self.rule(scope, true, breakage);
            }
            self.depth -= 1;
        }
        self.line("}");
    }

    fn optional(&mut self, outer: &Scope, breakage: Option<Breakage>, first: bool) {
        let mut scope = outer.clone();
        self.line("optional {");
        self.depth += 1;
        if self.rng.chance(70) {
            self.require(&scope);
        }
        if self.rng.chance(40) {
            self.fresh += 1;
            let t = format!("tyo{}", self.fresh);
            let attr = if !scope.attrs.is_empty() && self.rng.chance(40) {
                format!(", {}", self.rng.pick(&scope.attrs).clone())
            } else {
                String::new()
            };
            self.line(format!("type {t}{attr};"));
            scope.types.push(t.clone());
            if self.rng.chance(40) {
                let r = self.rng.pick(&self.roles.clone()).clone();
                self.line(format!("role {r} types {t};"));
            }
        }
        if self.rng.chance(20) {
            self.fresh += 1;
            let b = format!("boo{}", self.fresh);
            let v = *self.rng.pick(&["true", "false"]);
            self.line(format!("bool {b} {v};"));
            scope.bools.push(b);
        }
        if self.rng.chance(15) {
            self.fresh += 1;
            let a = format!("ato{}", self.fresh);
            self.line(format!("attribute {a};"));
            scope.attrs.push(a);
        }
        for _ in 0..self.rng.range(1, 4) {
            self.rule(&scope, false, breakage);
        }
        if self.sw.on("cond") && self.rng.chance(25) {
            self.conditional(&scope, breakage, false);
        }
        if self.depth < 3 && self.rng.chance(20) {
            self.optional(&scope, breakage, false);
        }
        self.depth -= 1;
        if self.rng.chance(40) || (first && breakage == Some(Breakage::DeclInElse)) {
            self.line("} else {");
            self.depth += 1;
            if first && breakage == Some(Breakage::DeclInElse) {
                self.line("type tyelse;");
            }
            for _ in 0..self.rng.range(1, 3) {
                self.rule(outer, false, breakage);
            }
            self.depth -= 1;
        }
        self.line("}");
    }

    /// A require block, sometimes naming a missing symbol or permission, which disables
    /// the optional instead of failing.
    fn require(&mut self, scope: &Scope) {
        self.line("require {");
        self.depth += 1;
        let missing = self.rng.chance(25);
        let ts = self.rng.some(&scope.types, 2);
        let mut ts = ts;
        if missing && self.rng.chance(50) {
            ts.push("missing_t".into());
        }
        self.line(format!("type {};", ts.join(", ")));
        if !scope.attrs.is_empty() && self.rng.chance(40) {
            let a = self.rng.some(&scope.attrs, 2);
            self.line(format!("attribute {};", a.join(", ")));
        }
        if self.rng.chance(50) {
            let c = self.rng.below(self.classes.len());
            let mut ps = self.rng.some(&self.classes[c].perms.clone(), 3);
            if missing && self.sw.on("missingperm") && self.rng.chance(10) {
                ps.push("missing_perm".into());
            }
            let name = self.classes[c].name.clone();
            let text = set(&ps, self.rng.chance(50));
            self.line(format!("class {name} {text};"));
        }
        if self.rng.chance(30) {
            let r = self.rng.some(&self.roles.clone(), 2);
            self.line(format!("role {};", r.join(", ")));
        }
        if !scope.bools.is_empty() && self.rng.chance(30) {
            let b = self.rng.some(&scope.bools, 2);
            self.line(format!("bool {};", b.join(", ")));
        }
        if !self.tunables.is_empty() && self.rng.chance(10) {
            self.line(format!("tunable {};", self.tunables[0]));
        }
        if !self.role_attrs.is_empty() && self.rng.chance(15) {
            self.line(format!("attribute_role {};", self.role_attrs[0]));
        }
        if self.rng.chance(10) {
            self.line("user us0;");
        }
        if self.mls && self.rng.chance(10) {
            self.line(format!("sensitivity {};", self.sens[0].0));
            if !self.cats.is_empty() {
                self.line("category c0;");
            }
        }
        self.depth -= 1;
        self.line("}");
    }

    fn users_section(&mut self) {
        let nu = self.rng.range(2, 4);
        for u in 0..nu {
            let rs: Vec<usize> = self.rng.some(&(0..self.roles.len()).collect::<Vec<_>>(), 3);
            let names: Vec<String> = rs.iter().map(|&r| self.roles[r].clone()).collect();
            let mls = if self.mls {
                let n = self.sens.len();
                let (lowest, _) = self.sens[0].clone();
                let high = self.level_full(n - 1);
                format!(" level {lowest} range {lowest} - {high}")
            } else {
                String::new()
            };
            self.users.push(format!("us{u}"));
            self.user_roles.push(rs);
            let roles = set(&names, self.rng.chance(20));
            self.line(format!("user us{u} roles {roles}{mls};"));
        }
    }

    /// The highest level at sensitivity `k`: all the categories it allows.
    fn level_full(&self, k: usize) -> String {
        match &self.sens[k] {
            (s, None) => s.clone(),
            (s, Some(0)) => format!("{s}:c0"),
            (s, Some(t)) => format!("{s}:c0.c{t}"),
        }
    }

    fn constraints(&mut self, breakage: Option<Breakage>) {
        for _ in 0..self.rng.range(1, 3) {
            if self.rng.chance(70) {
                let (cls, perms) = self.class_and_perms_for_constraint();
                let e = self.cexpr(false, false, 0, breakage);
                self.line(format!("constrain {cls} {perms} {e};"));
            } else {
                let cls = set(&self.rng.some(&self.class_names(), 2), false);
                let e = self.cexpr(false, true, 0, breakage);
                self.line(format!("validatetrans {cls} {e};"));
            }
        }
    }

    /// A context valid for the policy: the user has the role, the role the type (or the
    /// role is object_r), the range is within the user's.
    fn context(&mut self) -> String {
        let u = self.rng.below(self.users.len());
        let user = self.users[u].clone();
        let role_idx = *self.rng.pick(&self.user_roles[u].clone());
        let (role, ty) = if self.role_types[role_idx].is_empty() || self.rng.chance(40) {
            let t = self.rng.below(self.types.len());
            ("object_r".to_string(), self.type_or_alias(t))
        } else {
            let t = *self.rng.pick(&self.role_types[role_idx].clone());
            (self.roles[role_idx].clone(), self.type_or_alias(t))
        };
        if self.mls {
            let r = self.range();
            format!("{user}:{role}:{ty}:{r}")
        } else {
            format!("{user}:{role}:{ty}")
        }
    }

    fn sid_contexts(&mut self) {
        let mut with: Vec<String> = self.sids.clone();
        if with.len() > 1 && self.rng.chance(15) {
            with.remove(self.rng.below(with.len()));
        }
        if self.rng.chance(20) {
            self.rng.shuffle(&mut with);
        }
        for s in with {
            let c = self.context();
            self.line(format!("sid {s} {c}"));
        }
    }

    fn ocontexts(&mut self, breakage: Option<Breakage>) {
        let wrong = breakage == Some(Breakage::WrongTargetContext);
        let selinux = !self.xen;
        if (selinux && self.rng.chance(10)) || (self.xen && wrong) {
            let (a, b) = (self.context(), self.context());
            let (x, y) = (self.rng.below(10), self.rng.below(10));
            self.line(format!("fscon {x} {y} {a} {b}"));
        }
        if (selinux && self.rng.chance(50)) || (self.xen && wrong && self.rng.chance(50)) {
            let fss = self.rng.some(
                &[
                    "ext4", "xfs", "btrfs", "proc", "pipefs", "tmpfs", "sockfs", "devpts",
                ]
                .map(String::from),
                4,
            );
            for fs in fss {
                let kw = *self
                    .rng
                    .pick(&["fs_use_xattr", "fs_use_task", "fs_use_trans"]);
                let c = self.context();
                self.line(format!("{kw} {fs} {c};"));
            }
        }
        if selinux && self.rng.chance(50) {
            let mut used = Vec::new();
            for _ in 0..self.rng.range(1, 4) {
                let fs = *self.rng.pick(&["proc", "sysfs", "selinuxfs"]);
                let path = *self.rng.pick(&["/", "/sys", "/kmsg", "/a/b", "\"/q p\""]);
                // A file type needs its class.
                let kinds: Vec<&str> = [
                    ("b", "blk_file"),
                    ("c", "chr_file"),
                    ("d", "dir"),
                    ("p", "fifo_file"),
                    ("l", "lnk_file"),
                    ("s", "sock_file"),
                ]
                .iter()
                .filter(|(_, c)| self.classes.iter().any(|k| k.name == *c))
                .map(|(f, _)| *f)
                .collect();
                let ft = if !kinds.is_empty() && self.rng.chance(30) {
                    format!(" -{}", self.rng.pick(&kinds))
                } else {
                    String::new()
                };
                // A genfscon without a file type conflicts with any on the same path.
                let key = format!("{fs} {path}");
                if used.contains(&key) {
                    continue;
                }
                used.push(key);
                let c = self.context();
                self.line(format!("genfscon {fs} {path}{ft} {c}"));
            }
        }
        if selinux && self.rng.chance(50) {
            let mut port = 1;
            for _ in 0..self.rng.range(1, 4) {
                let proto = *self.rng.pick(&["tcp", "udp", "dccp", "sctp"]);
                port += self.rng.range(1, 500);
                let c = self.context();
                if self.rng.chance(30) {
                    let hi = port + self.rng.below(100);
                    self.line(format!("portcon {proto} {port}-{hi} {c}"));
                    port = hi;
                } else {
                    self.line(format!("portcon {proto} {port} {c}"));
                }
            }
        }
        if selinux && self.rng.chance(30) {
            for i in 0..self.rng.range(1, 2) {
                let (a, b) = (self.context(), self.context());
                self.line(format!("netifcon eth{i} {a} {b}"));
            }
        }
        if selinux && self.rng.chance(30) {
            let nodes = self.rng.some(
                &[
                    "127.0.0.1 255.255.255.255",
                    "10.0.0.0 255.0.0.0",
                    "::1 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                    "fe80:: ffff:ffff:ffff:ffff::",
                    "192.168.1.0 255.255.255.0",
                ]
                .map(String::from),
                3,
            );
            for n in nodes {
                let c = self.context();
                self.line(format!("nodecon {n} {c}"));
            }
        }
        if self.xen || (wrong && self.rng.chance(50)) {
            self.xen_contexts();
        }
        if selinux && self.rng.chance(15) {
            let c = self.context();
            let k = self.rng.range(1, 0xffff);
            if self.rng.chance(50) {
                self.line(format!("ibpkeycon fe80:: {k} {c}"));
            } else {
                self.line(format!("ibpkeycon fe80:: 1-{k} {c}"));
            }
        }
        if (selinux && self.rng.chance(15)) || (self.xen && wrong) {
            let c = self.context();
            let port = self.rng.range(1, 255);
            self.line(format!("ibendportcon mlx4_0 {port} {c}"));
        }
        if self.xen && wrong {
            let c = self.context();
            self.line(format!("portcon tcp 80 {c}"));
        }
    }

    fn xen_contexts(&mut self) {
        if self.rng.chance(50) {
            for p in self.rng.some(&[1usize, 16, 33, 255, 1000], 3) {
                let c = self.context();
                self.line(format!("pirqcon {p} {c}"));
            }
        }
        if self.rng.chance(50) {
            let mut at: u64 = 0xf0000;
            for _ in 0..self.rng.range(1, 3) {
                at += self.rng.range(1, 0x1000) as u64;
                let c = self.context();
                if self.rng.chance(50) {
                    let hi = at + self.rng.below(0x100) as u64;
                    self.line(format!("iomemcon {at:#x}-{hi:#x} {c}"));
                    at = hi;
                } else {
                    self.line(format!("iomemcon {at:#x} {c}"));
                }
            }
        }
        if self.rng.chance(50) {
            let mut at = 0x60;
            for _ in 0..self.rng.range(1, 3) {
                at += self.rng.range(1, 0x100);
                let c = self.context();
                if self.rng.chance(50) {
                    let hi = at + self.rng.below(0x10);
                    self.line(format!("ioportcon {at:#x}-{hi:#x} {c}"));
                    at = hi;
                } else {
                    self.line(format!("ioportcon {at} {c}"));
                }
            }
        }
        if self.rng.chance(50) {
            for d in self.rng.some(&[0xc800usize, 0x100, 0x8, 0xffff], 2) {
                let c = self.context();
                self.line(format!("pcidevicecon {d:#x} {c}"));
            }
        }
        if self.rng.chance(30) {
            for p in self.rng.some(
                &["/soc/uart@1000", "/cpus", "\"/with space\""].map(String::from),
                2,
            ) {
                let c = self.context();
                self.line(format!("devicetreecon {p} {c}"));
            }
        }
    }

    /// Line-level damage: deletions, duplicates, swaps, truncation, garbage.
    fn break_lines(&mut self, b: Breakage, lines: &mut Vec<String>) {
        let n = lines.len();
        let i = self.rng.below(n);
        match b {
            Breakage::DeleteLine => {
                lines.remove(i);
            }
            Breakage::DuplicateLine => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            Breakage::SwapLines => {
                let j = self.rng.below(n);
                lines.swap(i, j);
            }
            Breakage::Truncate => lines.truncate(i.max(1)),
            Breakage::GarbageToken => {
                let words: Vec<&str> = lines[i].split(' ').collect();
                let at = self.rng.below(words.len() + 1);
                let junk = *self.rng.pick(&[
                    "}", "{", ";", ":", "@", "type", "0x1", "-", "~", "*", "allow", "\"x\"",
                ]);
                let mut w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
                w.insert(at, junk.to_string());
                lines[i] = w.join(" ");
            }
            _ => {}
        }
    }
}
