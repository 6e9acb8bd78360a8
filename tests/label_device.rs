//! `flaskc label-device` on the starter policy: the example NIC's resources, unlabelled
//! hardware falling back to the initial SIDs, and a bad PCI address (snapshot).

mod common;

use std::process::Command;

#[test]
fn devices_are_labelled() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = common::build_starter(work.path());
    let flaskc = || Command::new(env!("CARGO_BIN_EXE_flaskc"));
    let mut snap = String::new();
    for dev in [
        ["--pci", "0000:03:00.0"],
        ["--pci", "0000:04:00.0"],
        ["--irq", "42"],
        ["--iomem", "0xf7c05000"],
        ["--ioport", "0xe010"],
        ["--ioport", "0x60"],
        ["--pci", "03:20.0"],
    ] {
        let out = flaskc()
            .arg("label-device")
            .arg("--policy")
            .arg(&bin)
            .args(dev)
            .output()
            .expect("flaskc runs");
        snap.push_str(&format!(
            "== {} (exit {:?})\n{}{}",
            dev.join(" "),
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    assert!(snap.contains("pcidevicecon 0x300\nlabel: system_u:object_r:nic_dev_t"));
    insta::assert_snapshot!(snap);
}
