//! `pqx thumbprint FILE [--reg]`: the SHA-1 thumbprint Power BI trusts connectors by.
//!
//! Power BI Desktop loads a signed connector without asking when the SHA-1 thumbprint of its
//! signer is listed in the `TrustedCertificateThumbprints` value (REG_MULTI_SZ) under
//! `HKEY_LOCAL_MACHINE\Software\Policies\Microsoft\Power BI Desktop`.

use super::display_name;
use crate::cli::ThumbprintArgs;
use crate::failure::{Exit, Failure};
use crate::password::with_password;
use pqx_core::certificate::Certificate;
use pqx_core::files::read_bounded;
use pqx_core::keys::SigningKey;
use pqx_core::limits::{MAX_CERTIFICATE_FILE_SIZE, MAX_KEY_FILE_SIZE};
use pqx_core::text::display_safe;
use pqx_core::verify::VerifyOptions;
use std::io::Read;

/// The registry key of Power BI Desktop's policies.
pub const POLICY_KEY: &str = r"HKEY_LOCAL_MACHINE\Software\Policies\Microsoft\Power BI Desktop";
/// The value listing trusted signer thumbprints.
pub const TRUSTED_VALUE: &str = "TrustedCertificateThumbprints";

/// Runs `pqx thumbprint`.
pub fn run(args: &ThumbprintArgs) -> Result<Exit, Failure> {
    let thumbprints = thumbprints_of(&args.file, &args.password)?;
    if args.reg {
        out!("{}", reg_file(&thumbprints));
    } else {
        for t in &thumbprints {
            outln!("{t}");
        }
    }
    Ok(Exit::Success)
}

/// The SHA-1 thumbprints of the signers in `file`: a signed package's (one per signer), a
/// `.pfx`'s (opened with `password`) or a certificate file's signer.
pub fn thumbprints_of(
    file: &std::path::Path,
    password: &crate::cli::PasswordArgs,
) -> Result<Vec<String>, Failure> {
    let what = display_name(file);
    let extension = file
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let is_pfx = matches!(extension.as_deref(), Some("pfx" | "p12"));
    // A package is streamed by verify; anything else is a small file, read only when it is
    // within its limit.
    let certificates = if starts_like_zip(file)? {
        signers(file, &what)?
    } else if is_pfx {
        let bytes = read_bounded(file, MAX_KEY_FILE_SIZE)?;
        let key = with_password(password, &what, |p| {
            SigningKey::from_pkcs12(&bytes, p, &what)
        })?;
        vec![key.certificate().clone()]
    } else {
        let bytes = read_bounded(file, MAX_CERTIFICATE_FILE_SIZE)?;
        let all = Certificate::from_bytes_auto(&bytes).map_err(|e| {
            Failure::from(e).hint(format!(
                "{what}: expected a certificate (.pem, .crt, .der, .cer), a .pfx or a signed .pqx"
            ))
        })?;
        vec![signer_of(&all)?]
    };
    Ok(certificates
        .iter()
        .map(Certificate::thumbprint_sha1)
        .collect())
}

/// Whether the file at `path` starts with a ZIP local header (a `.pqx`), reading 4 bytes.
fn starts_like_zip(path: &std::path::Path) -> Result<bool, Failure> {
    let mut magic = Vec::with_capacity(4);
    std::fs::File::open(path)
        .and_then(|f| f.take(4).read_to_end(&mut magic))
        .map_err(|e| Failure::io(path, e))?;
    Ok(magic == b"PK\x03\x04")
}

/// The signers of a signed package; warns when its signatures are not valid.
fn signers(path: &std::path::Path, what: &str) -> Result<Vec<Certificate>, Failure> {
    let v = pqx_core::files::verify_file(path, &VerifyOptions::default())?;
    let certificates: Vec<Certificate> = v
        .signatures
        .iter()
        .filter_map(|s| s.signer.clone())
        .collect();
    if certificates.is_empty() {
        return Err(Failure::new(
            Exit::NotValid,
            format!("{what} has no signer certificate ({})", v.status.name()),
        ));
    }
    if !v.is_valid() {
        eprintln!(
            "pqx: warning: {} does not verify ({}); check it with pqx verify before trusting its signer",
            display_safe(what),
            v.status.name()
        );
    }
    Ok(certificates)
}

/// Of the certificates in a file, the one that signs ([`Certificate::signer_among`]), with a
/// note naming it when the file holds several.
fn signer_of(certificates: &[Certificate]) -> Result<Certificate, Failure> {
    let signer = Certificate::signer_among(certificates)
        .cloned()
        .ok_or_else(|| Failure::new(Exit::Input, "no certificate in the file"))?;
    let count = certificates.len();
    if count > 1 {
        eprintln!(
            "pqx: note: the file holds {count} certificates; this is the signer's, {}",
            display_safe(&signer.subject())
        );
    }
    Ok(signer)
}

/// A `.reg` file (for `reg import` or double-clicking) that sets the trusted-thumbprint
/// list to `thumbprints`. REG_MULTI_SZ is written as `hex(7)`: UTF-16LE strings, each
/// NUL-terminated, and a final NUL.
pub fn reg_file(thumbprints: &[String]) -> String {
    let mut units: Vec<u16> = Vec::new();
    for t in thumbprints {
        units.extend(t.encode_utf16());
        units.push(0);
    }
    units.push(0);
    let hex: Vec<String> = units
        .iter()
        .flat_map(|u| u.to_le_bytes())
        .map(|b| format!("{b:02x}"))
        .collect();
    format!(
        "Windows Registry Editor Version 5.00\r\n\r\n\
         ; Trust connectors signed by {}. This REPLACES the list: merge existing thumbprints in first.\r\n\
         [{POLICY_KEY}]\r\n\"{TRUSTED_VALUE}\"=hex(7):{}\r\n",
        thumbprints.join(", "),
        hex.join(",")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_file_encodes_a_multi_string_as_utf16_with_double_nul() {
        let reg = reg_file(&["AB".to_owned()]);
        assert!(reg.starts_with("Windows Registry Editor Version 5.00\r\n"));
        assert!(reg
            .contains("[HKEY_LOCAL_MACHINE\\Software\\Policies\\Microsoft\\Power BI Desktop]\r\n"));
        assert!(
            reg.ends_with("\"TrustedCertificateThumbprints\"=hex(7):41,00,42,00,00,00,00,00\r\n"),
            "{reg}"
        );
    }
}
