//! A deliberately low-level ZIP writer for hostile-input tests: every header field can be
//! made to lie. Not a general-purpose writer.

#![allow(dead_code)]

/// CRC-32 (IEEE), bitwise: test inputs are tiny.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// Raw deflate of `data` (through the zip crate's own writer would hide the fields; use
/// flate2-free stored blocks instead: a valid deflate stream of stored blocks).
pub fn deflate_stored_blocks(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let chunks: Vec<&[u8]> = if data.is_empty() {
        vec![&[][..]]
    } else {
        data.chunks(65_535).collect()
    };
    for (i, c) in chunks.iter().enumerate() {
        out.push(u8::from(i + 1 == chunks.len()));
        let len = c.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(c);
    }
    out
}

/// One entry, with every field overridable.
#[derive(Clone, Debug)]
pub struct RawEntry {
    pub name: Vec<u8>,
    pub data: Vec<u8>,
    pub method: u16,
    pub flags: u16,
    pub crc: u32,
    pub compressed_size: u32,
    pub uncompressed_size: u32,
    /// Overrides for the central directory copy (None = same as local).
    pub central_name: Option<Vec<u8>>,
    pub central_crc: Option<u32>,
    pub central_compressed_size: Option<u32>,
    pub central_uncompressed_size: Option<u32>,
    pub central_method: Option<u16>,
    pub central_flags: Option<u16>,
    /// Override of the local header offset written in the central directory.
    pub central_offset: Option<u32>,
    /// External attributes (unix mode in the high 16 bits when made-by is unix).
    pub external_attributes: u32,
    /// Extra-field area of the local header, as raw bytes (see [`extra_field`]).
    pub local_extra: Vec<u8>,
    /// Extra-field area of the central directory header.
    pub central_extra: Vec<u8>,
    /// Disk number start in the central directory header.
    pub central_disk: u16,
}

impl RawEntry {
    /// A stored entry with correct fields.
    pub fn stored(name: &str, data: &[u8]) -> Self {
        RawEntry {
            name: name.as_bytes().to_vec(),
            data: data.to_vec(),
            method: 0,
            flags: 0x0800,
            crc: crc32(data),
            compressed_size: data.len() as u32,
            uncompressed_size: data.len() as u32,
            central_name: None,
            central_crc: None,
            central_compressed_size: None,
            central_uncompressed_size: None,
            central_method: None,
            central_flags: None,
            central_offset: None,
            external_attributes: 0o100644 << 16,
            local_extra: Vec::new(),
            central_extra: Vec::new(),
            central_disk: 0,
        }
    }

    /// A deflated entry (stored deflate blocks) with correct fields.
    pub fn deflated(name: &str, data: &[u8]) -> Self {
        let comp = deflate_stored_blocks(data);
        RawEntry {
            method: 8,
            compressed_size: comp.len() as u32,
            ..Self::stored(name, data)
        }
        .with_payload(comp)
    }

    fn with_payload(mut self, payload: Vec<u8>) -> Self {
        self.data = payload;
        self
    }
}

/// A whole archive.
#[derive(Clone, Debug, Default)]
pub struct RawZip {
    pub entries: Vec<RawEntry>,
    pub prefix: Vec<u8>,
    /// Bytes inserted after each entry's data (index → bytes).
    pub gaps: Vec<(usize, Vec<u8>)>,
    pub comment: Vec<u8>,
    pub trailing: Vec<u8>,
    /// Override of the entry counts in the end-of-central-directory record.
    pub eocd_count: Option<u16>,
    /// Override of the central directory offset.
    pub eocd_cd_offset: Option<u32>,
    /// Repeat the central directory entries (for duplicate/overlap tests).
    pub extra_central: Vec<RawEntry>,
    /// Bytes between the central directory and the end records (not counted in its size).
    pub after_central: Vec<u8>,
    /// ZIP64 end record and locator before the end record (None = none).
    pub zip64: Option<Zip64End>,
    /// Write 0xFFFF / 0xFFFFFFFF in the end record's counts, size and offset.
    pub eocd_sentinels: bool,
    /// Override of the end record's central directory size.
    pub eocd_cd_size: Option<u32>,
    /// Override of the end record's disk numbers (this disk, disk with the directory).
    pub eocd_disks: Option<(u16, u16)>,
}

/// A ZIP64 end record (56 bytes plus `extensible`) and its locator, every field overridable.
#[derive(Clone, Debug, Default)]
pub struct Zip64End {
    /// Extensible data appended to the record (counted in its size field).
    pub extensible: Vec<u8>,
    /// Override of the record's size field (default 44 + extensible).
    pub size_field: Option<u64>,
    /// Override of its disk numbers (this disk, disk with the directory).
    pub disks: Option<(u32, u32)>,
    /// Override of its entry counts (this disk, total).
    pub counts: Option<(u64, u64)>,
    /// Override of its central directory size.
    pub cd_size: Option<u64>,
    /// Override of its central directory offset.
    pub cd_offset: Option<u64>,
    /// Override of the locator's offset of the record.
    pub locator_offset: Option<u64>,
    /// Override of the locator's (disk with the record, total disks); default (0, 1).
    pub locator_disks: Option<(u32, u32)>,
}

/// One extra field: id, length, data.
pub fn extra_field(id: u16, data: &[u8]) -> Vec<u8> {
    let mut out = id.to_le_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

/// An Info-ZIP Unicode Path field (0x7075) for a header name `header` naming `unicode`.
pub fn unicode_path_field(header: &[u8], unicode: &str) -> Vec<u8> {
    let mut data = vec![1u8];
    data.extend_from_slice(&crc32(header).to_le_bytes());
    data.extend_from_slice(unicode.as_bytes());
    extra_field(0x7075, &data)
}

/// A ZIP64 extended-information field (0x0001) holding `values` in order.
pub fn zip64_field(values: &[u64]) -> Vec<u8> {
    let data: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    extra_field(0x0001, &data)
}

impl RawZip {
    pub fn new(entries: Vec<RawEntry>) -> Self {
        RawZip {
            entries,
            ..Default::default()
        }
    }

    pub fn build(&self) -> Vec<u8> {
        let mut out = self.prefix.clone();
        let mut offsets = Vec::new();
        for (i, e) in self.entries.iter().enumerate() {
            offsets.push(out.len() as u32);
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&e.flags.to_le_bytes());
            out.extend_from_slice(&e.method.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // time
            out.extend_from_slice(&0x21u16.to_le_bytes()); // date 1980-01-01
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&e.compressed_size.to_le_bytes());
            out.extend_from_slice(&e.uncompressed_size.to_le_bytes());
            out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&(e.local_extra.len() as u16).to_le_bytes());
            out.extend_from_slice(&e.name);
            out.extend_from_slice(&e.local_extra);
            out.extend_from_slice(&e.data);
            for (gi, g) in &self.gaps {
                if *gi == i {
                    out.extend_from_slice(g);
                }
            }
        }
        let cd_start = out.len() as u32;
        let mut count = 0u16;
        let central: Vec<(RawEntry, u32)> = self
            .entries
            .iter()
            .cloned()
            .zip(offsets.iter().copied())
            .chain(
                self.extra_central
                    .iter()
                    .map(|e| (e.clone(), e.central_offset.unwrap_or(0))),
            )
            .collect();
        for (e, off) in central {
            count += 1;
            let name = e.central_name.clone().unwrap_or_else(|| e.name.clone());
            out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            out.extend_from_slice(&(0x0300u16 | 20).to_le_bytes()); // made by unix
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&e.central_flags.unwrap_or(e.flags).to_le_bytes());
            out.extend_from_slice(&e.central_method.unwrap_or(e.method).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&0x21u16.to_le_bytes());
            out.extend_from_slice(&e.central_crc.unwrap_or(e.crc).to_le_bytes());
            out.extend_from_slice(
                &e.central_compressed_size
                    .unwrap_or(e.compressed_size)
                    .to_le_bytes(),
            );
            out.extend_from_slice(
                &e.central_uncompressed_size
                    .unwrap_or(e.uncompressed_size)
                    .to_le_bytes(),
            );
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&(e.central_extra.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // comment
            out.extend_from_slice(&e.central_disk.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
            out.extend_from_slice(&e.external_attributes.to_le_bytes());
            out.extend_from_slice(&e.central_offset.unwrap_or(off).to_le_bytes());
            out.extend_from_slice(&name);
            out.extend_from_slice(&e.central_extra);
        }
        let cd_size = out.len() as u32 - cd_start;
        out.extend_from_slice(&self.after_central);
        if let Some(z) = &self.zip64 {
            let at = out.len() as u64;
            out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
            let size = z.size_field.unwrap_or(44 + z.extensible.len() as u64);
            out.extend_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            out.extend_from_slice(&45u16.to_le_bytes());
            let (d, cdd) = z.disks.unwrap_or((0, 0));
            out.extend_from_slice(&d.to_le_bytes());
            out.extend_from_slice(&cdd.to_le_bytes());
            let (on_disk, total) = z.counts.unwrap_or((count.into(), count.into()));
            out.extend_from_slice(&on_disk.to_le_bytes());
            out.extend_from_slice(&total.to_le_bytes());
            out.extend_from_slice(&z.cd_size.unwrap_or(cd_size.into()).to_le_bytes());
            out.extend_from_slice(&z.cd_offset.unwrap_or(cd_start.into()).to_le_bytes());
            out.extend_from_slice(&z.extensible);
            out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
            let (ld, disks) = z.locator_disks.unwrap_or((0, 1));
            out.extend_from_slice(&ld.to_le_bytes());
            out.extend_from_slice(&z.locator_offset.unwrap_or(at).to_le_bytes());
            out.extend_from_slice(&disks.to_le_bytes());
        }
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        let (disk, cd_disk) = self.eocd_disks.unwrap_or((0, 0));
        out.extend_from_slice(&disk.to_le_bytes());
        out.extend_from_slice(&cd_disk.to_le_bytes());
        let n = if self.eocd_sentinels {
            u16::MAX
        } else {
            self.eocd_count.unwrap_or(count)
        };
        let wide = |v: u32| if self.eocd_sentinels { u32::MAX } else { v };
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&wide(self.eocd_cd_size.unwrap_or(cd_size)).to_le_bytes());
        out.extend_from_slice(&wide(self.eocd_cd_offset.unwrap_or(cd_start)).to_le_bytes());
        out.extend_from_slice(&(self.comment.len() as u16).to_le_bytes());
        out.extend_from_slice(&self.comment);
        out.extend_from_slice(&self.trailing);
        out
    }
}

/// The entries of a minimal valid unsigned package (content types + one section document).
pub fn minimal_package_entries() -> Vec<RawEntry> {
    vec![
        RawEntry::stored(
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="pq" ContentType="application/octet-stream"/><Default Extension="png" ContentType="image/png"/></Types>"#,
        ),
        RawEntry::stored("HelloWorld.pq", b"section HelloWorld; shared A = 1;"),
    ]
}

/// A local header (no extra field) followed by `data`, stored: for entries hidden where the
/// builder puts none.
pub fn stored_local_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = 0x0403_4b50u32.to_le_bytes().to_vec();
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&0x0800u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0x21u16.to_le_bytes());
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(data);
    out
}

/// The central directory header of a stored entry whose local header is at `offset`.
pub fn stored_central_header(name: &str, data: &[u8], offset: u32) -> Vec<u8> {
    let mut out = 0x0201_4b50u32.to_le_bytes().to_vec();
    out.extend_from_slice(&(0x0300u16 | 20).to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&0x0800u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0x21u16.to_le_bytes());
    out.extend_from_slice(&crc32(data).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out.extend_from_slice(&(name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0u8; 8]); // extra, comment, disk, internal attributes
    out.extend_from_slice(&(0o100644u32 << 16).to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out
}

/// A ZIP64 end record (no extensible data) for `count` entries in a directory of `cd_size`
/// bytes at `cd_offset`.
pub fn zip64_end_record(count: u64, cd_size: u64, cd_offset: u64) -> Vec<u8> {
    let mut out = 0x0606_4b50u32.to_le_bytes().to_vec();
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&45u16.to_le_bytes());
    out.extend_from_slice(&45u16.to_le_bytes());
    out.extend_from_slice(&[0u8; 8]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out
}

/// Entries as another reader sees them: (name, content) in directory order.
pub type ZipView = Vec<(String, Vec<u8>)>;

/// What Python's `zipfile` sees in `bytes`: `Some(Ok(name → content))`, `Some(Err(message))`
/// when it refuses the archive, `None` when python3 is not installed. Proves that an archive
/// pqx refuses is really read differently by another reader.
pub fn python_zipfile_view(bytes: &[u8]) -> Option<Result<ZipView, String>> {
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("view.zip");
    std::fs::write(&path, bytes).ok()?;
    let script = "import sys, zipfile\n\
        z = zipfile.ZipFile(sys.argv[1])\n\
        for i in z.infolist():\n    print(i.filename.encode('utf-8').hex(), z.read(i).hex())\n";
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&path)
        .output()
        .ok()?;
    if !out.status.success() {
        return Some(Err(String::from_utf8_lossy(&out.stderr).into_owned()));
    }
    let unhex = |h: &str| -> Vec<u8> {
        (0..h.len() / 2)
            .map(|i| u8::from_str_radix(&h[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    };
    Some(Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let (n, d) = l.split_once(' ').unwrap_or((l, ""));
            (String::from_utf8(unhex(n)).unwrap(), unhex(d))
        })
        .collect()))
}
