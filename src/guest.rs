//! xl configuration files checked against a policy: `flaskc check-guest`.
//!
//! Stage: xl config texts + `&PolicyDb` + boolean states in, [`GuestReport`] out (pure; the
//! CLI reads the files). Per config it answers whether `xl create` would succeed, with the
//! checks Xen's security server and FLASK hooks make on the way:
//!
//! - each label (`seclabel`, `init_seclabel`, `device_model_stubdomain_seclabel`) is a
//!   context of this policy: an MLS level exactly when the policy is MLS; the user, role
//!   and type exist (with a did-you-mean), the user may take the role, the role the type,
//!   and the type is a domain label;
//! - dom0's label (initial SID `dom0`) may `create` the domain, under `init_seclabel`
//!   when given, and then relabel it to `seclabel` (`domain2 relabelfrom`/`relabelto`, and
//!   `domain transition` from the first label to the second);
//! - a stub device model (`device_model_stubdomain_seclabel`, or the `domDM` initial SID
//!   with `device_model_stubdomain_override = 1`) may be created and attached
//!   (`make_priv_for`, `set_as_target`, `set_target`);
//! - every `pci=` device has a label of its own (`pcidevicecon`), the guest may use it
//!   and dom0 may assign it.
//!
//! Then it relates the started domains, dom0 and the xenstore domain, in both directions,
//! with constraints and the given boolean states applied: which may talk (event
//! channels, as `flask_evtchn_interdomain` checks them), map (grant or foreign `mmu`
//! mappings) or control (pause, destroy ...) which; a device model is also related to its
//! own guest under the `_target` label Xen gives the guest in its eyes.
#![warn(missing_docs)]

use crate::device::{self, Device};
use crate::explain::{access, class_perms, constraint_forbidding, type_value, value_of, Ctx};
use crate::policydb::{avkind, Context, OContext, PolicyDb, TypeFlavor};
use std::collections::{BTreeMap, HashMap};

/// The most relations listed in a report; further related pairs are counted in
/// [`GuestReport::relations_left_out`]. N domains can make N² pairs (10,000 guests, 100
/// million lines): past this many, the list is not read by anyone.
pub const MAX_RELATIONS: usize = 100_000;

/// The xl keys that hold labels.
pub const LABEL_KEYS: [&str; 3] = [
    "seclabel",
    "init_seclabel",
    "device_model_stubdomain_seclabel",
];

// Xen's initial SID numbers (the order of `xsm/flask/policy/initial_sids`, from 1).
const SID_DOM0: u32 = 3;
const SID_DOMU: u32 = 12;
const SID_DOMDM: u32 = 13;

/// One label read from a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestLabel {
    /// Index of the config among the inputs.
    pub config: usize,
    /// 1-based line.
    pub line: u32,
    /// The xl key (one of [`LABEL_KEYS`], or `pci`).
    pub key: String,
    /// The label (for `pci`, the device).
    pub label: String,
}

/// Why `xl create` would fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// The value is not a quoted string.
    NotQuoted,
    /// Not `user:role:type[:level]`.
    NotAContext,
    /// A level in a policy without MLS.
    LevelWithoutMls,
    /// No level in an MLS policy.
    MissingLevel,
    /// No such user (and the nearest name).
    UnknownUser(String, Option<String>),
    /// No such role (and the nearest name).
    UnknownRole(String, Option<String>),
    /// No such type (and the nearest name).
    UnknownType(String, Option<String>),
    /// The user may not take the role.
    RoleNotAuthorized {
        /// The user.
        user: String,
        /// The role.
        role: String,
    },
    /// The role may not take the type.
    TypeNotAuthorized {
        /// The role.
        role: String,
        /// The type.
        ty: String,
    },
    /// The type is not a domain type.
    NotADomain(String),
    /// A permission the toolstack (dom0) or a domain lacks on the way.
    Denied {
        /// What xl was doing (`create the domain`, `relabel it`).
        step: &'static str,
        /// `source target:class perm`.
        check: String,
        /// Why: no rule, or the constraint forbidding it.
        why: String,
    },
    /// A `pci=` device that no `pcidevicecon` labels.
    PciUnlabelled {
        /// The device as written.
        device: String,
        /// The `pcidevicecon` number.
        sbdf: u32,
    },
    /// A `pci=` entry that is not a PCI address.
    BadPci(String),
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let unknown = |f: &mut std::fmt::Formatter<'_>, what, n: &str, near: &Option<String>| {
            write!(f, "no {what} `{n}` in the policy")?;
            match near {
                Some(m) => write!(f, "; did you mean `{m}`?"),
                None => Ok(()),
            }
        };
        match self {
            LabelError::NotQuoted => f.write_str("the value must be quoted with ' or \""),
            LabelError::NotAContext => f.write_str("not a context (user:role:type)"),
            LabelError::LevelWithoutMls => {
                f.write_str("the policy has no MLS: a label is user:role:type, without a level")
            }
            LabelError::MissingLevel => {
                f.write_str("the policy is MLS: a label needs a level (user:role:type:s0)")
            }
            LabelError::UnknownUser(n, m) => unknown(f, "user", n, m),
            LabelError::UnknownRole(n, m) => unknown(f, "role", n, m),
            LabelError::UnknownType(n, m) => unknown(f, "type", n, m),
            LabelError::RoleNotAuthorized { user, role } => {
                write!(f, "user `{user}` may not take role `{role}`")
            }
            LabelError::TypeNotAuthorized { role, ty } => {
                write!(f, "role `{role}` may not take type `{ty}`")
            }
            LabelError::NotADomain(t) => write!(f, "`{t}` is not a domain type"),
            LabelError::Denied { step, check, why } => {
                write!(f, "xl cannot {step}: `{check}` is denied ({why})")
            }
            LabelError::PciUnlabelled { device, sbdf } => write!(
                f,
                "device {device} has no label of its own (no `pcidevicecon {sbdf:#x}`): `flaskc label-device --pci {device}` prints the line to add"
            ),
            LabelError::BadPci(d) => write!(f, "`{d}` is not a PCI address (BB:DD.F or SSSS:BB:DD.F)"),
        }
    }
}

impl LabelError {
    /// A stable code for JSON output.
    pub fn code(&self) -> &'static str {
        match self {
            LabelError::NotQuoted => "not-quoted",
            LabelError::NotAContext => "not-a-context",
            LabelError::LevelWithoutMls => "level-without-mls",
            LabelError::MissingLevel => "missing-level",
            LabelError::UnknownUser(..) => "unknown-user",
            LabelError::UnknownRole(..) => "unknown-role",
            LabelError::UnknownType(..) => "unknown-type",
            LabelError::RoleNotAuthorized { .. } => "role-not-authorized",
            LabelError::TypeNotAuthorized { .. } => "type-not-authorized",
            LabelError::NotADomain(_) => "not-a-domain",
            LabelError::Denied { .. } => "denied",
            LabelError::PciUnlabelled { .. } => "pci-unlabelled",
            LabelError::BadPci(_) => "bad-pci",
        }
    }
}

/// A reason `xl create` would fail, at its config line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestError {
    /// The label.
    pub at: GuestLabel,
    /// What is wrong.
    pub error: LabelError,
}

/// Which domain a [`Domain`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// The control domain (initial SID `dom0`).
    Dom0,
    /// The xenstore domain (type `xenstore_t`).
    Xenstore,
    /// The guest of a config.
    Guest(usize),
    /// The stub device model of a config's guest.
    DeviceModel(usize),
}

/// A domain that runs once the configs are started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    /// Which one.
    pub role: Role,
    /// Its context.
    pub context: String,
    ctx: Ctx,
}

/// What one domain may do to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rights {
    /// May open an event channel to it.
    pub talk: bool,
    /// May map its memory (grants or foreign mappings).
    pub map: bool,
    /// May control it (pause, destroy ...).
    pub control: bool,
}

impl Rights {
    /// The names of the rights held.
    pub fn names(self) -> Vec<&'static str> {
        [
            (self.talk, "talk"),
            (self.map, "map"),
            (self.control, "control"),
        ]
        .iter()
        .filter(|x| x.0)
        .map(|x| x.1)
        .collect()
    }

    fn any(self) -> bool {
        self.talk || self.map || self.control
    }
}

/// What one domain may do to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Index into [`GuestReport::domains`] of the actor.
    pub from: usize,
    /// Index of the other domain.
    pub to: usize,
    /// For a device model on its own guest: the type the guest has in its eyes.
    pub as_target: Option<String>,
    /// The rights.
    pub rights: Rights,
}

/// The result of checking configs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestReport {
    /// Every label and `pci=` device read, in input order.
    pub labels: Vec<GuestLabel>,
    /// Why `xl create` would fail, by config and line.
    pub errors: Vec<GuestError>,
    /// dom0, the xenstore domain, then each config's guest and device model whose labels
    /// are valid.
    pub domains: Vec<Domain>,
    /// Pairs of different domains with at least one right: the first [`MAX_RELATIONS`],
    /// in domain order, then each device model on its own guest.
    pub relations: Vec<Relation>,
    /// How many further pairs with a right there are.
    pub relations_left_out: u64,
}

/// What a config says that `check` looks at.
#[derive(Debug, Default)]
struct Config {
    labels: Vec<GuestLabel>,
    pci: Vec<GuestLabel>,
    errors: Vec<GuestError>,
    /// `device_model_stubdomain_override = 1`.
    stubdomain: bool,
}

/// The quoted strings of a value, in order.
fn quoted(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    while let Some(i) = rest.find(['"', '\'']) {
        let q = &rest[i..=i];
        let Some(len) = rest[i + 1..].find(q) else {
            break;
        };
        out.push(&rest[i + 1..i + 1 + len]);
        rest = &rest[i + 2 + len..];
    }
    out
}

/// Reads the keys of an xl config that `check` looks at (`key = value`, `#` comments; a
/// `pci` list may span lines).
fn read_config(config: usize, text: &str) -> Config {
    let mut c = Config::default();
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .collect();
    let mut i = 0;
    while i < lines.len() {
        let line_no = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let Some((key, value)) = lines[i].split_once('=') else {
            i += 1;
            continue;
        };
        let key = key.trim();
        let at = |label: &str| GuestLabel {
            config,
            line: line_no,
            key: key.to_string(),
            label: label.to_string(),
        };
        if key == "pci" {
            let mut list = value.to_string();
            while !list.contains(']') && i + 1 < lines.len() {
                i += 1;
                list.push_str(lines[i]);
            }
            for item in quoted(&list) {
                let dev = item.split([',', '@']).next().unwrap_or("").trim();
                c.pci.push(at(dev));
            }
        } else if key == "device_model_stubdomain_override" {
            c.stubdomain = matches!(value.trim().trim_end_matches(';').trim(), "1" | "true");
        } else if LABEL_KEYS.contains(&key) {
            let value = value.trim().trim_end_matches(';').trim();
            let unquoted = ['"', '\'']
                .iter()
                .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)));
            match unquoted {
                Some(v) => c.labels.push(at(v)),
                None => c.errors.push(GuestError {
                    at: at(value),
                    error: LabelError::NotQuoted,
                }),
            }
        }
        i += 1;
    }
    c
}

/// The name of `names` nearest to `name` (same letters ignoring case, or at most two
/// edits and a third of its length), for a did-you-mean.
fn nearest<'a>(names: impl Iterator<Item = &'a str>, name: &str) -> Option<String> {
    let lower = name.to_lowercase();
    names
        .map(|n| {
            let d = if n.to_lowercase() == lower {
                0
            } else {
                edit_distance(n, name)
            };
            (d, n)
        })
        .filter(|(d, _)| *d <= 2 && *d * 3 <= name.len())
        .min()
        .map(|(_, n)| n.to_string())
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Checks one label as a domain context of this policy.
fn check_label(db: &PolicyDb, label: &str) -> Result<Ctx, LabelError> {
    let mut parts = label.splitn(4, ':');
    let (Some(u), Some(r), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(LabelError::NotAContext);
    };
    match (parts.next().is_some(), db.mls) {
        (true, false) => return Err(LabelError::LevelWithoutMls),
        (false, true) => return Err(LabelError::MissingLevel),
        _ => {}
    }
    let users = || db.users.iter().map(|x| x.name.as_str());
    let roles = || db.roles.iter().map(|x| x.as_ref().map_or("", |r| &r.name));
    let types = || {
        db.types
            .iter()
            .filter(|t| t.flavor == TypeFlavor::Type)
            .map(|t| t.name.as_str())
    };
    let user = value_of(users(), u)
        .ok_or_else(|| LabelError::UnknownUser(u.into(), nearest(users(), u)))?;
    let role = value_of(roles(), r)
        .ok_or_else(|| LabelError::UnknownRole(r.into(), nearest(roles(), r)))?;
    let ty = type_value(db, t)
        .filter(|&v| {
            db.types
                .get(v as usize - 1)
                .is_some_and(|x| x.flavor == TypeFlavor::Type)
        })
        .ok_or_else(|| LabelError::UnknownType(t.into(), nearest(types(), t)))?;
    let may_role = db
        .users
        .get(user as usize - 1)
        .is_some_and(|x| x.roles.get(role - 1));
    if !may_role {
        return Err(LabelError::RoleNotAuthorized {
            user: u.into(),
            role: r.into(),
        });
    }
    let may_type = db
        .roles
        .get(role as usize - 1)
        .and_then(Option::as_ref)
        .is_some_and(|x| x.types.get(ty - 1));
    if !may_type {
        return Err(LabelError::TypeNotAuthorized {
            role: r.into(),
            ty: t.into(),
        });
    }
    if !is_domain(db, ty) {
        return Err(LabelError::NotADomain(t.into()));
    }
    Ok(Ctx { user, role, ty })
}

/// Whether a type is a domain label.
fn is_domain(db: &PolicyDb, ty: u32) -> bool {
    if let Some(attr) = type_value(db, "domain_type") {
        return db.type_attrs(ty).get(attr - 1);
    }
    let Some((class, _)) = class_perms(db, "domain") else {
        return false;
    };
    db.avtab.iter().any(|e| {
        u32::from(e.key.class) == class
            && (u32::from(e.key.source) == ty || u32::from(e.key.target) == ty)
    })
}

/// The policy and boolean states the checks run against.
struct Checker<'a> {
    db: &'a PolicyDb,
    states: &'a [bool],
}

impl Checker<'_> {
    /// Whether `s` may `perm` on `t` in `class`: `Err` says why not (no rule, or the
    /// constraint that forbids it).
    fn may(&self, s: Ctx, t: Ctx, class: &str, perm: &str) -> Result<(), String> {
        let Some((cv, names)) = class_perms(self.db, class) else {
            return Err(format!("the policy has no class `{class}`"));
        };
        let Some(bit) = names.iter().position(|n| *n == perm).filter(|&b| b < 32) else {
            return Err(format!("`{class}` has no permission `{perm}`"));
        };
        let bit = 1u32 << bit;
        if access(self.db, s.ty, t.ty, cv, self.states).now & bit == 0 {
            return Err("no rule allows it with these boolean states".into());
        }
        match constraint_forbidding(self.db, cv, bit, s, t) {
            Some((i, expr)) => Err(format!("forbidden by constraint #{i} of `{class}`: {expr}")),
            None => Ok(()),
        }
    }

    /// [`Checker::may`] as a reason `xl create` fails at a step.
    fn need(
        &self,
        step: &'static str,
        s: Ctx,
        t: Ctx,
        class: &str,
        perm: &str,
    ) -> Result<(), LabelError> {
        self.may(s, t, class, perm)
            .map_err(|why| LabelError::Denied {
                step,
                check: format!(
                    "{} {}:{class} {perm}",
                    self.type_name(s.ty),
                    self.type_name(t.ty)
                ),
                why,
            })
    }

    fn type_name(&self, ty: u32) -> &str {
        self.db.types.get(ty as usize - 1).map_or("", |t| &t.name)
    }

    /// The type `type_transition s t:class` gives, if any.
    fn transition(&self, s: u32, t: u32, class: &str) -> Option<u32> {
        let (cv, _) = class_perms(self.db, class)?;
        self.db
            .avtab
            .iter()
            .find(|e| {
                e.key.specified & avkind::TRANSITION != 0
                    && u32::from(e.key.source) == s
                    && u32::from(e.key.target) == t
                    && u32::from(e.key.class) == cv
            })
            .map(|e| e.data)
    }

    /// The rights of one domain over another.
    fn rights(&self, a: Ctx, b: Ctx) -> Rights {
        let any = |s: Ctx, t: Ctx, class: &str, perms: &[&str]| {
            perms.iter().any(|p| self.may(s, t, class, p).is_ok())
        };
        // Xen labels the new channel end with type_transition(a, b, event), else b's
        // type; an object gets the role object_r (value 1) and a's user.
        let channel = Ctx {
            user: a.user,
            role: 1,
            ty: self.transition(a.ty, b.ty, "event").unwrap_or(b.ty),
        };
        Rights {
            talk: any(a, channel, "event", &["create"]) && any(channel, b, "event", &["bind"]),
            map: any(a, b, "grant", &["map_read", "map_write"])
                || any(a, b, "mmu", &["map_read", "map_write"]),
            control: any(
                a,
                b,
                "domain",
                &[
                    "pause",
                    "unpause",
                    "destroy",
                    "shutdown",
                    "setvcpucontext",
                    "max_vcpus",
                ],
            ),
        }
    }
}

/// The context of an initial SID.
fn initial_sid(db: &PolicyDb, sid: u32) -> Option<(String, Ctx)> {
    db.ocontext_list(crate::policydb::XenOcon::Isid.index())
        .iter()
        .find_map(|o| match o {
            OContext::Isid { sid: n, context } if *n == sid => {
                Some((crate::dump::context_text(db, context), ctx_of(context)))
            }
            _ => None,
        })
}

fn ctx_of(c: &Context) -> Ctx {
    Ctx {
        user: c.user,
        role: c.role,
        ty: c.ty,
    }
}

/// Checks the configs (their texts, in input order) with these boolean states (by value
/// - 1) and relates the domains they start.
pub fn check(db: &PolicyDb, configs: &[&str], states: &[bool]) -> GuestReport {
    let ck = Checker { db, states };
    let mut rep = GuestReport::default();
    let dom0 = initial_sid(db, SID_DOM0);
    if let Some((context, ctx)) = &dom0 {
        rep.domains.push(Domain {
            role: Role::Dom0,
            context: context.clone(),
            ctx: *ctx,
        });
    }
    for (i, text) in configs.iter().enumerate() {
        let c = read_config(i, text);
        rep.errors.extend(c.errors);
        check_config(
            &ck,
            i,
            &c.labels,
            &c.pci,
            c.stubdomain,
            dom0.as_ref().map(|d| d.1),
            &mut rep,
        );
        rep.labels.extend(c.labels);
        rep.labels.extend(c.pci);
    }
    // The xenstore domain, unless a config starts it.
    if let Some(ty) = type_value(db, "xenstore_t").filter(|&t| is_domain(db, t)) {
        if let Some((_, d0)) = &dom0 {
            if !rep.domains.iter().any(|d| d.ctx.ty == ty) {
                let ctx = Ctx { ty, ..*d0 };
                let context = format!(
                    "{}:{}:xenstore_t",
                    db.users.get(ctx.user as usize - 1).map_or("", |u| &u.name),
                    db.roles
                        .get(ctx.role as usize - 1)
                        .and_then(Option::as_ref)
                        .map_or("", |r| &r.name)
                );
                rep.domains.insert(
                    1,
                    Domain {
                        role: Role::Xenstore,
                        context,
                        ctx,
                    },
                );
            }
        }
    }
    rep.errors.sort_by_key(|e| (e.at.config, e.at.line));
    relate_domains(&ck, &mut rep);
    rep
}

/// Checks one config's labels and devices, adding its domains and failures.
fn check_config(
    ck: &Checker<'_>,
    config: usize,
    labels: &[GuestLabel],
    pci: &[GuestLabel],
    stubdomain: bool,
    dom0: Option<Ctx>,
    rep: &mut GuestReport,
) {
    let db = ck.db;
    let mut fail = |at: &GuestLabel, error| {
        rep.errors.push(GuestError {
            at: at.clone(),
            error,
        })
    };
    let mut checked: HashMap<&str, (&GuestLabel, Ctx)> = HashMap::new();
    let mut bad = false;
    for l in labels {
        match check_label(db, &l.label) {
            Ok(ctx) => {
                checked.insert(l.key.as_str(), (l, ctx));
            }
            Err(e) => {
                bad = true;
                fail(l, e);
            }
        }
    }
    if bad {
        return;
    }
    let implicit = |key: &str, sid| {
        initial_sid(db, sid).map(|(label, ctx)| {
            let at = GuestLabel {
                config,
                line: 0,
                key: key.into(),
                label,
            };
            (at, ctx)
        })
    };
    let guest = checked
        .get("seclabel")
        .map(|(l, c)| ((*l).clone(), *c))
        .or_else(|| implicit("seclabel", SID_DOMU));
    let Some((guest_at, guest)) = guest else {
        return;
    };
    let dm = checked
        .get("device_model_stubdomain_seclabel")
        .map(|(l, c)| ((*l).clone(), *c))
        .or_else(|| {
            stubdomain
                .then(|| implicit("device_model_stubdomain_seclabel", SID_DOMDM))
                .flatten()
        });
    if let Some(d0) = dom0 {
        let (init_at, init) = checked
            .get("init_seclabel")
            .map_or((&guest_at, guest), |(l, c)| (*l, *c));
        let mut steps = vec![(
            init_at,
            ck.need("create the domain", d0, init, "domain", "create"),
        )];
        if init.ty != guest.ty {
            steps.push((
                init_at,
                ck.need(
                    "relabel it from init_seclabel",
                    d0,
                    init,
                    "domain2",
                    "relabelfrom",
                ),
            ));
            steps.push((
                &guest_at,
                ck.need("relabel it to seclabel", d0, guest, "domain2", "relabelto"),
            ));
            steps.push((
                &guest_at,
                ck.need(
                    "relabel it to seclabel",
                    init,
                    guest,
                    "domain",
                    "transition",
                ),
            ));
        }
        if let Some((at, dm)) = &dm {
            steps.push((
                at,
                ck.need("create the stub domain", d0, *dm, "domain", "create"),
            ));
            steps.push((
                at,
                ck.need(
                    "attach the device model",
                    d0,
                    *dm,
                    "domain2",
                    "make_priv_for",
                ),
            ));
            steps.push((
                at,
                ck.need(
                    "attach the device model",
                    d0,
                    guest,
                    "domain2",
                    "set_as_target",
                ),
            ));
            steps.push((
                at,
                ck.need(
                    "attach the device model",
                    *dm,
                    guest,
                    "domain",
                    "set_target",
                ),
            ));
        }
        for at in pci {
            let dev = match device::pci_sbdf(&at.label) {
                Ok(n) => n,
                Err(_) => {
                    fail(at, LabelError::BadPci(at.label.clone()));
                    continue;
                }
            };
            let Some((dctx, false)) = device::lookup(db, Device::Pci(dev)) else {
                fail(
                    at,
                    LabelError::PciUnlabelled {
                        device: at.label.clone(),
                        sbdf: dev,
                    },
                );
                continue;
            };
            let dctx = ctx_of(dctx);
            steps.push((
                at,
                ck.need("assign the device", d0, guest, "resource", "add"),
            ));
            steps.push((
                at,
                ck.need("assign the device", d0, dctx, "resource", "add_device"),
            ));
            // Xen asks for one of these, by what the IOMMU can do.
            let uses = ["use_iommu", "use_iommu_nointremap", "use_noiommu"];
            if uses
                .iter()
                .all(|p| ck.may(guest, dctx, "resource", p).is_err())
            {
                let e = LabelError::Denied {
                    step: "assign the device",
                    check: format!(
                        "{} {}:resource {{ {} }}",
                        ck.type_name(guest.ty),
                        ck.type_name(dctx.ty),
                        uses.join(" ")
                    ),
                    why: "the guest may use the device in none of these ways".into(),
                };
                steps.push((at, Err(e)));
            }
        }
        for (at, r) in steps {
            if let Err(e) = r {
                fail(at, e);
            }
        }
    }
    let text = |at: &GuestLabel| at.label.clone();
    rep.domains.push(Domain {
        role: Role::Guest(config),
        context: text(&guest_at),
        ctx: guest,
    });
    if let Some((at, ctx)) = dm {
        rep.domains.push(Domain {
            role: Role::DeviceModel(config),
            context: text(&at),
            ctx,
        });
    }
}

/// A context as a map key: (user, role, type).
type CtxKey = (u32, u32, u32);

/// Fills the relations between the domains. Rights depend only on the two contexts, so
/// each pair of distinct contexts is related once, and the pairs are walked only where a
/// right exists: time and memory grow with the number of contexts and of relations
/// listed, not with the square of the domains. Then each device model is related to its
/// own guest under the guest's `_target` label.
fn relate_domains(ck: &Checker<'_>, rep: &mut GuestReport) {
    let key = |c: Ctx| (c.user, c.role, c.ty);
    let mut by_ctx: BTreeMap<CtxKey, Vec<usize>> = BTreeMap::new();
    for (i, d) in rep.domains.iter().enumerate() {
        by_ctx.entry(key(d.ctx)).or_default().push(i);
    }
    let mut related: HashMap<CtxKey, Vec<(CtxKey, Rights)>> = HashMap::new();
    let mut total: u64 = 0;
    for (&ka, da) in &by_ctx {
        for (&kb, db_) in &by_ctx {
            let ctx = |k: CtxKey| Ctx {
                user: k.0,
                role: k.1,
                ty: k.2,
            };
            let r = ck.rights(ctx(ka), ctx(kb));
            if r.any() {
                let (na, nb) = (da.len() as u64, db_.len() as u64);
                total += na * nb - if ka == kb { na } else { 0 };
                related.entry(ka).or_default().push((kb, r));
            }
        }
    }
    'domains: for a in 0..rep.domains.len() {
        let Some(over) = related.get(&key(rep.domains[a].ctx)) else {
            continue;
        };
        let mut pairs: Vec<(usize, Rights)> = over
            .iter()
            .flat_map(|(kb, r)| by_ctx[kb].iter().map(move |&b| (b, *r)))
            .filter(|&(b, _)| b != a)
            .collect();
        pairs.sort_unstable_by_key(|p| p.0);
        for (b, rights) in pairs {
            if rep.relations.len() == MAX_RELATIONS {
                break 'domains;
            }
            rep.relations.push(Relation {
                from: a,
                to: b,
                as_target: None,
                rights,
            });
        }
    }
    rep.relations_left_out = total - rep.relations.len() as u64;
    let guests: HashMap<usize, usize> = (rep.domains.iter().enumerate())
        .filter_map(|(i, d)| match d.role {
            Role::Guest(config) => Some((config, i)),
            _ => None,
        })
        .collect();
    for (dm, d) in rep.domains.iter().enumerate() {
        let Role::DeviceModel(config) = d.role else {
            continue;
        };
        let Some(&guest) = guests.get(&config) else {
            continue;
        };
        let g = rep.domains[guest].ctx;
        // Xen's flask_set_target: the guest's label in the device model's eyes.
        let Some(target) = ck.transition(g.ty, d.ctx.ty, "domain") else {
            continue;
        };
        let rights = ck.rights(d.ctx, Ctx { ty: target, ..g });
        rep.relations.push(Relation {
            from: dm,
            to: guest,
            as_target: Some(ck.type_name(target).to_string()),
            rights,
        });
    }
}
