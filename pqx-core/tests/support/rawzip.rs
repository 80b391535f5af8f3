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
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&e.name);
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
            out.extend_from_slice(&0u16.to_le_bytes()); // extra
            out.extend_from_slice(&0u16.to_le_bytes()); // comment
            out.extend_from_slice(&0u16.to_le_bytes()); // disk
            out.extend_from_slice(&0u16.to_le_bytes()); // internal attrs
            out.extend_from_slice(&e.external_attributes.to_le_bytes());
            out.extend_from_slice(&e.central_offset.unwrap_or(off).to_le_bytes());
            out.extend_from_slice(&name);
        }
        let cd_size = out.len() as u32 - cd_start;
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        let n = self.eocd_count.unwrap_or(count);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&self.eocd_cd_offset.unwrap_or(cd_start).to_le_bytes());
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
