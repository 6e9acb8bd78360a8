//! Object contexts and genfs (binary-format.md §8), with the uniqueness rules of §15.

use super::{Reader, Result, Space, MAX_SYMBOLS};
use crate::binary::format::V_XPERMS_IOCTL;
use crate::binary::ReadErrorKind;
use crate::policydb::{FsUseBehavior, Genfs, GenfsEntry, OContext, SelinuxOcon, Target, XenOcon};
use std::collections::HashSet;

const MAX_RECORDS: u32 = u32::MAX;

/// `ocon_num` lists, then genfs.
pub(super) fn read_ocontexts(r: &mut Reader, ocon_num: u32) -> Result<()> {
    for i in 0..ocon_num as usize {
        let name = match r.d.target {
            Target::Xen => XenOcon::from_index(i).map(XenOcon::what),
            Target::Selinux => SelinuxOcon::from_index(i).map(SelinuxOcon::what),
        };
        r.d.ctx_push(format!("ocontext list {i} ({})", name.unwrap_or("?")));
        let n = r.d.count("record count", 16, MAX_RECORDS)?;
        let mut list = Vec::with_capacity(n);
        let mut keys = HashSet::new();
        for j in 0..n {
            r.d.ctx_push(format!("record {j}"));
            let at = r.d.pos();
            let (o, key) = match r.d.target {
                Target::Xen => read_xen(r, i)?,
                Target::Selinux => read_selinux(r, i)?,
            };
            if let Some(key) = key {
                if !keys.insert(key.clone()) {
                    return Err(r.d.error_at(
                        at,
                        ReadErrorKind::Duplicate {
                            what: "object context",
                            name: key,
                        },
                    ));
                }
            }
            list.push(o);
            r.d.ctx_pop();
        }
        r.db.ocontexts.push(list);
        r.d.ctx_pop();
    }
    r.d.ctx_push("genfs");
    let n = r.d.count("file system count", 8, MAX_RECORDS)?;
    for i in 0..n {
        r.d.ctx_push(format!("file system {i}"));
        let fstype = r.d.lp_string()?;
        let m = r.d.count("path count", 20, MAX_RECORDS)?;
        let mut entries = Vec::with_capacity(m);
        for _ in 0..m {
            let path = r.d.lp_string()?;
            let at = r.d.pos();
            let sclass = r.d.u32()?;
            if sclass != 0 {
                r.value(at, Space::Class, sclass)?;
            }
            let context = r.context()?;
            entries.push(GenfsEntry {
                path,
                sclass,
                context,
            });
        }
        r.db.genfs.push(Genfs { fstype, entries });
        r.d.ctx_pop();
    }
    r.d.ctx_pop();
    Ok(())
}

/// Initial SIDs are numbered from 1; we also cap them at `MAX_SYMBOLS` (libsepol does
/// not), since the dumps name every SID up to the highest and real policies have a few
/// dozen.
fn valid_sid(sid: u32) -> bool {
    (1..=MAX_SYMBOLS).contains(&sid)
}

/// A low..high pair that must be ordered.
fn ordered<T: PartialOrd + Into<u64>>(r: &Reader, at: usize, low: T, high: T) -> Result<()> {
    if low > high {
        return r
            .d
            .out_of_range(at, "range low bound above high bound", low.into());
    }
    Ok(())
}

/// One Xen record (§8.1) and its uniqueness key, if it has one.
fn read_xen(r: &mut Reader, list: usize) -> Result<(OContext, Option<String>)> {
    let at = r.d.pos();
    let list = XenOcon::from_index(list);
    Ok(match list {
        Some(XenOcon::Isid | XenOcon::Pirq | XenOcon::Pcidevice) => {
            let n = r.d.u32()?;
            if list == Some(XenOcon::Isid) && !valid_sid(n) {
                return r.d.out_of_range(at, "initial SID", n.into());
            }
            let context = r.context()?;
            let key = Some(n.to_string());
            match list {
                Some(XenOcon::Isid) => (OContext::Isid { sid: n, context }, key),
                Some(XenOcon::Pirq) => (OContext::Pirq { pirq: n, context }, key),
                _ => (OContext::Pcidevice { device: n, context }, key),
            }
        }
        Some(XenOcon::Ioport) => {
            let (low, high) = (r.d.u32()?, r.d.u32()?);
            ordered(r, at, low, high)?;
            (
                OContext::Ioport {
                    low,
                    high,
                    context: r.context()?,
                },
                None,
            )
        }
        Some(XenOcon::Iomem) => {
            let (low, high) = if r.d.version >= V_XPERMS_IOCTL {
                (r.d.u64()?, r.d.u64()?)
            } else {
                (r.d.u32()?.into(), r.d.u32()?.into())
            };
            ordered(r, at, low, high)?;
            (
                OContext::Iomem {
                    low,
                    high,
                    context: r.context()?,
                },
                None,
            )
        }
        _ => {
            let path = r.d.lp_string()?;
            let key = Some(path.clone());
            (
                OContext::Devicetree {
                    path,
                    context: r.context()?,
                },
                key,
            )
        }
    })
}

/// One SELinux record (§8.1) and its uniqueness key, if it has one.
fn read_selinux(r: &mut Reader, list: usize) -> Result<(OContext, Option<String>)> {
    let at = r.d.pos();
    let list = SelinuxOcon::from_index(list);
    Ok(match list {
        Some(SelinuxOcon::Isid) => {
            let sid = r.d.u32()?;
            if !valid_sid(sid) {
                return r.d.out_of_range(at, "initial SID", sid.into());
            }
            (
                OContext::Isid {
                    sid,
                    context: r.context()?,
                },
                Some(sid.to_string()),
            )
        }
        Some(SelinuxOcon::Fs | SelinuxOcon::Netif) => {
            let name = r.d.lp_string()?;
            let context = r.context()?;
            let context2 = r.context()?;
            if list == Some(SelinuxOcon::Fs) {
                (
                    OContext::Fs {
                        name,
                        context,
                        context2,
                    },
                    None,
                )
            } else {
                (
                    OContext::Netif {
                        name,
                        context,
                        context2,
                    },
                    None,
                )
            }
        }
        Some(SelinuxOcon::Port) => {
            let protocol = r.d.u32()?;
            let (low, high) = (r.d.u32()?, r.d.u32()?);
            ordered(r, at + 4, low, high)?;
            (
                OContext::Port {
                    protocol,
                    low,
                    high,
                    context: r.context()?,
                },
                None,
            )
        }
        Some(SelinuxOcon::Node) => {
            let (addr, mask) = (r.d.u32()?, r.d.u32()?);
            (
                OContext::Node {
                    addr,
                    mask,
                    context: r.context()?,
                },
                None,
            )
        }
        Some(SelinuxOcon::FsUse) => {
            let code = r.d.u32()?;
            let Some(behavior) = FsUseBehavior::from_code(code) else {
                return r.d.out_of_range(at, "fs_use behavior", code.into());
            };
            let name = r.d.lp_string()?;
            (
                OContext::FsUse {
                    behavior,
                    name,
                    context: r.context()?,
                },
                None,
            )
        }
        Some(SelinuxOcon::Node6) => {
            let mut w = [0u32; 8];
            for v in &mut w {
                *v = r.d.u32()?;
            }
            let (addr, mask) = ([w[0], w[1], w[2], w[3]], [w[4], w[5], w[6], w[7]]);
            (
                OContext::Node6 {
                    addr,
                    mask,
                    context: r.context()?,
                },
                None,
            )
        }
        Some(SelinuxOcon::Ibpkey) => {
            let subnet_prefix = r.d.u64()?;
            let (low, high) = (r.d.u32()?, r.d.u32()?);
            ordered(r, at + 8, low, high)?;
            if high > 0xFFFF {
                return r.d.out_of_range(at + 12, "pkey", high.into());
            }
            (
                OContext::Ibpkey {
                    subnet_prefix,
                    low,
                    high,
                    context: r.context()?,
                },
                None,
            )
        }
        _ => {
            let len = r.d.str_len()?;
            let port = r.d.u32()?;
            if port == 0 || port > 0xFF {
                return r.d.out_of_range(at + 4, "IB end port", port.into());
            }
            let name = r.d.string(len)?;
            (
                OContext::Ibendport {
                    name,
                    port,
                    context: r.context()?,
                },
                None,
            )
        }
    })
}
