//! A small, strict PEM reader (RFC 7468) for files that hold several blocks.
//!
//! `der::pem` decodes exactly one block; certificate chains, and key files with their
//! certificates appended, hold many. This reader splits the text into blocks, keeps each
//! block's label, and decodes the base64 body. Text outside blocks (OpenSSL's `Bag
//! Attributes` and `subject=` lines) is ignored, as OpenSSL does.

use base64::Engine as _;

/// One `-----BEGIN label-----` … `-----END label-----` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PemBlock {
    /// The label (`CERTIFICATE`, `PRIVATE KEY`, …).
    pub label: String,
    /// The decoded body.
    pub der: Vec<u8>,
    /// Whether the block had RFC 1421 headers (`Proc-Type: 4,ENCRYPTED`): legacy OpenSSL
    /// encryption, which pqx does not read.
    pub has_headers: bool,
}

/// Whether `bytes` look like PEM text (a `-----BEGIN ` line somewhere).
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Splits `text` into PEM blocks. A block whose END label differs from its BEGIN label,
/// that is not terminated, or whose body is not base64 is an error (the message says
/// which label).
pub(crate) fn parse_blocks(text: &str) -> Result<Vec<PemBlock>, String> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(label) = begin_label(line.trim()) else {
            continue;
        };
        let mut body = String::new();
        let mut has_headers = false;
        let mut ended = false;
        for inner in lines.by_ref() {
            let inner = inner.trim();
            if let Some(end) = inner
                .strip_prefix("-----END ")
                .and_then(|r| r.strip_suffix("-----"))
            {
                if end != label {
                    return Err(format!("PEM block BEGIN {label} ends with END {end}"));
                }
                ended = true;
                break;
            }
            if inner.contains(':') {
                has_headers = true;
                continue;
            }
            body.push_str(inner);
        }
        if !ended {
            return Err(format!("PEM block {label} has no END line"));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| format!("PEM block {label} is not valid base64: {e}"))?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            der,
            has_headers,
        });
    }
    Ok(blocks)
}

fn begin_label(line: &str) -> Option<&str> {
    line.strip_prefix("-----BEGIN ")?.strip_suffix("-----")
}

/// Encodes `der` as one PEM block with 64-character lines and `\n` line ends.
pub(crate) fn encode_block(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    // base64 output is ASCII, so splitting on byte boundaries is splitting on chars.
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_blocks_and_skips_text_between_them() {
        let text = "Bag Attributes\n    localKeyId: 01\n-----BEGIN CERTIFICATE-----\nAQID\n-----END CERTIFICATE-----\nsubject=CN=x\n-----BEGIN PRIVATE KEY-----\nBAU=\n-----END PRIVATE KEY-----\n";
        let blocks = parse_blocks(text).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "CERTIFICATE");
        assert_eq!(blocks[0].der, vec![1, 2, 3]);
        assert_eq!(blocks[1].label, "PRIVATE KEY");
        assert_eq!(blocks[1].der, vec![4, 5]);
    }

    #[test]
    fn rejects_mismatched_end_and_unterminated_blocks() {
        assert!(parse_blocks("-----BEGIN A-----\nAQID\n-----END B-----\n").is_err());
        assert!(parse_blocks("-----BEGIN A-----\nAQID\n").is_err());
        assert!(parse_blocks("-----BEGIN A-----\n!!!\n-----END A-----\n").is_err());
    }

    #[test]
    fn round_trips_through_encode_block() {
        let der: Vec<u8> = (0..=200).collect();
        let pem = encode_block("CERTIFICATE", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        assert_eq!(parse_blocks(&pem).unwrap()[0].der, der);
    }

    #[test]
    fn flags_legacy_encrypted_headers() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAQID\n-----END RSA PRIVATE KEY-----\n";
        assert!(parse_blocks(text).unwrap()[0].has_headers);
    }
}
