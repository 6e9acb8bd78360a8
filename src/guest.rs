//! Guest labels of xl configuration files checked against a policy: `flaskc check-guest`.
//!
//! Stage: xl config texts + `&PolicyDb` in, [`GuestReport`] out (pure; the CLI reads the
//! files). Each `seclabel`, `init_seclabel` and `device_model_stubdomain_seclabel` is
//! checked as Xen's security server would check the context (the user, role and type
//! exist, the user may take the role, the role may take the type) and as a domain label
//! (the type has the `domain_type` attribute, or, in a policy without it, appears in a
//! rule of class `domain`). Then, for every ordered pair of configured domains, the report
//! says whether the first may talk to (event channel: `create` on the channel label Xen
//! derives, `bind` of that to the peer), map (grant or foreign `mmu` mappings) or control
//! (pause, destroy ...) the second, with the booleans' default states.
#![warn(missing_docs)]

use crate::explain::{access, class_perms, default_states, type_value, value_of};
use crate::policydb::{avkind, PolicyDb};
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

/// One label read from a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestLabel {
    /// Index of the config among the inputs.
    pub config: usize,
    /// 1-based line.
    pub line: u32,
    /// The xl key (one of [`LABEL_KEYS`]).
    pub key: String,
    /// The label.
    pub label: String,
}

/// What is wrong with a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelError {
    /// The value is not a quoted string.
    NotQuoted,
    /// Not `user:role:type[:level]`.
    NotAContext,
    /// No such user.
    UnknownUser(String),
    /// No such role.
    UnknownRole(String),
    /// No such type.
    UnknownType(String),
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
}

impl std::fmt::Display for LabelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabelError::NotQuoted => f.write_str("the value must be quoted with ' or \""),
            LabelError::NotAContext => f.write_str("not a context (user:role:type)"),
            LabelError::UnknownUser(n) => write!(f, "no user `{n}` in the policy"),
            LabelError::UnknownRole(n) => write!(f, "no role `{n}` in the policy"),
            LabelError::UnknownType(n) => write!(f, "no type `{n}` in the policy"),
            LabelError::RoleNotAuthorized { user, role } => {
                write!(f, "user `{user}` may not take role `{role}`")
            }
            LabelError::TypeNotAuthorized { role, ty } => {
                write!(f, "role `{role}` may not take type `{ty}`")
            }
            LabelError::NotADomain(t) => write!(f, "`{t}` is not a domain type"),
        }
    }
}

/// A label with a problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestError {
    /// The label.
    pub at: GuestLabel,
    /// What is wrong.
    pub error: LabelError,
}

/// What one configured domain may do to another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// Index into [`GuestReport::domains`] of the actor.
    pub from: usize,
    /// Index of the other domain.
    pub to: usize,
    /// May open an event channel to it.
    pub talk: bool,
    /// May map its memory (grants or foreign mappings).
    pub map: bool,
    /// May control it (pause, destroy ...).
    pub control: bool,
}

/// The result of checking configs.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GuestReport {
    /// Every label read, in input order.
    pub labels: Vec<GuestLabel>,
    /// Labels with problems.
    pub errors: Vec<GuestError>,
    /// The running labels (`seclabel`, `device_model_stubdomain_seclabel`) that passed,
    /// with their type name.
    pub domains: Vec<(GuestLabel, String)>,
    /// Pairs of different domains with at least one right: the first [`MAX_RELATIONS`],
    /// in domain order.
    pub relations: Vec<Relation>,
    /// How many further pairs with a right there are.
    pub relations_left_out: u64,
}

/// Reads the label keys of an xl config (`key = "value"`, `#` comments).
pub fn read_labels(config: usize, text: &str) -> (Vec<GuestLabel>, Vec<GuestError>) {
    let (mut labels, mut errors) = (Vec::new(), Vec::new());
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("");
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if !LABEL_KEYS.contains(&key) {
            continue;
        }
        let value = value.trim().trim_end_matches(';').trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)));
        let at = GuestLabel {
            config,
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            key: key.to_string(),
            label: unquoted.unwrap_or(value).to_string(),
        };
        match unquoted {
            Some(_) => labels.push(at),
            None => errors.push(GuestError {
                at,
                error: LabelError::NotQuoted,
            }),
        }
    }
    (labels, errors)
}

/// Checks one label; its type value when it is a valid domain label.
pub fn check_label(db: &PolicyDb, label: &str) -> Result<u32, LabelError> {
    let mut parts = label.splitn(4, ':');
    let (Some(u), Some(r), Some(t)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(LabelError::NotAContext);
    };
    let user = value_of(db.users.iter().map(|x| x.name.as_str()), u)
        .ok_or_else(|| LabelError::UnknownUser(u.into()))?;
    let role = value_of(
        db.roles.iter().map(|x| x.as_ref().map_or("", |r| &r.name)),
        r,
    )
    .ok_or_else(|| LabelError::UnknownRole(r.into()))?;
    let ty = type_value(db, t).ok_or_else(|| LabelError::UnknownType(t.into()))?;
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
    Ok(ty)
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

/// Checks the labels of configs (their texts, in input order) and relates the domains.
pub fn check(db: &PolicyDb, configs: &[&str]) -> GuestReport {
    let mut rep = GuestReport::default();
    for (i, text) in configs.iter().enumerate() {
        let (labels, errors) = read_labels(i, text);
        rep.errors.extend(errors);
        for l in labels {
            match check_label(db, &l.label) {
                Ok(ty) if l.key != "init_seclabel" => {
                    let name = db.types.get(ty as usize - 1).map_or("", |t| &t.name);
                    rep.domains.push((l.clone(), name.to_string()));
                }
                Ok(_) => {}
                Err(error) => rep.errors.push(GuestError {
                    at: l.clone(),
                    error,
                }),
            }
            rep.labels.push(l);
        }
    }
    rep.errors.sort_by_key(|e| (e.at.config, e.at.line));
    let types: Vec<u32> = rep
        .domains
        .iter()
        .map(|(_, n)| type_value(db, n).unwrap_or(0))
        .collect();
    relate_domains(db, &types, &mut rep);
    rep
}

/// Fills the relations between the domains of `types` (their type values, by domain).
/// Rights depend only on the two types, so each pair of distinct types is related once,
/// and the pairs are walked only where a right exists: time and memory grow with the
/// number of types and of relations listed, not with the square of the domains.
fn relate_domains(db: &PolicyDb, types: &[u32], rep: &mut GuestReport) {
    let states = default_states(db);
    let mut by_type: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, &t) in types.iter().enumerate() {
        by_type.entry(t).or_default().push(i);
    }
    // For each type, the types it has a right over, with those rights.
    let mut related: HashMap<u32, Vec<(u32, Relation)>> = HashMap::new();
    let mut total: u64 = 0;
    for (&ta, da) in &by_type {
        for (&tb, db_) in &by_type {
            let r = relate(db, &states, ta, tb);
            if r.talk || r.map || r.control {
                let (na, nb) = (da.len() as u64, db_.len() as u64);
                total += na * nb - if ta == tb { na } else { 0 };
                related.entry(ta).or_default().push((tb, r));
            }
        }
    }
    'domains: for (a, ta) in types.iter().enumerate() {
        let Some(over) = related.get(ta) else {
            continue;
        };
        let mut pairs: Vec<(usize, &Relation)> = over
            .iter()
            .flat_map(|(tb, r)| by_type[tb].iter().map(move |&b| (b, r)))
            .filter(|&(b, _)| b != a)
            .collect();
        pairs.sort_unstable_by_key(|p| p.0);
        for (b, r) in pairs {
            if rep.relations.len() == MAX_RELATIONS {
                break 'domains;
            }
            rep.relations.push(Relation {
                from: a,
                to: b,
                ..r.clone()
            });
        }
    }
    rep.relations_left_out = total - rep.relations.len() as u64;
}

/// The rights of one domain type over another.
fn relate(db: &PolicyDb, states: &[bool], a: u32, b: u32) -> Relation {
    let has = |s: u32, t: u32, class: &str, perms: &[&str]| {
        class_perms(db, class).is_some_and(|(cv, names)| {
            let now = access(db, s, t, cv, states).now;
            perms.iter().any(|p| {
                names
                    .iter()
                    .position(|n| n == p)
                    .is_some_and(|i| i < 32 && now & (1 << i) != 0)
            })
        })
    };
    // Xen labels the new channel end with type_transition(a, b, event), else b's type.
    let channel = class_perms(db, "event")
        .and_then(|(cv, _)| {
            db.avtab.iter().find(|e| {
                e.key.specified & avkind::TRANSITION != 0
                    && u32::from(e.key.source) == a
                    && u32::from(e.key.target) == b
                    && u32::from(e.key.class) == cv
            })
        })
        .map_or(b, |e| e.data);
    Relation {
        from: 0,
        to: 0,
        talk: has(a, channel, "event", &["create"]) && has(channel, b, "event", &["bind"]),
        map: has(a, b, "grant", &["map_read", "map_write"])
            || has(a, b, "mmu", &["map_read", "map_write"]),
        control: has(
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
