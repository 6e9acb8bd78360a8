//! Unit tests of the binary stage: the Appendix A policy of binary-format.md byte for byte,
//! ebitmap encoding, error rendering, and hand-made malformed files, each rejected with
//! its expected message.

use super::*;

use crate::policydb::*;

/// The toy policy of binary-format.md Appendix A, built by hand.
fn appendix_a() -> PolicyDb {
    let mut db = PolicyDb::new(Target::Xen, false);
    db.classes.push(Class {
        name: "xen".into(),
        common: None,
        perms: vec!["a".into(), "b".into()],
        constraints: vec![],
        validatetrans: vec![],
        default_user: 0,
        default_role: 0,
        default_range: 0,
        default_type: 0,
    });
    let role = |name: &str, dominates: &[u32], types: &[u32]| Role {
        name: name.into(),
        attribute: false,
        bounds: None,
        dominates: dominates.iter().copied().collect(),
        types: types.iter().copied().collect(),
    };
    db.roles = vec![
        Some(role("object_r", &[], &[])),
        Some(role("r", &[1], &[0])),
    ];
    db.types.push(Type {
        name: "t".into(),
        flavor: TypeFlavor::Type,
        bounds: None,
    });
    db.users.push(User {
        name: "u".into(),
        bounds: None,
        roles: [1].into_iter().collect(),
        range: Range::default(),
        dflt_level: Level::default(),
    });
    let key = AvtabKey {
        source: 1,
        target: 1,
        class: 1,
        specified: avkind::ALLOWED,
    };
    db.avtab.push(AvtabEntry { key, data: 2 });
    let context = Context {
        user: 1,
        role: 2,
        ty: 1,
        range: Range::default(),
    };
    db.ocontexts = vec![vec![OContext::Isid { sid: 1, context }]];
    db.type_attr_map = vec![[0].into_iter().collect()];
    db
}

/// The bytes of Appendix A's field walk.
fn appendix_a_bytes() -> Vec<u8> {
    let mut b = Vec::new();
    let w = |b: &mut Vec<u8>, words: &[u32]| {
        for x in words {
            b.extend_from_slice(&x.to_le_bytes());
        }
    };
    let empty = [64, 0, 0];
    let bit = |n: u32| [64, 64, 1, 0, 1 << n, 0];
    w(&mut b, &[0xF97C_FF8C, 8]);
    b.extend_from_slice(b"XenFlask");
    w(&mut b, &[30, 0, 8, 6]);
    w(&mut b, &empty); // policycaps
    w(&mut b, &empty); // permissive
    w(&mut b, &[0, 0, 1, 1]); // commons, classes
    w(&mut b, &[3, 0, 1, 2, 2, 0]);
    b.extend_from_slice(b"xen");
    w(&mut b, &[1, 1]);
    b.push(b'a');
    w(&mut b, &[1, 2]);
    b.push(b'b');
    w(&mut b, &[0, 0, 0, 0, 0]); // validatetrans, defaults
    w(&mut b, &[2, 2, 1, 2, 0]); // roles; role r
    b.push(b'r');
    w(&mut b, &bit(1));
    w(&mut b, &bit(0));
    w(&mut b, &[8, 1, 0]);
    b.extend_from_slice(b"object_r");
    w(&mut b, &empty);
    w(&mut b, &empty);
    w(&mut b, &[1, 1, 1, 1, 1, 0]); // types; type t
    b.push(b't');
    w(&mut b, &[1, 1, 1, 1, 0]); // users; user u
    b.push(b'u');
    w(&mut b, &bit(1));
    w(&mut b, &[1, 0]);
    w(&mut b, &empty); // range
    w(&mut b, &[0]);
    w(&mut b, &empty); // default level
    w(&mut b, &[0, 0, 0, 0, 0, 0]); // bools, sens, cats
    w(&mut b, &[1, 0x0001_0001, 0x0001_0001, 2]); // avtab
    w(&mut b, &[0, 0, 0, 0]); // cond, role_trans, role_allow, filename_trans
    w(&mut b, &[1, 1, 1, 2, 1, 1, 0]); // ISID
    w(&mut b, &empty);
    w(&mut b, &[0, 0, 0, 0, 0]); // PIRQ .. DEVICETREE
    w(&mut b, &[0, 0]); // genfs, range_trans
    w(&mut b, &bit(0)); // type_attr_map
    b
}

#[test]
fn appendix_a_round_trip() {
    let bytes = appendix_a_bytes();
    assert_eq!(bytes.len(), 504);
    let db = appendix_a();
    assert_eq!(write(&db, &WriteOptions { version: 30 }).unwrap(), bytes);
    let back = read(&bytes).unwrap();
    assert_eq!(back.version, 30);
    // The reader returns one list per ocontext kind of the version.
    let mut expected = db;
    expected.ocontexts.resize(6, Vec::new());
    assert_eq!(back.db, expected);
}

#[test]
fn ebitmap_encoding_is_canonical() {
    let mut e = crate::binary::write::Encoder::for_tests(30);
    let bits: Ebitmap = [1, 64, 200].into_iter().collect();
    crate::binary::write::encode(&mut e, &bits);
    let words: Vec<u8> = e.into_bytes();
    // mapsize 64, highbit 256, 3 nodes (0, 64, 192).
    assert_eq!(&words[..12], &[64, 0, 0, 0, 0, 1, 0, 0, 3, 0, 0, 0]);
    assert_eq!(words.len(), 12 + 3 * 12);
    assert_eq!(&words[12..16], &[0, 0, 0, 0]);
    assert_eq!(&words[24..28], &[64, 0, 0, 0]);
    assert_eq!(&words[36..40], &[192, 0, 0, 0]);
}

#[test]
fn errors_stay_small() {
    assert_eq!(
        std::mem::size_of::<ReadError>(),
        std::mem::size_of::<usize>()
    );
    assert!(std::mem::size_of::<WriteError>() <= 32);
}

#[test]
fn read_error_display() {
    let e = ReadError::new(
        ReadErrorKind::BadEbitmap("map is zero"),
        0x1f,
        vec!["role table".into(), "entry 3".into()],
    );
    assert_eq!(
        e.to_string(),
        "bad ebitmap: map is zero in role table, entry 3 (at offset 0x1f)"
    );
}

/// Appendix A's bytes with a little-endian word replaced.
fn patched(offset: usize, word: u32) -> Vec<u8> {
    let mut b = appendix_a_bytes();
    b[offset..offset + 4].copy_from_slice(&word.to_le_bytes());
    b
}

fn read_err(bytes: &[u8]) -> String {
    read(bytes)
        .expect_err("malformed input was accepted")
        .to_string()
}

#[test]
fn truncation_at_every_offset_is_rejected() {
    let bytes = appendix_a_bytes();
    for len in 0..bytes.len() {
        let msg = read_err(&bytes[..len]);
        assert!(msg.contains("(at offset 0x"), "{len}: {msg}");
    }
    assert_eq!(
        read_err(&bytes[..2]),
        "unexpected end of file: 4 bytes needed, 2 left (at offset 0x0)"
    );
    assert_eq!(
        read_err(&bytes[..0x1f0]),
        "ebitmap node count 1 is out of bounds (at most 0 here) in type attribute map, \
         type 1 (at offset 0x1e0)"
    );
}

#[test]
fn wrong_magic_is_rejected() {
    assert_eq!(
        read_err(&patched(0, 0x1234_5678)),
        "bad magic 0x12345678: not a kernel policy (expected 0xf97cff8c) (at offset 0x0)"
    );
}

#[test]
fn unsupported_version_is_rejected() {
    assert_eq!(
        read_err(&patched(0x10, 33)),
        "unsupported policy version 33 for target Xen (supported: 24, 30) (at offset 0x10)"
    );
    assert_eq!(
        read_err(&patched(0x1c, 5)),
        "ocontext list count is 5, expected 6 for this version (at offset 0x1c)"
    );
}

#[test]
fn count_too_large_is_rejected() {
    assert_eq!(
        read_err(&patched(0x44, 1000)),
        "nel 1000 is out of bounds (at most 18 here) in class table (at offset 0x44)"
    );
    assert_eq!(
        read_err(&patched(0x40, 0x10_0000)),
        "nprim 1048576 is out of bounds (at most 65535 here) in class table (at offset 0x40)"
    );
}

#[test]
fn index_out_of_range_is_rejected() {
    // The avtab key's class (u16 at 0x184) names class 2 of 1.
    assert_eq!(
        read_err(&patched(0x184, 0x0001_0002)),
        "class value 2 is out of range in avtab, entry 0 (at offset 0x184)"
    );
    // The ISID context's role names role 3 of 2.
    assert_eq!(
        read_err(&patched(0x1a8, 3)),
        "role value 3 is out of range in ocontext list 0 (initial SIDs), record 0 \
         (at offset 0x1a8)"
    );
}

#[test]
fn bad_ebitmaps_are_rejected() {
    // Role r's dominates map (node map at 0xae) is zero.
    let mut b = appendix_a_bytes();
    b[0xae..0xb6].fill(0);
    assert_eq!(
        read_err(&b),
        "bad ebitmap: node map is zero in role table, role `r` (at offset 0x9e)"
    );
    assert_eq!(
        read_err(&patched(0xa2, 65)),
        "bad ebitmap: high bit is not a multiple of 64 in role table, role `r` (at offset 0x9e)"
    );
    assert_eq!(
        read_err(&patched(0x9e, 32)),
        "bad ebitmap: map size is not 64 in role table, role `r` (at offset 0x9e)"
    );
}

#[test]
fn trailing_bytes_are_rejected() {
    let mut b = appendix_a_bytes();
    b.push(0);
    assert_eq!(
        read_err(&b),
        "1 trailing bytes after the policy (at offset 0x1f8)"
    );
}

#[test]
fn empty_avtab_is_rejected() {
    let mut db = appendix_a();
    db.avtab.clear();
    let bytes = write(&db, &WriteOptions { version: 30 }).unwrap();
    assert_eq!(
        read_err(&bytes),
        "table is empty in avtab (at offset 0x17c)"
    );
}

#[test]
fn duplicate_names_are_rejected() {
    let mut db = appendix_a();
    db.users.push(db.users[0].clone());
    let bytes = write(&db, &WriteOptions { version: 30 }).unwrap();
    assert_eq!(
        read_err(&bytes),
        "duplicate user `u` in user table, user `u` (at offset 0x164)"
    );
}

#[test]
fn write_refuses_what_the_version_cannot_express() {
    let db = appendix_a();
    let err = write(&db, &WriteOptions { version: 33 }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "policy version 33 cannot be written for target Xen \
         (checkpolicy 3.4 writes versions 24 and 30)"
    );
    let mut big = appendix_a();
    let context = Context {
        user: 1,
        role: 2,
        ty: 1,
        range: Range::default(),
    };
    big.ocontexts.resize(6, Vec::new());
    big.ocontexts[XenOcon::Iomem.index()].push(OContext::Iomem {
        low: 0,
        high: 1 << 40,
        context,
    });
    assert_eq!(
        write(&big, &WriteOptions { version: 24 })
            .unwrap_err()
            .to_string(),
        "policy version 24 cannot represent IOMEM addresses over 16TB"
    );
    assert!(write(&big, &WriteOptions { version: 30 }).is_ok());
}

#[test]
fn version_24_drops_role_transitions_and_devicetree() {
    let mut db = appendix_a();
    db.role_trans.push(RoleTrans {
        role: RoleId::from_value(2).unwrap(),
        ty: TypeId::from_value(1).unwrap(),
        new_role: RoleId::from_value(2).unwrap(),
        class: ClassId::from_value(1),
    });
    let v24 = write(&db, &WriteOptions { version: 24 }).unwrap();
    let back = read(&v24).unwrap();
    assert_eq!(back.version, 24);
    assert!(back.db.role_trans.is_empty());
    assert_eq!(back.db.ocontexts.len(), 5);
}

/// libsepol refuses a context whose user may not have its role (or role its type), as
/// the initial SID context of a binary: so does the reader, for every command.
#[test]
fn invalid_contexts_are_rejected() {
    let mut db = appendix_a();
    db.users[0].roles = Ebitmap::new();
    let bytes = write(&db, &WriteOptions { version: 30 }).unwrap();
    assert!(read_err(&bytes).starts_with("invalid security context"));
    let mut db = appendix_a();
    if let Some(r) = db.roles[1].as_mut() {
        r.types = Ebitmap::new();
    }
    let bytes = write(&db, &WriteOptions { version: 30 }).unwrap();
    assert!(read_err(&bytes).starts_with("invalid security context"));
}

#[test]
fn a_type_past_the_avtab_key_width_is_refused_not_wrapped() {
    // Before V20 rules on attributes are written per member type: type 70,000 cannot be
    // an avtab key (16 bits), so the writer refuses it rather than write type 4,464.
    let mut db = appendix_a();
    db.target = Target::Selinux;
    db.types[0].flavor = TypeFlavor::Attribute;
    let n = 70_000;
    let t = Type {
        name: "t".into(),
        flavor: TypeFlavor::Type,
        bounds: None,
    };
    db.types.resize(n, t);
    db.type_attr_map.resize(n, Ebitmap::new());
    db.type_attr_map[n - 1] = [0, n as u32 - 1].into_iter().collect();
    let err = write(&db, &WriteOptions { version: 19 }).unwrap_err();
    assert_eq!(
        err.to_string(),
        "type value 70000 does not fit the binary format (at most 65535)"
    );
}
