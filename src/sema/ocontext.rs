//! Initial SID contexts and object contexts (binary-format.md §8): each context checked,
//! numbers range-checked, lists in checkpolicy's orders.

use super::declare::Syms;
use super::{resolve, Cx};
use crate::diag::Diagnostic;
use crate::policydb::{
    Context, FsUseBehavior, Genfs, GenfsEntry, OContext, PolicyDb, SelinuxOcon, Target, XenOcon,
    ISID_LIST,
};
use crate::syntax::ast::{self, FsUseKind, ItemKind};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Fills `db.ocontexts` (and `db.genfs`) from the statements of the policy.
pub(super) fn lower_ocontexts(
    cx: &mut Cx,
    syms: &Syms,
    grants: &resolve::ContextGrants,
    policy: &ast::Policy,
    db: &mut PolicyDb,
) {
    let n_lists = match cx.opts.target {
        Target::Xen => XenOcon::ALL.len(),
        Target::Selinux => SelinuxOcon::ALL.len(),
    };
    let mut lists: Vec<Vec<OContext>> = vec![Vec::new(); n_lists];
    let mut sid_ctx: Vec<Option<Context>> = vec![None; syms.sids.len()];
    let mut sid_seen: Vec<Option<crate::source::Span>> = vec![None; syms.sids.len()];
    // Checks that want the numbers as written, before truncation.
    let mut pirqs: Vec<(u64, crate::source::Span)> = Vec::new();
    let mut ranges: [Vec<(u64, u64)>; 2] = [Vec::new(), Vec::new()];
    let mut genfs: Vec<Genfs> = Vec::new();
    for item in &policy.items {
        let target_ok = |t: Target| t == cx.opts.target;
        match &item.kind {
            ItemKind::SidContext { name, context } => {
                let Some(i) = syms.sids.iter().position(|s| s.name == name.name) else {
                    cx.error(
                        "undefined-sid",
                        name.span,
                        format!("initial sid `{}` is not declared", name.name),
                        "not declared",
                    );
                    continue;
                };
                if let Some(prev) = sid_seen[i] {
                    cx.push(
                        Diagnostic::error(
                            "duplicate-declaration",
                            format!("duplicate context for initial sid `{}`", name.name),
                        )
                        .primary(cx.file, name.span, "given again here")
                        .secondary(cx.file, prev, "first given here"),
                    );
                    continue;
                }
                sid_seen[i] = Some(name.span);
                sid_ctx[i] = resolve::context(cx, syms, grants, context);
            }
            ItemKind::Pirqcon { pirq, context } if target_ok(Target::Xen) => {
                let Some(v) = number(cx, pirq, u32::MAX as u64) else {
                    continue;
                };
                if let Some((_, prev)) = pirqs.iter().find(|(p, _)| *p == v) {
                    let prev = *prev;
                    duplicate(cx, pirq.span, prev, &format!("pirq {}", pirq.text));
                    continue;
                }
                pirqs.push((v, pirq.span));
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    // libsepol keeps the IRQ in 16 bits (§8.2).
                    lists[XenOcon::Pirq.index()].push(OContext::Pirq {
                        pirq: v as u32 & 0xFFFF,
                        context: c,
                    });
                }
            }
            ItemKind::Ioportcon { low, high, context } if target_ok(Target::Xen) => {
                let Some((lo, hi)) = range(
                    cx,
                    low,
                    high.as_ref(),
                    u32::MAX as u64,
                    "ioport",
                    &mut ranges[0],
                ) else {
                    continue;
                };
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[XenOcon::Ioport.index()].push(OContext::Ioport {
                        low: lo as u32,
                        high: hi as u32,
                        context: c,
                    });
                }
            }
            ItemKind::Iomemcon { low, high, context } if target_ok(Target::Xen) => {
                let Some((lo, hi)) =
                    range(cx, low, high.as_ref(), u64::MAX, "iomem", &mut ranges[1])
                else {
                    continue;
                };
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[XenOcon::Iomem.index()].push(OContext::Iomem {
                        low: lo,
                        high: hi,
                        context: c,
                    });
                }
            }
            ItemKind::Pcidevicecon { device, context } if target_ok(Target::Xen) => {
                let Some(v) = number(cx, device, u32::MAX as u64) else {
                    continue;
                };
                if lists[XenOcon::Pcidevice.index()]
                    .iter()
                    .any(|o| matches!(o, OContext::Pcidevice { device, .. } if *device as u64 == v))
                {
                    duplicate_value(cx, device.span, &format!("pci device {}", device.text));
                    continue;
                }
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[XenOcon::Pcidevice.index()].push(OContext::Pcidevice {
                        device: v as u32,
                        context: c,
                    });
                }
            }
            ItemKind::Devicetreecon { path, context } if target_ok(Target::Xen) => {
                if lists[XenOcon::Devicetree.index()]
                    .iter()
                    .any(|o| matches!(o, OContext::Devicetree { path: p, .. } if *p == path.name))
                {
                    duplicate_value(cx, path.span, &format!("device tree path `{}`", path.name));
                    continue;
                }
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[XenOcon::Devicetree.index()].push(OContext::Devicetree {
                        path: path.name.to_string(),
                        context: c,
                    });
                }
            }
            ItemKind::Fscon {
                a,
                b,
                context,
                context2,
            } if target_ok(Target::Selinux) => {
                let (Some(major), Some(minor)) = (number(cx, a, 0xFF), number(cx, b, 0xFF)) else {
                    continue;
                };
                let c1 = resolve::context(cx, syms, grants, context);
                let c2 = resolve::context(cx, syms, grants, context2);
                if let (Some(c1), Some(c2)) = (c1, c2) {
                    // The device numbers become the record's name, as libsepol spells it;
                    // checkpolicy links each new one at the head of its list.
                    let name = format!("{major:02x}:{minor:02x}");
                    if lists[SelinuxOcon::Fs.index()]
                        .iter()
                        .any(|o| matches!(o, OContext::Fs { name: n, .. } if *n == name))
                    {
                        duplicate_value(cx, item.span, &format!("fscon for device {name}"));
                        continue;
                    }
                    lists[SelinuxOcon::Fs.index()].insert(
                        0,
                        OContext::Fs {
                            name,
                            context: c1,
                            context2: c2,
                        },
                    );
                }
            }
            ItemKind::FsUse {
                behavior,
                fs,
                context,
            } if target_ok(Target::Selinux) => {
                if lists[SelinuxOcon::FsUse.index()]
                    .iter()
                    .any(|o| matches!(o, OContext::FsUse { name, .. } if *name == fs.name))
                {
                    duplicate_value(cx, fs.span, &format!("fs_use for `{}`", fs.name));
                    continue;
                }
                let behavior = match behavior {
                    FsUseKind::Xattr => FsUseBehavior::Xattr,
                    FsUseKind::Trans => FsUseBehavior::Trans,
                    FsUseKind::Task => FsUseBehavior::Task,
                };
                // checkpolicy links each new fs_use at the head of its list.
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[SelinuxOcon::FsUse.index()].insert(
                        0,
                        OContext::FsUse {
                            behavior,
                            name: fs.name.to_string(),
                            context: c,
                        },
                    );
                }
            }
            ItemKind::Genfscon {
                fs,
                path,
                file_type,
                context,
            } if target_ok(Target::Selinux) => {
                genfscon(
                    cx,
                    syms,
                    grants,
                    &mut genfs,
                    fs,
                    path,
                    file_type.as_ref(),
                    context,
                );
            }
            ItemKind::Portcon {
                protocol,
                low,
                high,
                context,
            } if target_ok(Target::Selinux) => {
                let proto = match protocol.name.as_str() {
                    "tcp" => 6,
                    "udp" => 17,
                    "dccp" => 33,
                    "sctp" => 132,
                    _ => {
                        cx.error(
                            "bad-protocol",
                            protocol.span,
                            format!("unknown protocol `{}`", protocol.name),
                            "expected tcp, udp, dccp or sctp",
                        );
                        continue;
                    }
                };
                let Some((lo, hi)) = bounded_range(cx, low, high.as_ref(), "port") else {
                    continue;
                };
                let (lo, hi) = (lo as u32, hi as u32);
                // checkpolicy refuses a range that an earlier one of the protocol covers.
                let hidden = lists[SelinuxOcon::Port.index()].iter().any(|o| {
                    matches!(o, OContext::Port { protocol: p, low: l, high: h, .. }
                        if *p == proto && *l <= lo && *h >= hi)
                });
                if hidden {
                    cx.error(
                        "duplicate-declaration",
                        item.span,
                        format!(
                            "portcon entry for {} {lo}-{hi} is hidden by an earlier entry",
                            protocol.name
                        ),
                        "covered by an earlier portcon",
                    );
                    continue;
                }
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[SelinuxOcon::Port.index()].push(OContext::Port {
                        protocol: proto,
                        low: lo,
                        high: hi,
                        context: c,
                    });
                }
            }
            ItemKind::Netifcon {
                name,
                context,
                context2,
            } if target_ok(Target::Selinux) => {
                let a = resolve::context(cx, syms, grants, context);
                let b = resolve::context(cx, syms, grants, context2);
                if lists[SelinuxOcon::Netif.index()]
                    .iter()
                    .any(|o| matches!(o, OContext::Netif { name: n, .. } if *n == name.name))
                {
                    duplicate_value(cx, name.span, &format!("netifcon for `{}`", name.name));
                    continue;
                }
                // checkpolicy links each new one at the head of its list.
                if let (Some(a), Some(b)) = (a, b) {
                    lists[SelinuxOcon::Netif.index()].insert(
                        0,
                        OContext::Netif {
                            name: name.name.to_string(),
                            context: a,
                            context2: b,
                        },
                    );
                }
            }
            ItemKind::Nodecon {
                addr,
                mask,
                context,
            } if target_ok(Target::Selinux) => {
                nodecon(cx, syms, grants, &mut lists, addr, mask, context);
            }
            ItemKind::Ibpkeycon {
                subnet,
                low,
                high,
                context,
            } if target_ok(Target::Selinux) => {
                let Ok(a) = subnet.name.parse::<Ipv6Addr>() else {
                    bad_address(cx, subnet);
                    continue;
                };
                // checkpolicy means to refuse a prefix with bits in its low 64, but tests
                // bytes 2 and 3 (the second group) instead; the refusal is what it does.
                if a.segments()[1] != 0 {
                    cx.error(
                        "bad-address",
                        subnet.span,
                        format!("subnet prefix `{}` is refused", subnet.name),
                        "checkpolicy requires the second group of the prefix to be zero",
                    );
                    continue;
                }
                let Some((lo, hi)) = bounded_range(cx, low, high.as_ref(), "pkey") else {
                    continue;
                };
                let o = a.octets();
                let prefix = u64::from_le_bytes(o[..8].try_into().expect("eight bytes"));
                let Some(c) = resolve::context(cx, syms, grants, context) else {
                    continue;
                };
                let (lo, hi) = (lo as u32, hi as u32);
                // checkpolicy refuses a range that an earlier one of the subnet repeats or
                // covers, once the context has been read.
                let earlier = lists[SelinuxOcon::Ibpkey.index()]
                    .iter()
                    .find_map(|o| match o {
                        OContext::Ibpkey {
                            subnet_prefix,
                            low: l,
                            high: h,
                            ..
                        } if *subnet_prefix == prefix && *l <= lo && *h >= hi => Some((*l, *h)),
                        _ => None,
                    });
                if let Some((l, h)) = earlier {
                    let message = if (l, h) == (lo, hi) {
                        format!("duplicate ibpkeycon entry for {lo}-{hi}")
                    } else {
                        format!("ibpkeycon entry for {lo}-{hi} is hidden by an earlier entry for {l}-{h}")
                    };
                    cx.error(
                        "duplicate-declaration",
                        item.span,
                        message,
                        "covered by an earlier ibpkeycon of the subnet",
                    );
                    continue;
                }
                lists[SelinuxOcon::Ibpkey.index()].push(OContext::Ibpkey {
                    subnet_prefix: prefix,
                    low: lo,
                    high: hi,
                    context: c,
                });
            }
            ItemKind::Ibendportcon {
                device,
                port,
                context,
            } if target_ok(Target::Selinux) => {
                let Some(p) = number(cx, port, 0xFF) else {
                    continue;
                };
                if p == 0 {
                    cx.error(
                        "bad-number",
                        port.span,
                        "an endport number must be 1 to 255".to_string(),
                        "out of range",
                    );
                    continue;
                }
                let list = &lists[SelinuxOcon::Ibendport.index()];
                let again = list.iter().any(|o| {
                    matches!(o, OContext::Ibendport { name, port: q, .. }
                        if *name == device.name && *q == p as u32)
                });
                if again {
                    let what = format!("ibendportcon {} port {p}", device.name);
                    duplicate_value(cx, item.span, &what);
                    continue;
                }
                if let Some(c) = resolve::context(cx, syms, grants, context) {
                    lists[SelinuxOcon::Ibendport.index()].push(OContext::Ibendport {
                        name: device.name.to_string(),
                        port: p as u32,
                        context: c,
                    });
                }
            }
            ItemKind::Pirqcon { .. }
            | ItemKind::Ioportcon { .. }
            | ItemKind::Iomemcon { .. }
            | ItemKind::Pcidevicecon { .. }
            | ItemKind::Devicetreecon { .. }
            | ItemKind::Fscon { .. }
            | ItemKind::FsUse { .. }
            | ItemKind::Genfscon { .. }
            | ItemKind::Portcon { .. }
            | ItemKind::Netifcon { .. }
            | ItemKind::Nodecon { .. }
            | ItemKind::Ibpkeycon { .. }
            | ItemKind::Ibendportcon { .. } => {
                let other = match cx.opts.target {
                    Target::Xen => "SELinux",
                    Target::Selinux => "Xen",
                };
                cx.error(
                    "wrong-target",
                    item.span,
                    format!("this object context exists only for the {other} target"),
                    "not for this target",
                );
            }
            _ => {}
        }
    }
    // Initial SIDs: reverse declaration order; SIDs without a context are left out.
    for (i, c) in sid_ctx.into_iter().enumerate().rev() {
        match c {
            Some(context) => lists[ISID_LIST].push(OContext::Isid {
                sid: i as u32 + 1,
                context,
            }),
            None if sid_seen[i].is_none() => cx.push(
                Diagnostic::warning(
                    "sid-without-context",
                    format!(
                        "no context assigned to initial sid `{}`; it is left out",
                        syms.sids[i].name
                    ),
                )
                .primary(cx.file, syms.sids[i].span, "declared here"),
            ),
            None => {}
        }
    }
    db.ocontexts = lists;
    db.genfs = genfs;
}

/// A number that must fit under `max`.
fn number(cx: &mut Cx, n: &ast::Number, max: u64) -> Option<u64> {
    match n.value {
        Some(v) if v <= max => Some(v),
        _ => {
            cx.error(
                "bad-number",
                n.span,
                format!("number `{}` is out of range", n.text),
                &format!("must be at most {max:#x}"),
            );
            None
        }
    }
}

/// An `LO[-HI]` range of ports or memory: checked for order and overlap with earlier ones.
fn range(
    cx: &mut Cx,
    low: &ast::Number,
    high: Option<&ast::Number>,
    max: u64,
    what: &str,
    seen: &mut Vec<(u64, u64)>,
) -> Option<(u64, u64)> {
    let lo = number(cx, low, max)?;
    let hi = match high {
        Some(h) => number(cx, h, max)?,
        None => lo,
    };
    if lo > hi {
        let h = high.map(|h| h.text.as_str()).unwrap_or("");
        cx.error(
            "bad-range",
            low.span,
            format!("low {what} {} exceeds high {what} {h}", low.text),
            "the low end is above the high end",
        );
        return None;
    }
    if seen.iter().any(|&(a, b)| lo <= b && a <= hi) {
        cx.error(
            "overlapping-range",
            low.span,
            format!("{what} range {:#x}-{:#x} overlaps an earlier one", lo, hi),
            "overlaps",
        );
        return None;
    }
    seen.push((lo, hi));
    Some((lo, hi))
}

/// A 16-bit `LO[-HI]` range (ports, pkeys), low end first.
fn bounded_range(
    cx: &mut Cx,
    low: &ast::Number,
    high: Option<&ast::Number>,
    what: &str,
) -> Option<(u64, u64)> {
    // Both ends are checked, so that both are reported when both are wrong.
    let (lo, hi) = (
        number(cx, low, 0xFFFF),
        number(cx, high.unwrap_or(low), 0xFFFF),
    );
    let (lo, hi) = (lo?, hi?);
    if lo > hi {
        cx.error(
            "bad-range",
            low.span,
            format!("the low {what} is above the high {what}"),
            "backwards range",
        );
        return None;
    }
    Some((lo, hi))
}

fn bad_address(cx: &mut Cx, a: &ast::Ident) {
    cx.error(
        "bad-address",
        a.span,
        format!("`{}` is not a valid address", a.name),
        "not an address",
    );
}

fn duplicate(cx: &mut Cx, span: crate::source::Span, prev: crate::source::Span, what: &str) {
    cx.push(
        Diagnostic::error(
            "duplicate-declaration",
            format!("duplicate context for {what}"),
        )
        .primary(cx.file, span, "given again here")
        .secondary(cx.file, prev, "first given here"),
    );
}

fn duplicate_value(cx: &mut Cx, span: crate::source::Span, what: &str) {
    cx.error(
        "duplicate-declaration",
        span,
        format!("duplicate context for {what}"),
        "given again here",
    );
}

/// IPv4 and IPv6 `nodecon`, kept most specific mask first, as libsepol inserts them.
fn nodecon(
    cx: &mut Cx,
    syms: &Syms,
    grants: &resolve::ContextGrants,
    lists: &mut [Vec<OContext>],
    addr: &ast::Ident,
    mask: &ast::Ident,
    context: &ast::Context,
) {
    if let (Ok(a), Ok(m)) = (addr.name.parse::<Ipv4Addr>(), mask.name.parse::<Ipv4Addr>()) {
        let a = u32::from_le_bytes(a.octets());
        let m = u32::from_le_bytes(m.octets());
        // checkpolicy 3.4 tests the mask as the host (little-endian, as the reference
        // outputs were made) loads it, so `255.255.255.0` counts as not contiguous there.
        let contiguous = m == 0 || (!m).wrapping_add(1) & !m == 0;
        nodecon_warnings(cx, mask, addr, contiguous, !m & a != 0, "ipv4");
        let Some(c) = resolve::context(cx, syms, grants, context) else {
            return;
        };
        let pos = lists[SelinuxOcon::Node.index()]
            .iter()
            .position(|o| matches!(o, OContext::Node { mask, .. } if m > *mask))
            .unwrap_or(lists[SelinuxOcon::Node.index()].len());
        lists[SelinuxOcon::Node.index()].insert(
            pos,
            OContext::Node {
                addr: a,
                mask: m,
                context: c,
            },
        );
        return;
    }
    let (Ok(a), Ok(m)) = (addr.name.parse::<Ipv6Addr>(), mask.name.parse::<Ipv6Addr>()) else {
        bad_address(cx, addr);
        return;
    };
    let (ab, mb) = (a.octets(), m.octets());
    let mut filled = true;
    let contiguous = mb.iter().all(|&byte| {
        let inv = !byte;
        let ok = inv.wrapping_add(1) & inv == 0 && (filled || byte == 0);
        filled &= byte == 0xFF;
        ok
    });
    let host_bits = ab.iter().zip(&mb).any(|(a, m)| a & !m != 0);
    nodecon_warnings(cx, mask, addr, contiguous, host_bits, "ipv6");
    let Some(c) = resolve::context(cx, syms, grants, context) else {
        return;
    };
    let words = |o: [u8; 16]| {
        let mut w = [0u32; 4];
        for (i, ch) in o.chunks(4).enumerate() {
            w[i] = u32::from_le_bytes(ch.try_into().expect("four bytes"));
        }
        w
    };
    let (a, m) = (words(ab), words(mb));
    let pos = lists[SelinuxOcon::Node6.index()]
        .iter()
        .position(|o| match o {
            OContext::Node6 { mask, .. } => {
                let other: Vec<u8> = mask.iter().flat_map(|w| w.to_le_bytes()).collect();
                mb[..] > other[..]
            }
            _ => false,
        })
        .unwrap_or(lists[SelinuxOcon::Node6.index()].len());
    lists[SelinuxOcon::Node6.index()].insert(
        pos,
        OContext::Node6 {
            addr: a,
            mask: m,
            context: c,
        },
    );
}

/// checkpolicy's two `nodecon` warnings (errors under `-E`).
fn nodecon_warnings(
    cx: &mut Cx,
    mask: &ast::Ident,
    addr: &ast::Ident,
    contiguous: bool,
    host_bits: bool,
    family: &str,
) {
    if !contiguous {
        cx.push(
            Diagnostic::warning("nodecon-mask", format!("{family} mask is not contiguous"))
                .primary(cx.file, mask.span, "this mask"),
        );
    }
    if host_bits {
        cx.push(
            Diagnostic::warning(
                "nodecon-host-bits",
                format!("host bits in {family} address set"),
            )
            .primary(cx.file, addr.span, "bits outside the mask"),
        );
    }
}

/// `genfscon`: file systems sorted by name, paths longest first (libsepol's insertion).
#[allow(clippy::too_many_arguments)]
fn genfscon(
    cx: &mut Cx,
    syms: &Syms,
    grants: &resolve::ContextGrants,
    genfs: &mut Vec<Genfs>,
    fs: &ast::Ident,
    path: &ast::Ident,
    file_type: Option<&ast::Ident>,
    context: &ast::Context,
) {
    let sclass = match file_type.map(|t| t.name.as_str()) {
        None => 0,
        Some(flag) => {
            let class = match flag {
                "-b" => "blk_file",
                "-c" => "chr_file",
                "-d" => "dir",
                "-p" => "fifo_file",
                "-l" => "lnk_file",
                "-s" => "sock_file",
                "--" => "file",
                _ => "",
            };
            match syms.class_idx.get(class) {
                Some(&i) => i as u32 + 1,
                None => {
                    let t = file_type.expect("matched Some");
                    cx.error(
                        "bad-file-type",
                        t.span,
                        format!("file type `{}` names no class of this policy", t.name),
                        "unknown file type",
                    );
                    return;
                }
            }
        }
    };
    let Some(c) = resolve::context(cx, syms, grants, context) else {
        return;
    };
    let gi = match genfs
        .iter()
        .position(|g| g.fstype.as_bytes() >= fs.name.as_bytes())
    {
        Some(i) if genfs[i].fstype == fs.name => i,
        Some(i) => {
            genfs.insert(
                i,
                Genfs {
                    fstype: fs.name.to_string(),
                    entries: Vec::new(),
                },
            );
            i
        }
        None => {
            genfs.push(Genfs {
                fstype: fs.name.to_string(),
                entries: Vec::new(),
            });
            genfs.len() - 1
        }
    };
    let entries = &mut genfs[gi].entries;
    if entries
        .iter()
        .any(|e| e.path == path.name && e.sclass == sclass)
    {
        duplicate_value(cx, path.span, &format!("genfs path `{}`", path.name));
        return;
    }
    let pos = entries
        .iter()
        .position(|e| path.name.len() > e.path.len())
        .unwrap_or(entries.len());
    entries.insert(
        pos,
        GenfsEntry {
            path: path.name.to_string(),
            sclass,
            context: c,
        },
    );
}
