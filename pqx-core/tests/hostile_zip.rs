//! ZIP-level attacks: every archive that another ZIP reader could understand differently from
//! pqx, or that hides bytes no signature covers, is refused with an error naming the problem.

mod support;
use pqx_core::limits::Limits;
use pqx_core::opc::Package;
use pqx_core::Error;
use std::io::Cursor;
use support::rawzip::{
    extra_field, minimal_package_entries, python_zipfile_view, stored_central_header,
    stored_local_entry, unicode_path_field, zip64_end_record, zip64_field, RawEntry, RawZip,
    Zip64End,
};

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

// ---- One reading of the end records, including ZIP64 ----

/// The minimal package with ZIP64 end records; `sentinels` puts 0xFFFF/0xFFFFFFFF in the
/// 32-bit end record (as Info-ZIP does for the fields it moves to ZIP64).
fn zip64_package(sentinels: bool) -> RawZip {
    let mut z = RawZip::new(minimal_package_entries());
    z.zip64 = Some(Zip64End::default());
    z.eocd_sentinels = sentinels;
    z
}

#[test]
fn accepts_a_well_formed_zip64_end_record() {
    open(&zip64_package(true).build()).unwrap();
    open(&zip64_package(false).build()).unwrap();
}

const EVIL_SECTION: &[u8] = b"section HelloWorld; shared A = \"evil\";";

/// The issue's archive: a ZIP64 end record whose extensible data holds a second central
/// directory (and the entry it names) followed by a fake ZIP64 end record, where Python looks
/// for one (56 bytes before the locator). The `zip` crate and Info-ZIP follow the locator.
fn second_directory_in_zip64_extensible_data() -> Vec<u8> {
    let mut z = zip64_package(true);
    let plain = z.build();
    // The real ZIP64 record starts where the locator and end record (42 bytes) and the record
    // itself (56 bytes) begin; its extensible data right after.
    let z64_at = plain.len() - 22 - 20 - 56;
    let base = (z64_at + 56) as u32;
    let hidden = stored_local_entry("HelloWorld.pq", EVIL_SECTION);
    let ct = &minimal_package_entries()[0];
    let mut cd2 = stored_central_header("[Content_Types].xml", &ct.data, 0);
    cd2.extend(stored_central_header("HelloWorld.pq", EVIL_SECTION, base));
    let cd2_at = u64::from(base) + hidden.len() as u64;
    let mut ext = hidden;
    ext.extend_from_slice(&cd2);
    ext.extend(zip64_end_record(2, cd2.len() as u64, cd2_at));
    z.zip64 = Some(Zip64End {
        extensible: ext,
        ..Zip64End::default()
    });
    z.build()
}

#[test]
fn rejects_a_second_central_directory_hidden_in_zip64_extensible_data() {
    let bytes = second_directory_in_zip64_extensible_data();
    // The ambiguity is real: the zip crate reads the first directory, Python the second.
    let mut zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    let mut section = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("HelloWorld.pq").unwrap(), &mut section)
        .unwrap();
    assert_eq!(section, "section HelloWorld; shared A = 1;");
    if let Some(view) = python_zipfile_view(&bytes) {
        let view = view.expect("python's zipfile reads the hidden directory");
        let hello = view.iter().find(|(n, _)| n == "HelloWorld.pq").unwrap();
        assert_eq!(hello.1, EVIL_SECTION, "python read {view:?}");
    }
    refused(&bytes, "ZIP64");
}

#[test]
fn rejects_a_zip64_end_record_size_field_other_than_44() {
    let mut z = zip64_package(true);
    z.zip64 = Some(Zip64End {
        size_field: Some(60),
        ..Zip64End::default()
    });
    refused(&z.build(), "ZIP64 end record declares");
}

#[test]
fn rejects_a_zip64_locator_not_pointing_at_the_record_before_it() {
    let mut z = zip64_package(true);
    z.zip64 = Some(Zip64End {
        locator_offset: Some(0),
        ..Zip64End::default()
    });
    refused(&z.build(), "ZIP64 locator points at byte 0");
}

#[test]
fn rejects_end_records_naming_another_disk() {
    for (z64, note) in [
        (
            Zip64End {
                locator_disks: Some((1, 2)),
                ..Zip64End::default()
            },
            "locator",
        ),
        (
            Zip64End {
                disks: Some((1, 1)),
                ..Zip64End::default()
            },
            "ZIP64 end record",
        ),
    ] {
        let mut z = zip64_package(true);
        z.zip64 = Some(z64);
        refused(&z.build(), note);
    }
    let mut z = RawZip::new(minimal_package_entries());
    z.eocd_disks = Some((1, 1));
    refused(&z.build(), "another disk");
    let mut e = RawEntry::stored("a.pq", b"x");
    e.central_disk = 1;
    refused(&with(e).build(), "another disk");
}

#[test]
fn rejects_32_bit_end_record_fields_disagreeing_with_zip64() {
    let mut z = zip64_package(false);
    z.eocd_count = Some(1);
    refused(&z.build(), "32-bit fields disagree");
    let mut z = zip64_package(false);
    z.zip64 = Some(Zip64End {
        counts: Some((1, 2)),
        ..Zip64End::default()
    });
    refused(&z.build(), "two entry counts differ");
}

#[test]
fn rejects_bytes_between_the_central_directory_and_the_end_records() {
    for zip64 in [false, true] {
        let mut z = if zip64 {
            zip64_package(true)
        } else {
            RawZip::new(minimal_package_entries())
        };
        z.after_central = b"hidden".to_vec();
        refused(&z.build(), "unaccounted bytes after the central directory");
    }
}

#[test]
fn rejects_a_central_directory_holding_more_headers_than_counted() {
    let mut z = with(RawEntry::stored("extra.pq", b"hidden"));
    z.eocd_count = Some(2);
    let bytes = z.build();
    if let Some(Ok(view)) = python_zipfile_view(&bytes) {
        assert_eq!(view.len(), 3, "python reads by the directory's size");
    }
    refused(&bytes, "more than the 2 headers");
}

// ---- Extra fields: one name, one set of sizes ----

#[test]
fn rejects_a_unicode_path_field_differing_from_the_header_name() {
    let mut e = RawEntry::stored("a.pq", b"x");
    e.central_extra = unicode_path_field(b"a.pq", "b.pq");
    e.local_extra = e.central_extra.clone();
    let bytes = with(e).build();
    // The zip crate swaps the Unicode Path in; Python keeps the header name.
    let zip = zip::ZipArchive::new(Cursor::new(&bytes)).unwrap();
    assert!(zip.file_names().any(|n| n.is_ok_and(|n| n == "b.pq")));
    if let Some(Ok(view)) = python_zipfile_view(&bytes) {
        assert!(view.iter().any(|(n, _)| n == "a.pq"), "{view:?}");
    }
    refused(&bytes, "Unicode Path");
    // In the local header only, too (streaming readers see that one).
    let mut e = RawEntry::stored("a.pq", b"x");
    e.local_extra = unicode_path_field(b"a.pq", "b.pq");
    refused(&with(e).build(), "Unicode Path");
}

#[test]
fn accepts_a_unicode_path_field_repeating_the_header_name() {
    let mut e = RawEntry::stored("a.pq", b"x");
    e.central_extra = unicode_path_field(b"a.pq", "a.pq");
    e.local_extra = e.central_extra.clone();
    open(&with(e).build()).unwrap();
}

#[test]
fn accepts_a_unicode_comment_field() {
    let mut e = RawEntry::stored("a.pq", b"x");
    let mut data = vec![1u8];
    data.extend_from_slice(&0u32.to_le_bytes());
    data.extend_from_slice("a comment".as_bytes());
    e.central_extra = extra_field(0x6375, &data);
    open(&with(e).build()).unwrap();
}

#[test]
fn rejects_a_non_ascii_name_not_flagged_utf8() {
    let mut e = RawEntry::stored("café.pq", b"x");
    e.flags = 0;
    let bytes = with(e).build();
    if let Some(Ok(view)) = python_zipfile_view(&bytes) {
        assert!(
            view.iter().any(|(n, _)| n == "caf├⌐.pq"),
            "python decodes code page 437: {view:?}"
        );
    }
    refused(&bytes, "not flagged UTF-8");
}

#[test]
fn rejects_malformed_or_repeated_extra_fields() {
    let mut e = RawEntry::stored("a.pq", b"x");
    e.central_extra = vec![0x55, 0x54, 10, 0, 1, 2, 3];
    refused(&with(e).build(), "malformed extra field");
    let mut e = RawEntry::stored("a.pq", b"x");
    e.local_extra = extra_field(0x000a, &[0; 4]);
    e.local_extra.extend(extra_field(0x000a, &[1; 4]));
    refused(&with(e).build(), "appears twice");
}

/// A stored entry with ZIP64 fields as Info-ZIP `zip -fz` writes them: both local sizes
/// 0xFFFFFFFF with a 16-byte field, only the uncompressed size moved in the directory.
fn zip64_entry(name: &str, data: &[u8]) -> RawEntry {
    let len = data.len() as u64;
    let mut e = RawEntry::stored(name, data);
    e.compressed_size = u32::MAX;
    e.uncompressed_size = u32::MAX;
    e.local_extra = zip64_field(&[len, len]);
    e.central_compressed_size = Some(len as u32);
    e.central_extra = zip64_field(&[len]);
    e
}

#[test]
fn accepts_zip64_extra_fields_as_the_spec_places_them() {
    open(&with(zip64_entry("a.pq", b"hello")).build()).unwrap();
}

#[test]
fn rejects_zip64_extra_fields_not_matching_the_0xffffffff_fields() {
    // A directory field holding values for fields that are not 0xFFFFFFFF: readers map its
    // values to fields differently.
    let mut e = zip64_entry("a.pq", b"hello");
    e.central_extra = zip64_field(&[5, 5]);
    refused(&with(e).build(), "ZIP64 field of 16 bytes");
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.central_extra = zip64_field(&[5]);
    refused(&with(e).build(), "ZIP64 field of 8 bytes");
    // 0xFFFFFFFF with nothing to widen it.
    let mut e = zip64_entry("a.pq", b"hello");
    e.central_extra = Vec::new();
    refused(&with(e).build(), "without a ZIP64 field");
    // Local: the field must hold both sizes, and agree with 32-bit sizes that are not
    // 0xFFFFFFFF.
    let mut e = zip64_entry("a.pq", b"hello");
    e.local_extra = zip64_field(&[5]);
    refused(&with(e).build(), "not exactly the two sizes");
    let mut e = RawEntry::stored("a.pq", b"hello");
    e.local_extra = zip64_field(&[500, 500]);
    refused(&with(e).build(), "disagree with its ZIP64 field");
}

// ---- Real ZIP64 archives still open ----

fn package_files(dir: &std::path::Path) {
    for e in minimal_package_entries() {
        std::fs::write(dir.join(String::from_utf8(e.name).unwrap()), &e.data).unwrap();
    }
}

#[test]
fn accepts_a_zip64_archive_written_by_info_zip() {
    let dir = tempfile::tempdir().unwrap();
    package_files(dir.path());
    let made = std::process::Command::new("zip")
        .current_dir(dir.path())
        .args([
            "-q",
            "-fz",
            "out.zip",
            "[Content_Types].xml",
            "HelloWorld.pq",
        ])
        .status();
    let Ok(status) = made else {
        eprintln!("Info-ZIP zip not installed: skipped");
        return;
    };
    assert!(status.success());
    let bytes = std::fs::read(dir.path().join("out.zip")).unwrap();
    assert!(
        bytes.windows(4).any(|w| w == b"PK\x06\x06"),
        "zip -fz wrote no ZIP64 record"
    );
    open(&bytes).unwrap();
}

#[test]
fn accepts_a_zip64_archive_written_by_python_zipfile() {
    let dir = tempfile::tempdir().unwrap();
    package_files(dir.path());
    let script = "import sys, zipfile\n\
        with zipfile.ZipFile(sys.argv[1] + '/out.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n\
        \x20   for n in ['[Content_Types].xml', 'HelloWorld.pq']:\n\
        \x20       with z.open(n, 'w', force_zip64=True) as f:\n\
        \x20           f.write(open(sys.argv[1] + '/' + n, 'rb').read())\n";
    let Ok(status) = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.path())
        .status()
    else {
        eprintln!("python3 not installed: skipped");
        return;
    };
    assert!(status.success());
    open(&std::fs::read(dir.path().join("out.zip")).unwrap()).unwrap();
}
