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
        ["--pci", "03:00.0"],
        ["--pci", "0x300"],
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
    assert!(snap.contains(
        "labelled by: pcidevicecon 0x300 system_u:object_r:nic_dev_t\nlabel: system_u:object_r:nic_dev_t"
    ));
    assert!(snap.contains("flask-label-pci 0000:03:00.0 system_u:object_r:nic_dev_t"));
    assert!(snap.contains("iomemcon 0xf7c00-0xf7c1f system_u:object_r:nic_dev_t"));
    assert!(snap.contains("depends on allow_pci_passthrough"));
    insta::assert_snapshot!(snap);
}

#[test]
fn devices_are_labelled_in_json() {
    let work = tempfile::tempdir().expect("temp dir");
    let bin = common::build_starter(work.path());
    let out = Command::new(env!("CARGO_BIN_EXE_flaskc"))
        .arg("label-device")
        .arg("--policy")
        .arg(&bin)
        .args(["--json", "--pci", "0000:04:00.0"])
        .output()
        .expect("flaskc runs");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["statement"], "pcidevicecon 0x400");
    assert!(v["line"].is_null());
    assert_eq!(v["from_initial_sid"], true);
    assert!(v["device_types"]
        .as_array()
        .expect("types")
        .iter()
        .any(|t| t == "nic_dev_t"));
}
