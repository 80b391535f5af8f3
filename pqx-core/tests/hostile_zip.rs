//! ZIP-level attacks: every archive that another ZIP reader could understand differently from
//! pqx, or that hides bytes no signature covers, is refused with an error naming the problem.

mod support;
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::Error;
use std::io::Cursor;
use support::rawzip::{minimal_package_entries, RawEntry, RawZip};

fn open(bytes: &[u8]) -> Result<(), Error> {
    Package::open(Cursor::new(bytes), "hostile.pqx", &Limits::default()).map(|_| ())
}

fn open_with(bytes: &[u8], limits: &Limits) -> Result<(), Error> {
    Package::open(Cursor::new(bytes), "hostile.pqx", limits).map(|_| ())
}

/// Asserts that opening fails and the message contains `needle`.
fn refused(bytes: &[u8], needle: &str) {
    match open(bytes) {
        Ok(()) => panic!("accepted a hostile archive (expected {needle:?})"),
        Err(e) => assert!(
            e.to_string()
                .to_lowercase()
                .contains(&needle.to_lowercase()),
            "error {e:?} does not mention {needle:?}"
        ),
    }
}

fn with(extra: RawEntry) -> RawZip {
    let mut e = minimal_package_entries();
    e.push(extra);
    RawZip::new(e)
}

#[test]
fn baseline_minimal_package_opens() {
    open(&RawZip::new(minimal_package_entries()).build()).unwrap();
}

#[test]
fn rejects_duplicate_entry_names() {
    refused(
        &with(RawEntry::stored("HelloWorld.pq", b"evil")).build(),
        "duplicate",
    );
}

#[test]
fn rejects_entry_names_differing_only_in_case() {
    refused(
        &with(RawEntry::stored("HELLOWORLD.PQ", b"evil")).build(),
        "duplicate",
    );
}

#[test]
fn rejects_entry_names_differing_only_in_slash_direction() {
    let mut z = RawZip::new(minimal_package_entries());
    z.entries.push(RawEntry::stored("dir/a.pq", b"1"));
    z.entries.push(RawEntry::stored("dir\\a.pq", b"2"));
    refused(&z.build(), "duplicate");
}

#[test]
fn rejects_dot_dot_absolute_drive_letter_nul_and_control_names() {
    for name in [
        "../evil.pq",
        "a/../../evil.pq",
        "/etc/evil.pq",
        "C:/evil.pq",
        "C:\\evil.pq",
        "evil\u{0}.pq",
        "evil\u{7}.pq",
    ] {
        let z = with(RawEntry::stored(name, b"x"));
        assert!(open(&z.build()).is_err(), "{name:?} accepted");
    }
}

#[test]
fn rejects_local_header_name_differing_from_central_directory() {
    let mut e = RawEntry::stored("Evil.pq", b"x");
    e.central_name = Some(b"Good.pq".to_vec());
    assert!(open(&with(e).build()).is_err());
}

#[test]
fn rejects_local_header_sizes_differing_from_central_directory() {
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.central_uncompressed_size = Some(3);
    e.central_compressed_size = Some(3);
    assert!(open(&with(e).build()).is_err());
}

#[test]
fn rejects_local_header_crc_differing_from_central_directory() {
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.central_crc = Some(0xDEAD_BEEF);
    assert!(open(&with(e).build()).is_err());
}

#[test]
fn rejects_local_header_method_differing_from_central_directory() {
    let mut e = RawEntry::deflated("a.pq", b"hello");
    e.central_method = Some(0);
    assert!(open(&with(e).build()).is_err());
}

#[test]
fn rejects_local_header_flags_differing_from_central_directory() {
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.central_flags = Some(0x0800 | 0x0001);
    assert!(open(&with(e).build()).is_err());
}

#[test]
fn rejects_overlapping_entries() {
    let mut z = RawZip::new(minimal_package_entries());
    let mut alias = RawEntry::stored("alias.pq", b"section HelloWorld; shared A = 1;");
    alias.central_offset = Some(0);
    z.extra_central.push(alias);
    assert!(open(&z.build()).is_err());
}

#[test]
fn rejects_bytes_before_the_first_entry() {
    let mut z = RawZip::new(minimal_package_entries());
    z.prefix = b"MZ this could be an executable stub".to_vec();
    refused(&z.build(), "before the first entry");
}

#[test]
fn rejects_unaccounted_bytes_between_entries() {
    let mut z = RawZip::new(minimal_package_entries());
    z.gaps
        .push((0, b"hidden payload no signature covers".to_vec()));
    refused(&z.build(), "unaccounted");
}

#[test]
fn rejects_bytes_after_the_end_of_central_directory() {
    let mut z = RawZip::new(minimal_package_entries());
    z.trailing = b"appended data".to_vec();
    assert!(open(&z.build()).is_err());
}

#[test]
fn rejects_a_second_archive_hidden_in_the_comment() {
    let inner = RawZip::new(minimal_package_entries()).build();
    let mut z = RawZip::new(minimal_package_entries());
    z.comment = inner;
    assert!(open(&z.build()).is_err());
}

#[test]
fn rejects_several_end_of_central_directory_candidates() {
    let mut z = RawZip::new(minimal_package_entries());
    let mut fake = 0x0605_4b50u32.to_le_bytes().to_vec();
    fake.extend_from_slice(&[0u8; 18]);
    z.comment = fake;
    assert!(open(&z.build()).is_err());
}

#[test]
fn rejects_entry_counts_that_lie() {
    let mut z = RawZip::new(minimal_package_entries());
    z.eocd_count = Some(5);
    assert!(open(&z.build()).is_err());
}

#[test]
fn rejects_central_directory_offsets_that_lie() {
    let mut z = RawZip::new(minimal_package_entries());
    z.eocd_cd_offset = Some(3);
    assert!(open(&z.build()).is_err());
}

#[test]
fn rejects_encrypted_entries() {
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.flags |= 1;
    refused(&with(e).build(), "encrypted");
}

#[test]
fn rejects_unknown_compression_methods() {
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.method = 99;
    assert!(open(&with(e).build()).is_err());
}

#[test]
fn rejects_declared_size_differing_from_inflated_size_when_read() {
    let mut e = RawEntry::deflated("a.pq", b"hello world");
    e.uncompressed_size = 5;
    let bytes = with(e).build();
    // Either refused at open or when the part is read; never silently truncated.
    if let Ok(mut p) = Package::open(Cursor::new(&bytes), "x", &Limits::default()) {
        let part = p
            .parts()
            .iter()
            .find(|p| p.name.as_str() == "/a.pq")
            .cloned()
            .unwrap();
        assert!(p.read_part(&part, 1 << 20).is_err());
    }
}

#[test]
fn rejects_crc_mismatch_when_read() {
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.crc = 0x1234_5678;
    let bytes = with(e).build();
    let mut p = Package::open(Cursor::new(&bytes), "x", &Limits::default()).unwrap();
    let part = p
        .parts()
        .iter()
        .find(|p| p.name.as_str() == "/a.pq")
        .cloned()
        .unwrap();
    let err = p.read_part(&part, 1 << 20).unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("checksum")
            || err.to_string().to_lowercase().contains("crc"),
        "{err}"
    );
}

#[test]
fn rejects_decompression_bombs_by_ratio_and_by_size() {
    // A real deflate stream of 8 MiB of zeros is ~8 KiB: ratio ~1000.
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", opts).unwrap();
    use std::io::Write;
    w.write_all(br#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/octet-stream"/></Types>"#).unwrap();
    w.start_file("bomb.bin", opts).unwrap();
    w.write_all(&vec![0u8; 8 << 20]).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let mut ratio = Limits::default();
    ratio.max_compression_ratio = 100;
    assert!(matches!(
        open_with(&bytes, &ratio),
        Err(Error::LimitExceeded(_))
    ));
    let mut size = Limits::default();
    size.max_part_size = 1 << 20;
    assert!(matches!(
        open_with(&bytes, &size),
        Err(Error::LimitExceeded(_))
    ));
    let mut total = Limits::default();
    total.max_total_size = 1 << 20;
    assert!(matches!(
        open_with(&bytes, &total),
        Err(Error::LimitExceeded(_))
    ));
}

#[test]
fn rejects_too_many_entries() {
    let mut entries = minimal_package_entries();
    for i in 0..20 {
        entries.push(RawEntry::stored(&format!("f{i}.pq"), b"x"));
    }
    let mut limits = Limits::default();
    limits.max_entries = 10;
    assert!(matches!(
        open_with(&RawZip::new(entries).build(), &limits),
        Err(Error::LimitExceeded(_))
    ));
}

#[test]
fn rejects_symlink_entries() {
    let mut e = RawEntry::stored("link.pq", b"/etc/passwd");
    e.external_attributes = 0o120777 << 16;
    refused(&with(e).build(), "symbolic link");
}
