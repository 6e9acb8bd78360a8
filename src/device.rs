//! Hardware labels of a Xen policy: `flaskc label-device`.
//!
//! Stage: a device (PCI address, I/O memory address, I/O port or IRQ) + `&PolicyDb` in,
//! [`DeviceReport`] out (pure). It gives the number the policy's `*con` statement must use
//! for the device (for PCI, Xen's SBDF: `(segment << 16) | (bus << 8) | (slot << 3) | func`;
//! for memory, the page frame number), the context the policy gives it (its object context,
//! or the initial SID Xen falls back to) with the whole statement that gives it and, for
//! PCI, the `flask-label-pci` command that labels it at run time, and which domain types
//! may use it: every `resource` permission granted on the label, with the booleans'
//! default states or only with other states, and the booleans that change it.
#![warn(missing_docs)]

use crate::explain::{access, class_perms, default_states, type_value};
use crate::policydb::{CondOp, Context, OContext, PolicyDb, TypeFlavor, XenOcon};

// Xen's initial SID numbers of unlabelled hardware (the order of Xen's
// `xsm/flask/policy/initial_sids`, from 1: xenboot, xen, dom0, domio, domxen, unlabeled,
// security, ioport, iomem, irq, device).
const SID_IOPORT: u32 = 8;
const SID_IOMEM: u32 = 9;
const SID_IRQ: u32 = 10;
const SID_DEVICE: u32 = 11;

/// A device to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// A PCI device by its SBDF number.
    Pci(u32),
    /// An I/O memory page frame.
    Iomem(u64),
    /// An I/O port.
    Ioport(u32),
    /// A physical IRQ.
    Irq(u32),
}

/// Why a device argument could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadDevice(pub String);

impl std::fmt::Display for BadDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read `{}`", self.0)
    }
}

/// Reads `[SEGMENT:]BUS:SLOT.FUNC` (hex, as `lspci -D` prints) into Xen's SBDF number.
///
/// # Errors
/// When a part is missing, not hex, or out of range (bus 8 bits, slot 5, func 3).
pub fn pci_sbdf(text: &str) -> Result<u32, BadDevice> {
    let bad = || BadDevice(text.to_string());
    let (rest, func) = text.rsplit_once('.').ok_or_else(bad)?;
    let mut parts: Vec<&str> = rest.split(':').collect();
    let slot = parts.pop().ok_or_else(bad)?;
    let bus = parts.pop().ok_or_else(bad)?;
    let seg = match parts.as_slice() {
        [] => "0",
        [s] => s,
        _ => return Err(bad()),
    };
    let hex = |s: &str, max: u32| u32::from_str_radix(s, 16).ok().filter(|&v| v <= max);
    let (seg, bus, slot, func) = (
        hex(seg, 0xffff).ok_or_else(bad)?,
        hex(bus, 0xff).ok_or_else(bad)?,
        hex(slot, 0x1f).ok_or_else(bad)?,
        hex(func, 7).ok_or_else(bad)?,
    );
    Ok((seg << 16) | (bus << 8) | (slot << 3) | func)
}

/// Reads a number in decimal or `0x` hex.
///
/// # Errors
/// When it is neither.
pub fn number(text: &str) -> Result<u64, BadDevice> {
    let r = match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16),
        None => text.parse(),
    };
    r.map_err(|_| BadDevice(text.to_string()))
}

/// Who may do what on a device label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUser {
    /// The domain type.
    pub domain: String,
    /// `resource` permissions granted with the booleans' default states.
    pub now: Vec<String>,
    /// Permissions granted only with other boolean states.
    pub with_booleans: Vec<String>,
    /// The booleans whose state changes what this domain may do.
    pub booleans: Vec<String>,
}

/// The label of a device and its users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceReport {
    /// The `*con` statement keyword and number (`pcidevicecon 0x300`).
    pub statement: String,
    /// The whole statement that labels the device (`pcidevicecon 0x300
    /// system_u:object_r:nic_dev_t`, a range statement when one covers it), or `None`
    /// when none does.
    pub line: Option<String>,
    /// The context (`user:role:type`), and whether it comes from an initial SID
    /// (no object context names the device).
    pub context: Option<(String, bool)>,
    /// For a PCI device: `flask-label-pci SSSS:BB:DD.F CONTEXT`, which labels it (and its
    /// memory, ports and IRQ) at run time.
    pub label_command: Option<String>,
    /// Device labels of the policy (types with the `resource_type` attribute), for a
    /// device without one.
    pub device_types: Vec<String>,
    /// Domain types with `resource` permissions on the label.
    pub users: Vec<DeviceUser>,
}

/// Reads a PCI device as `lspci` and Xen's tools print it (`03:02.0`, `0000:03:02.0`, in
/// hex) or as a `pcidevicecon` number (`0x310`, `784`).
///
/// # Errors
/// When it is neither.
pub fn pci_device(text: &str) -> Result<u32, BadDevice> {
    if text.contains([':', '.']) {
        return pci_sbdf(text);
    }
    number(text).and_then(|n| u32::try_from(n).map_err(|_| BadDevice(text.to_string())))
}

/// The context the policy gives a device, and whether it is the initial SID's (no
/// object context names the device).
pub fn lookup(db: &PolicyDb, dev: Device) -> Option<(&Context, bool)> {
    let sid = match dev {
        Device::Pci(_) => SID_DEVICE,
        Device::Iomem(_) => SID_IOMEM,
        Device::Ioport(_) => SID_IOPORT,
        Device::Irq(_) => SID_IRQ,
    };
    let own = db
        .ocontext_list(ocon_list(dev).index())
        .iter()
        .find_map(|o| match (o, dev) {
            (OContext::Pcidevice { device, context }, Device::Pci(n)) if *device == n => {
                Some(context)
            }
            (OContext::Iomem { low, high, context }, Device::Iomem(p))
                if (*low..=*high).contains(&p) =>
            {
                Some(context)
            }
            (OContext::Ioport { low, high, context }, Device::Ioport(p))
                if (*low..=*high).contains(&p) =>
            {
                Some(context)
            }
            (OContext::Pirq { pirq, context }, Device::Irq(n)) if *pirq == n => Some(context),
            _ => None,
        });
    let fallback = db
        .ocontext_list(XenOcon::Isid.index())
        .iter()
        .find_map(|o| match o {
            OContext::Isid { sid: n, context } if *n == sid => Some(context),
            _ => None,
        });
    own.map(|c| (c, false)).or(fallback.map(|c| (c, true)))
}

/// The object-context list that labels devices of this kind.
fn ocon_list(dev: Device) -> XenOcon {
    match dev {
        Device::Pci(_) => XenOcon::Pcidevice,
        Device::Iomem(_) => XenOcon::Iomem,
        Device::Ioport(_) => XenOcon::Ioport,
        Device::Irq(_) => XenOcon::Pirq,
    }
}

/// The statement of the object context that labels a device, if one does.
fn own_statement(db: &PolicyDb, dev: Device) -> Option<String> {
    let range = |kw: &str, low: u64, high: u64| match low == high {
        true => format!("{kw} {low:#x}"),
        false => format!("{kw} {low:#x}-{high:#x}"),
    };
    db.ocontext_list(ocon_list(dev).index())
        .iter()
        .find_map(|o| {
            let (head, context) = match (o, dev) {
                (OContext::Pcidevice { device, context }, Device::Pci(n)) if *device == n => {
                    (format!("pcidevicecon {n:#x}"), context)
                }
                (OContext::Iomem { low, high, context }, Device::Iomem(p))
                    if (*low..=*high).contains(&p) =>
                {
                    (range("iomemcon", *low, *high), context)
                }
                (OContext::Ioport { low, high, context }, Device::Ioport(p))
                    if (*low..=*high).contains(&p) =>
                {
                    (range("ioportcon", (*low).into(), (*high).into()), context)
                }
                (OContext::Pirq { pirq, context }, Device::Irq(n)) if *pirq == n => {
                    (format!("pirqcon {n}"), context)
                }
                _ => return None,
            };
            Some(format!("{head} {}", crate::dump::context_text(db, context)))
        })
}

/// `SSSS:BB:DD.F` of an SBDF number, as `flask-label-pci` takes it.
fn sbdf_text(n: u32) -> String {
    format!(
        "{:04x}:{:02x}:{:02x}.{:x}",
        n >> 16,
        (n >> 8) & 0xff,
        (n >> 3) & 0x1f,
        n & 7
    )
}

/// Looks a device up in the policy.
pub fn label(db: &PolicyDb, dev: Device) -> DeviceReport {
    let statement = match dev {
        Device::Pci(n) => format!("pcidevicecon {n:#x}"),
        Device::Iomem(p) => format!("iomemcon {p:#x}"),
        Device::Ioport(p) => format!("ioportcon {p:#x}"),
        Device::Irq(n) => format!("pirqcon {n}"),
    };
    let ctx = lookup(db, dev);
    let context = ctx.map(|(c, initial)| (crate::dump::context_text(db, c), initial));
    let line = own_statement(db, dev);
    let label_command = match (dev, &line, &context) {
        (Device::Pci(n), Some(_), Some((c, _))) => {
            Some(format!("flask-label-pci {} {c}", sbdf_text(n)))
        }
        _ => None,
    };
    let device_types = match (&line, type_value(db, "resource_type")) {
        (None, Some(attr)) => (1u32..)
            .zip(&db.types)
            .filter(|(v, t)| t.flavor == TypeFlavor::Type && db.type_attrs(*v).get(attr - 1))
            .map(|(_, t)| t.name.clone())
            .collect(),
        _ => Vec::new(),
    };
    DeviceReport {
        statement,
        line,
        context,
        label_command,
        device_types,
        users: ctx.map_or_else(Vec::new, |(c, _)| users(db, c.ty)),
    }
}

/// The domain types with `resource` permissions on a device type.
fn users(db: &PolicyDb, dev: u32) -> Vec<DeviceUser> {
    let Some((class, perms)) = class_perms(db, "resource") else {
        return Vec::new();
    };
    let domain_attr = type_value(db, "domain_type");
    let states = default_states(db);
    let names = |bits: u32| -> Vec<String> {
        perms
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 32 && bits & (1 << i) != 0)
            .map(|(_, p)| p.to_string())
            .collect()
    };
    let mut out = Vec::new();
    for (ty, t) in (1u32..).zip(&db.types) {
        let is_domain = domain_attr.is_none_or(|a| db.type_attrs(ty).get(a - 1));
        if t.flavor != TypeFlavor::Type || !is_domain {
            continue;
        }
        let acc = access(db, ty, dev, class, &states);
        let later = acc.inactive.iter().fold(0, |a, x| a | x.2) & !acc.now;
        if acc.now | later != 0 {
            // The branches that change something: granting more than the rules that
            // hold regardless, or than the ones in force.
            let active = acc.active.iter().filter(|x| x.2 & !acc.always != 0);
            let inactive = acc.inactive.iter().filter(|x| x.2 & !acc.now != 0);
            let mut booleans: Vec<String> = active
                .chain(inactive)
                .flat_map(|x| &db.cond_list[x.0].expr)
                .filter(|e| e.kind == CondOp::Bool)
                .filter_map(|e| db.bools.get((e.bool_value as usize).checked_sub(1)?))
                .map(|b| b.name.clone())
                .collect();
            booleans.sort();
            booleans.dedup();
            out.push(DeviceUser {
                domain: t.name.clone(),
                now: names(acc.now),
                with_booleans: names(later),
                booleans,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pci_addresses_become_xen_sbdf_numbers() {
        assert_eq!(pci_sbdf("0000:03:00.0"), Ok(0x300));
        assert_eq!(pci_sbdf("03:1f.7"), Ok(0x3ff));
        assert_eq!(pci_sbdf("0001:00:02.1"), Ok(0x10011));
        assert!(pci_sbdf("03:20.0").is_err());
        assert!(pci_sbdf("zz").is_err());
        assert_eq!(pci_device("0x310"), Ok(0x310));
        assert_eq!(pci_device("784"), Ok(0x310));
        assert_eq!(pci_device("03:02.0"), Ok(0x310));
        assert_eq!(sbdf_text(0x10311), "0001:03:02.1");
    }
}
