//! `flaskc label-device`: the policy's label for a device and the domains that may use it.
//!
//! Exactly one of `--pci`, `--iomem`, `--ioport`, `--irq`. Exit codes: 0, or 2 for an
//! unreadable policy or device argument.

use crate::device::{self, Device};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `flaskc label-device`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("device").required(true).multiple(false)))]
pub struct LabelDeviceArgs {
    /// The binary policy.
    #[arg(long)]
    pub policy: PathBuf,
    /// A PCI device, `[SEGMENT:]BUS:SLOT.FUNC` in hex (`0000:03:00.0`).
    #[arg(long, group = "device")]
    pub pci: Option<String>,
    /// An I/O memory byte address (its page frame, address >> 12, is looked up).
    #[arg(long, group = "device")]
    pub iomem: Option<String>,
    /// An I/O port.
    #[arg(long, group = "device")]
    pub ioport: Option<String>,
    /// A physical IRQ.
    #[arg(long, group = "device")]
    pub irq: Option<String>,
}

/// The device named by the arguments.
fn device(args: &LabelDeviceArgs) -> Result<Device, device::BadDevice> {
    let small = |s: &str| {
        device::number(s).and_then(|n| u32::try_from(n).map_err(|_| device::BadDevice(s.into())))
    };
    match (&args.pci, &args.iomem, &args.ioport, &args.irq) {
        (Some(p), ..) => device::pci_sbdf(p).map(Device::Pci),
        (_, Some(a), ..) => device::number(a).map(|a| Device::Iomem(a >> 12)),
        (_, _, Some(p), _) => small(p).map(Device::Ioport),
        (.., Some(i)) => small(i).map(Device::Irq),
        _ => Err(device::BadDevice(String::new())),
    }
}

/// Runs `flaskc label-device`; the exit code.
pub(crate) fn run(args: &LabelDeviceArgs) -> i32 {
    let db = match super::read_policy(&args.policy) {
        Ok(p) => p.db,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let dev = match device(args) {
        Ok(d) => d,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let rep = device::label(&db, dev);
    super::print_report(0, |o| {
        writeln!(o, "statement: {}", rep.statement)?;
        match &rep.context {
            Some((c, false)) => writeln!(o, "label: {c}")?,
            Some((c, true)) => writeln!(
                o,
                "label: {c} (no statement names it: the initial SID's label)"
            )?,
            None => writeln!(o, "label: none (the policy has no context for it)")?,
        }
        for u in &rep.users {
            let mut parts = Vec::new();
            if !u.now.is_empty() {
                parts.push(format!("{{ {} }}", u.now.join(" ")));
            }
            if !u.with_booleans.is_empty() {
                parts.push(format!(
                    "with other boolean states {{ {} }}",
                    u.with_booleans.join(" ")
                ));
            }
            writeln!(o, "  {}: {}", u.domain, parts.join("; "))?;
        }
        Ok(())
    })
}
