//! Object contexts and genfs (binary-format.md §8).

use super::{Encode, Encoder};
use crate::binary::format::V_XPERMS_IOCTL;
use crate::binary::WriteError;
use crate::policydb::{OContext, PolicyDb};

/// One record; the list it is in was checked by [`write_ocontexts`].
impl Encode for OContext {
    fn encode(&self, e: &mut Encoder) {
        match self {
            OContext::Isid { sid: n, context }
            | OContext::Pirq { pirq: n, context }
            | OContext::Pcidevice { device: n, context } => {
                e.u32(*n);
                context.encode(e);
            }
            OContext::Ioport { low, high, context } => {
                e.u32(*low);
                e.u32(*high);
                context.encode(e);
            }
            OContext::Iomem { low, high, context } => {
                // §8.1: u64 bounds from V30; write() refused larger values before.
                if e.version >= V_XPERMS_IOCTL {
                    e.u64(*low);
                    e.u64(*high);
                } else {
                    e.u32(*low as u32);
                    e.u32(*high as u32);
                }
                context.encode(e);
            }
            OContext::Devicetree { path, context } => {
                e.string(path);
                context.encode(e);
            }
            OContext::Fs {
                name,
                context,
                context2,
            }
            | OContext::Netif {
                name,
                context,
                context2,
            } => {
                e.string(name);
                context.encode(e);
                context2.encode(e);
            }
            OContext::Port {
                protocol,
                low,
                high,
                context,
            } => {
                e.u32(*protocol);
                e.u32(*low);
                e.u32(*high);
                context.encode(e);
            }
            OContext::Node {
                addr,
                mask,
                context,
            } => {
                e.u32(*addr);
                e.u32(*mask);
                context.encode(e);
            }
            OContext::FsUse {
                behavior,
                name,
                context,
            } => {
                e.u32(behavior.code());
                e.string(name);
                context.encode(e);
            }
            OContext::Node6 {
                addr,
                mask,
                context,
            } => {
                for w in addr.iter().chain(mask) {
                    e.u32(*w);
                }
                context.encode(e);
            }
            OContext::Ibpkey {
                subnet_prefix,
                low,
                high,
                context,
            } => {
                e.u64(*subnet_prefix);
                e.u32(*low);
                e.u32(*high);
                context.encode(e);
            }
            OContext::Ibendport {
                name,
                port,
                context,
            } => {
                e.len(name.len());
                e.u32(*port);
                e.bytes(name.as_bytes());
                context.encode(e);
            }
        }
    }
}

/// `ocon_num` lists (§8.1), then genfs (§8.3). Lists the version does not have (Xen's
/// device tree before V30, SELinux's InfiniBand lists before V31) are dropped, as
/// checkpolicy drops them.
pub(super) fn write_ocontexts(
    e: &mut Encoder,
    db: &PolicyDb,
    ocon_num: u32,
) -> Result<(), WriteError> {
    let version = e.version;
    for (i, list) in db.ocontexts.iter().enumerate().take(ocon_num as usize) {
        for o in list {
            if o.list_index(db.target) != Some(i) {
                return Err(WriteError::Unrepresentable {
                    what: "an object context in another kind's list",
                    version,
                });
            }
            if let OContext::Iomem { high, .. } = o {
                if version < V_XPERMS_IOCTL && *high > u64::from(u32::MAX) {
                    return Err(WriteError::Unrepresentable {
                        what: "IOMEM addresses over 16TB",
                        version,
                    });
                }
            }
        }
    }
    let empty = Vec::new();
    for i in 0..ocon_num as usize {
        e.list(db.ocontexts.get(i).unwrap_or(&empty));
    }
    e.len(db.genfs.len());
    for g in &db.genfs {
        e.string(&g.fstype);
        e.len(g.entries.len());
        for entry in &g.entries {
            e.string(&entry.path);
            e.u32(entry.sclass);
            entry.context.encode(e);
        }
    }
    Ok(())
}
