//! Named resource limits.
//!
//! Every bound pqx enforces on untrusted input lives here, with its default, so that a
//! hostile package cannot make a reader allocate without bound, recurse without bound or
//! run for longer than linear time. Callers that need more can raise a limit through
//! [`Limits`].

/// Default maximum number of entries in a ZIP archive.
pub const MAX_ENTRIES: usize = 65_536;
/// Default maximum length of an entry (part) name in bytes.
pub const MAX_NAME_LEN: usize = 1_024;
/// Default maximum uncompressed size of one part: 4 GiB.
pub const MAX_PART_SIZE: u64 = 4 << 30;
/// Default maximum uncompressed size of all parts together: 16 GiB.
pub const MAX_TOTAL_SIZE: u64 = 16 << 30;
/// Default maximum size of an XML part (`[Content_Types].xml`, `.rels`, signatures): 16 MiB.
pub const MAX_XML_SIZE: u64 = 16 << 20;
/// Default maximum element nesting depth in XML parts.
pub const MAX_XML_DEPTH: usize = 64;
/// Default maximum number of attributes (namespace declarations included) on one element of
/// an XML part. The XML parser checks each attribute against the element's earlier ones, so
/// an element with `n` attributes costs `n²`: unbounded, one 16 MiB element would take hours
/// (`tests/fuzz_regressions.rs`). Real OPC parts have at most a handful per element.
pub const MAX_XML_ATTRIBUTES: usize = 256;
/// Default maximum number of namespace declarations in one XML part. The XML parser copies
/// an element's inherited namespaces into every element that declares one, comparing each
/// with the element's own, so `n` declarations can cost `n³` (`tests/fuzz_regressions.rs`).
/// Real OPC parts declare fewer than ten.
pub const MAX_XML_NAMESPACES: usize = 256;
/// Default maximum ratio of uncompressed to compressed size for a deflated entry.
pub const MAX_COMPRESSION_RATIO: u64 = 1_000;
/// Default maximum length of a certificate chain (signer included).
pub const MAX_CHAIN_LEN: usize = 8;
/// Largest sum of the key-derivation iteration counts of a PKCS#12 file (its MAC and each
/// password-based encryption it shows before decrypting). The file chooses them, and each
/// iteration is a hash: a 4 KiB file asking for 2³¹ iterations kept the loader busy for many
/// minutes (`tests/fuzz_regressions.rs`). OpenSSL writes 2 048 per use,
/// Windows 2 000, Java 10 000.
pub const MAX_PKCS12_ITERATIONS: u64 = 4_000_000;
/// Default maximum number of signatures in one package.
pub const MAX_SIGNATURES: usize = 64;
/// Default maximum size of a certificate (matches .NET's 0x40000 cap on certificate parts).
pub const MAX_CERTIFICATE_SIZE: u64 = 0x40000;
/// Largest key file read (`.pfx`/`.p12`, PEM or DER PKCS#8 key): real ones are a few KiB.
/// Checked before reading (`files::read_bounded`), so a huge file costs nothing.
pub const MAX_KEY_FILE_SIZE: u64 = 1 << 20;
/// Largest certificate file read (a chain, or a PEM bundle of trust anchors: the Mozilla
/// bundle is ~220 KiB).
pub const MAX_CERTIFICATE_FILE_SIZE: u64 = 16 << 20;
/// Largest certificate revocation list file read (large public CAs' CRLs stay below a few
/// MiB).
pub const MAX_CRL_FILE_SIZE: u64 = 64 << 20;
/// Largest password file read (only its first line is used).
pub const MAX_PASSWORD_FILE_SIZE: u64 = 64 << 10;

/// The limits applied when reading untrusted input. `Limits::default()` uses the constants
/// of this module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// See [`MAX_ENTRIES`].
    pub max_entries: usize,
    /// See [`MAX_NAME_LEN`].
    pub max_name_len: usize,
    /// See [`MAX_PART_SIZE`].
    pub max_part_size: u64,
    /// See [`MAX_TOTAL_SIZE`].
    pub max_total_size: u64,
    /// See [`MAX_XML_SIZE`].
    pub max_xml_size: u64,
    /// See [`MAX_XML_DEPTH`].
    pub max_xml_depth: usize,
    /// See [`MAX_XML_ATTRIBUTES`].
    pub max_xml_attributes: usize,
    /// See [`MAX_XML_NAMESPACES`].
    pub max_xml_namespaces: usize,
    /// See [`MAX_COMPRESSION_RATIO`].
    pub max_compression_ratio: u64,
    /// See [`MAX_CHAIN_LEN`].
    pub max_chain_len: usize,
    /// See [`MAX_SIGNATURES`].
    pub max_signatures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: MAX_ENTRIES,
            max_name_len: MAX_NAME_LEN,
            max_part_size: MAX_PART_SIZE,
            max_total_size: MAX_TOTAL_SIZE,
            max_xml_size: MAX_XML_SIZE,
            max_xml_depth: MAX_XML_DEPTH,
            max_xml_attributes: MAX_XML_ATTRIBUTES,
            max_xml_namespaces: MAX_XML_NAMESPACES,
            max_compression_ratio: MAX_COMPRESSION_RATIO,
            max_chain_len: MAX_CHAIN_LEN,
            max_signatures: MAX_SIGNATURES,
        }
    }
}

/// Largest RFC 3161 time-stamp token accepted (a token with a TSA chain is 3–10 KiB). Here,
/// not in `cms::timestamp`, so that the signature parser can bound an embedded token without
/// depending on CMS.
pub const MAX_TIMESTAMP_TOKEN_SIZE: usize = 256 * 1024;
