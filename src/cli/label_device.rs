//! `flaskc label-device`: the policy's label for a device and the domains that may use it.
//!
//! Exactly one of `--pci`, `--iomem`, `--ioport`, `--irq`. Prints the statement that
//! labels the device (or the one to add), its context, the `flask-label-pci` command for
//! a PCI device, and who may use it. Exit codes: 0, or 2 for an unreadable policy or
//! device argument.

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
    /// A PCI device: `[SEGMENT:]BUS:SLOT.FUNC` in hex as lspci and Xen's tools print it
    /// (`03:02.0`, `0000:03:02.0`), or a `pcidevicecon` number (`0x310`).
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
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// The device named by the arguments.
fn device(args: &LabelDeviceArgs) -> Result<Device, device::BadDevice> {
    let small = |s: &str| {
        device::number(s).and_then(|n| u32::try_from(n).map_err(|_| device::BadDevice(s.into())))
    };
    match (&args.pci, &args.iomem, &args.ioport, &args.irq) {
        (Some(p), ..) => device::pci_device(p).map(Device::Pci),
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
        Err(e) => return super::Failure::from(e).report(),
    };
    let dev = match device(args) {
        Ok(d) => d,
        Err(e) => {
            crate::io::eprintln!("flaskc: {e}");
            return 2;
        }
    };
    let rep = device::label(&db, dev);
    if args.json {
        return super::print_text(0, &format!("{}\n", to_json(&rep)));
    }
    super::print_report(0, |o| {
        match &rep.line {
            Some(line) => writeln!(o, "labelled by: {line}")?,
            None => {
                writeln!(
                    o,
                    "labelled by: nothing; to label it, add to policy/device_contexts:"
                )?;
                writeln!(o, "  {} system_u:object_r:TYPE", rep.statement)?;
                if !rep.device_types.is_empty() {
                    writeln!(
                        o,
                        "  (device labels of this policy: {})",
                        rep.device_types.join(" ")
                    )?;
                }
            }
        }
        match &rep.context {
            Some((c, false)) => writeln!(o, "label: {c}")?,
            Some((c, true)) => writeln!(
                o,
                "label: {c} (no statement names it: the initial SID's label)"
            )?,
            None => writeln!(o, "label: none (the policy has no context for it)")?,
        }
        if let Some(cmd) = &rep.label_command {
            writeln!(o, "at run time (dom0): {cmd}")?;
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
            if !u.booleans.is_empty() {
                parts.push(format!("depends on {}", u.booleans.join(", ")));
            }
            writeln!(o, "  {}: {}", u.domain, parts.join("; "))?;
        }
        Ok(())
    })
}

/// The report as JSON.
fn to_json(rep: &device::DeviceReport) -> serde_json::Value {
    use serde_json::json;
    json!({
        "statement": rep.statement,
        "line": rep.line,
        "context": rep.context.as_ref().map(|c| &c.0),
        "from_initial_sid": rep.context.as_ref().is_some_and(|c| c.1),
        "label_command": rep.label_command,
        "device_types": rep.device_types,
        "users": rep.users.iter().map(|u| json!({
            "domain": u.domain, "now": u.now, "with_booleans": u.with_booleans, "booleans": u.booleans,
        })).collect::<Vec<_>>(),
    })
}
