//! The object-context lists of a policy: which list of [`PolicyDb::ocontexts`] holds
//! which statement, per target (`../shared/docs/binary-format.md` §8.1), so that sema, the
//! binary reader and writer, the dumps and the admin tools name a list instead of its index.
//!
//! [`PolicyDb::ocontexts`]: super::PolicyDb::ocontexts

use super::{OContext, PolicyDb, Target};

/// The index of the initial-SID list, the first list of either target.
pub const ISID_LIST: usize = 0;

/// The object-context lists of a Xen policy, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum XenOcon {
    /// Initial SIDs.
    Isid,
    /// `pirqcon`.
    Pirq,
    /// `ioportcon`.
    Ioport,
    /// `iomemcon`.
    Iomem,
    /// `pcidevicecon`.
    Pcidevice,
    /// `devicetreecon` (version 30).
    Devicetree,
}

/// The object-context lists of a SELinux policy, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SelinuxOcon {
    /// Initial SIDs.
    Isid,
    /// `fscon`.
    Fs,
    /// `portcon`.
    Port,
    /// `netifcon`.
    Netif,
    /// IPv4 `nodecon`.
    Node,
    /// `fs_use_*`.
    FsUse,
    /// IPv6 `nodecon`.
    Node6,
    /// `ibpkeycon`.
    Ibpkey,
    /// `ibendportcon`.
    Ibendport,
}

impl XenOcon {
    /// All lists, in file order.
    pub const ALL: [XenOcon; 6] = [
        XenOcon::Isid,
        XenOcon::Pirq,
        XenOcon::Ioport,
        XenOcon::Iomem,
        XenOcon::Pcidevice,
        XenOcon::Devicetree,
    ];

    /// The list's index in [`PolicyDb::ocontexts`] and in the file.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The list at an index, if a Xen policy has one there.
    pub fn from_index(i: usize) -> Option<XenOcon> {
        XenOcon::ALL.get(i).copied()
    }

    /// What its records are, for messages.
    pub fn what(self) -> &'static str {
        match self {
            XenOcon::Isid => "initial SIDs",
            XenOcon::Pirq => "pirqcon",
            XenOcon::Ioport => "ioportcon",
            XenOcon::Iomem => "iomemcon",
            XenOcon::Pcidevice => "pcidevicecon",
            XenOcon::Devicetree => "devicetreecon",
        }
    }
}

impl SelinuxOcon {
    /// All lists, in file order.
    pub const ALL: [SelinuxOcon; 9] = [
        SelinuxOcon::Isid,
        SelinuxOcon::Fs,
        SelinuxOcon::Port,
        SelinuxOcon::Netif,
        SelinuxOcon::Node,
        SelinuxOcon::FsUse,
        SelinuxOcon::Node6,
        SelinuxOcon::Ibpkey,
        SelinuxOcon::Ibendport,
    ];

    /// The list's index in [`PolicyDb::ocontexts`] and in the file.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The list at an index, if a SELinux policy has one there.
    pub fn from_index(i: usize) -> Option<SelinuxOcon> {
        SelinuxOcon::ALL.get(i).copied()
    }

    /// What its records are, for messages.
    pub fn what(self) -> &'static str {
        match self {
            SelinuxOcon::Isid => "initial SIDs",
            SelinuxOcon::Fs => "fscon",
            SelinuxOcon::Port => "portcon",
            SelinuxOcon::Netif => "netifcon",
            SelinuxOcon::Node => "nodecon",
            SelinuxOcon::FsUse => "fs_use",
            SelinuxOcon::Node6 => "nodecon (IPv6)",
            SelinuxOcon::Ibpkey => "ibpkeycon",
            SelinuxOcon::Ibendport => "ibendportcon",
        }
    }
}

impl OContext {
    /// The index of the list a record belongs in for a target; `None` for a record the
    /// target has no list for (a `portcon` in a Xen policy).
    pub fn list_index(&self, target: Target) -> Option<usize> {
        use OContext as O;
        use SelinuxOcon as S;
        use XenOcon as X;
        let i = match (target, self) {
            (Target::Xen, O::Isid { .. }) => X::Isid.index(),
            (Target::Xen, O::Pirq { .. }) => X::Pirq.index(),
            (Target::Xen, O::Ioport { .. }) => X::Ioport.index(),
            (Target::Xen, O::Iomem { .. }) => X::Iomem.index(),
            (Target::Xen, O::Pcidevice { .. }) => X::Pcidevice.index(),
            (Target::Xen, O::Devicetree { .. }) => X::Devicetree.index(),
            (Target::Selinux, O::Isid { .. }) => S::Isid.index(),
            (Target::Selinux, O::Fs { .. }) => S::Fs.index(),
            (Target::Selinux, O::Port { .. }) => S::Port.index(),
            (Target::Selinux, O::Netif { .. }) => S::Netif.index(),
            (Target::Selinux, O::Node { .. }) => S::Node.index(),
            (Target::Selinux, O::FsUse { .. }) => S::FsUse.index(),
            (Target::Selinux, O::Node6 { .. }) => S::Node6.index(),
            (Target::Selinux, O::Ibpkey { .. }) => S::Ibpkey.index(),
            (Target::Selinux, O::Ibendport { .. }) => S::Ibendport.index(),
            _ => return None,
        };
        Some(i)
    }
}

impl PolicyDb {
    /// The records of one object-context list (empty when the policy has no such list).
    pub fn ocontext_list(&self, index: usize) -> &[OContext] {
        self.ocontexts.get(index).map_or(&[][..], Vec::as_slice)
    }
}
