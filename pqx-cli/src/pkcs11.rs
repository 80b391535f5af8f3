//! `pqx sign --key 'pkcs11:…' --pkcs11-module PATH`: a key that never leaves its token.
//!
//! The PIN comes from `--pin-file FILE` (`-`: standard input), the `PQX_PIN` environment
//! variable, the URI's `pin-source` (a file, RFC 7512 §2.4) or `pin-value`, or a no-echo
//! prompt when standard input is a terminal (a token with its own PIN pad needs none).

use crate::cli::{KeyArgs, Pkcs11Args};
use crate::failure::{Exit, Failure};
use pqx_core::certificate::Certificate;
use pqx_core::files::read_bounded;
use pqx_core::limits::MAX_CERTIFICATE_FILE_SIZE;
use pqx_pkcs11::{Module, Pkcs11Error, Pkcs11Signer, Pkcs11Uri, TokenSlot};
use std::io::IsTerminal;
use std::path::Path;

/// The environment variable read for a token PIN.
pub const PIN_ENV: &str = "PQX_PIN";

/// The `pkcs11:` URI of `--key`, if it is one.
pub fn uri_of(key: &KeyArgs) -> Option<&str> {
    key.key
        .as_deref()
        .and_then(Path::to_str)
        .filter(|k| pqx_pkcs11::is_pkcs11_uri(k))
}

/// The signer of `pqx sign --key URI --pkcs11-module PATH [--cert CHAIN]`.
pub fn signer(uri_text: &str, key: &KeyArgs, args: &Pkcs11Args) -> Result<Pkcs11Signer, Failure> {
    let uri = Pkcs11Uri::parse(uri_text).map_err(failure)?;
    let module_path = args
        .pkcs11_module
        .clone()
        .or_else(|| uri.module_path.clone().map(Into::into))
        .ok_or_else(|| {
            Failure::new(
                Exit::Usage,
                "a pkcs11: --key needs --pkcs11-module PATH (or module-path= in the URI)",
            )
        })?;
    let module = Module::load(&module_path).map_err(failure)?;
    let token = module.find_token(&uri, uri_text).map_err(failure)?;
    let given = match &key.cert {
        Some(c) => {
            let bytes = read_bounded(c, MAX_CERTIFICATE_FILE_SIZE).map_err(key_problem)?;
            Certificate::from_bytes_auto(&bytes).map_err(key_problem)?
        }
        None => Vec::new(),
    };
    let pin = pin(args, &uri, &token)?;
    Pkcs11Signer::open(&module, &token, &uri, pin.as_deref(), given).map_err(failure)
}

fn key_problem(e: pqx_core::Error) -> Failure {
    Failure {
        exit: Exit::Key,
        ..Failure::from(e)
    }
}

/// `pqx keys list`: every token of the module, its keys and certificates with their URIs
/// (logged in when a PIN is given by --pin-file or PQX_PIN).
pub fn list(module_path: &Path, pin_file: Option<&Path>) -> Result<Exit, Failure> {
    let module = Module::load(module_path).map_err(failure)?;
    let pin = match pin_file {
        Some(p) => Some(crate::password::read_secret_file(p)?),
        None => std::env::var(PIN_ENV).ok(),
    };
    let tokens = module.tokens().map_err(failure)?;
    if tokens.is_empty() {
        println!("no token in {}", module.path());
    }
    for token in &tokens {
        println!(
            "slot {} token {:?} ({} {}, serial {})",
            token.slot_id(),
            token.label,
            token.manufacturer,
            token.model,
            token.serial
        );
        let pin = if token.needs_pin() {
            pin.as_deref()
        } else {
            None
        };
        let listing = match pqx_pkcs11::list_token(&module, token, pin) {
            Ok(l) => l,
            Err(e) => {
                println!("  cannot list: {e}");
                continue;
            }
        };
        if !listing.logged_in && token.login_required {
            println!("  (not logged in: private keys are shown by their public keys; give --pin-file or PQX_PIN)");
        }
        for k in &listing.keys {
            let bits = k.bits.map(|b| format!(" {b} bits")).unwrap_or_default();
            println!(
                "  key  {}{bits} label {:?} id {}  {}",
                k.key_type, k.label, k.id, k.uri
            );
        }
        for c in &listing.certificates {
            println!(
                "  cert {} sha1 {} label {:?} id {}  {}",
                c.subject,
                c.thumbprint.as_deref().unwrap_or("-"),
                c.label,
                c.id,
                c.uri
            );
        }
    }
    Ok(Exit::Success)
}

/// The PIN for `token`, or `None` when it needs none (or has its own PIN pad).
fn pin(args: &Pkcs11Args, uri: &Pkcs11Uri, token: &TokenSlot) -> Result<Option<String>, Failure> {
    if let Some(path) = &args.pin_file {
        return crate::password::read_secret_file(path).map(Some);
    }
    if let Ok(p) = std::env::var(PIN_ENV) {
        return Ok(Some(p));
    }
    if let Some(source) = &uri.pin_source {
        return crate::password::read_secret_file(&pin_source_path(source)?).map(Some);
    }
    if let Some(p) = &uri.pin_value {
        return Ok(Some(p.clone()));
    }
    if !token.needs_pin() {
        return Ok(None);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::new(
            Exit::Key,
            format!("the token {:?} needs a PIN, none was given, and there is no terminal to ask for one", token.label),
        )
        .hint("give it with --pin-file FILE or the PQX_PIN environment variable"));
    }
    rpassword::prompt_password(format!("PIN for the token {:?}: ", token.label))
        .map(Some)
        .map_err(|e| {
            Failure::new(
                Exit::Key,
                format!("cannot read the PIN from the terminal: {e}"),
            )
        })
}

/// The file a URI's `pin-source` names: a `file:` URI (`file:/run/pin`, `file:///run/pin`) or
/// a plain path, as p11-kit and OpenSC read it. Other schemes (a PIN from a program, say) are
/// refused rather than guessed at.
fn pin_source_path(source: &str) -> Result<std::path::PathBuf, Failure> {
    let path = match source.strip_prefix("file:") {
        Some(rest) => rest
            .strip_prefix("//localhost")
            .or_else(|| rest.strip_prefix("//").filter(|r| r.starts_with('/')))
            .unwrap_or(rest),
        None if source.contains("://") => {
            return Err(Failure::new(
                Exit::Usage,
                format!(
                "pin-source={source:?}: pqx reads a PIN only from a file (file:/path or a path)"
            ),
            )
            .hint("or give the PIN with --pin-file FILE or the PQX_PIN environment variable"))
        }
        None => source,
    };
    // `file:///C:/pins/token.txt`: a Windows drive path after the URI's root slash.
    let path = match path.as_bytes() {
        [b'/', drive, b':', ..] if drive.is_ascii_alphabetic() => path.get(1..).unwrap_or(path),
        _ => path,
    };
    Ok(std::path::PathBuf::from(path))
}

/// A PKCS#11 failure as an exit status and a hint: a module that is not one is an unreadable
/// input (3), a malformed or ambiguous URI a usage error (2), a key that is not RSA a policy
/// refusal (5), the rest (PIN, locked token, missing key or certificate) a key problem (4).
fn failure(e: Pkcs11Error) -> Failure {
    let (exit, hint) = match &e {
        Pkcs11Error::Module { .. } => (Exit::Input, "--pkcs11-module takes the token's PKCS#11 library (.so / .dll / .dylib), e.g. /usr/lib/softhsm/libsofthsm2.so"),
        Pkcs11Error::Uri(_) => (Exit::Usage, "see RFC 7512; pqx keys list --pkcs11-module PATH prints the URI of each key"),
        Pkcs11Error::Ambiguous { .. } => (Exit::Usage, "add id=… or object=… to the URI so that it names one key"),
        Pkcs11Error::NotRsa { .. } => (Exit::Policy, ".pqx signatures are RSA PKCS#1 v1.5 (what Power BI verifies): use an RSA key of 2048 bits or more"),
        Pkcs11Error::PinIncorrect { .. } => (Exit::Key, "check the PIN given with --pin-file or PQX_PIN; the token counts wrong PINs and may lock"),
        Pkcs11Error::PinLocked { .. } => (Exit::Key, "unlock or reset the user PIN with the token's tool (the security officer PIN)"),
        Pkcs11Error::NoKey { .. } | Pkcs11Error::Token(_) => (Exit::Key, "pqx keys list --pkcs11-module PATH prints the URI of each key"),
        Pkcs11Error::NoCertificate(_) => (Exit::Key, "give the signer's certificate and its issuers with --cert CHAIN.pem"),
        _ => (Exit::Key, "the token or its module refused; nothing was written"),
    };
    Failure::new(exit, e.to_string()).hint(format!("{hint}; the input is unchanged"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_source_is_a_file_uri_or_a_path() {
        for (source, path) in [
            ("file:/run/pin", "/run/pin"),
            ("file:///run/pin", "/run/pin"),
            ("file://localhost/run/pin", "/run/pin"),
            ("/run/pin", "/run/pin"),
            ("pin.txt", "pin.txt"),
            ("file:///C:/pins/token.txt", "C:/pins/token.txt"),
        ] {
            assert_eq!(
                pin_source_path(source).unwrap(),
                std::path::PathBuf::from(path),
                "{source}"
            );
        }
    }

    #[test]
    fn pin_source_of_another_scheme_is_a_usage_error() {
        let f = pin_source_path("https://pins.example/token").unwrap_err();
        assert_eq!(f.exit, Exit::Usage);
    }
}
