//! Power BI Desktop's trusted-thumbprint list, where it lives: the `TrustedCertificateThumbprints`
//! value (REG_MULTI_SZ) under `HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Microsoft\Power BI Desktop`.
//!
//! Power BI loads a signed connector without asking when its signer's SHA-1 thumbprint is in
//! that list. `pqx trust add|remove` edit the list without dropping what is there (entries
//! pqx does not understand are kept verbatim), and `pqx trust list` and `pqx verify
//! --trusted-registry` read it. The list logic ([`with_added`], [`without`]) is plain data,
//! tested on every OS; only [`read`] and [`write`] touch the registry, on Windows (the 64-bit
//! view, which the 64-bit Power BI Desktop reads), through the `winreg` crate.

use pqx_core::trust::Thumbprint;

/// The policy key, under `HKEY_LOCAL_MACHINE`.
#[cfg(windows)]
pub const SUBKEY: &str = r"SOFTWARE\Policies\Microsoft\Power BI Desktop";
/// The key as `reg.exe` names it.
pub const REG_EXE_KEY: &str = r"HKLM\SOFTWARE\Policies\Microsoft\Power BI Desktop";
/// The value listing the trusted signer thumbprints.
pub const VALUE: &str = "TrustedCertificateThumbprints";

/// Whether the list entry `entry` names the thumbprint `thumbprint` (already normalised):
/// case, spaces, colons and the invisible marks Windows' certificate dialog copies are
/// ignored, as Power BI ignores them.
fn names(entry: &str, thumbprint: &str) -> bool {
    Thumbprint::parse(entry).is_ok_and(|t| t.as_str() == thumbprint)
}

/// The list with `thumbprint` (normalised) appended, or `None` when it is already listed
/// (under any spelling). Existing entries are kept as they are, in their order.
pub fn with_added(list: &[String], thumbprint: &str) -> Option<Vec<String>> {
    if list.iter().any(|e| names(e, thumbprint)) {
        return None;
    }
    let mut new = list.to_vec();
    new.push(thumbprint.to_owned());
    Some(new)
}

/// The list without the entries naming `thumbprint` (normalised), or `None` when none does.
pub fn without(list: &[String], thumbprint: &str) -> Option<Vec<String>> {
    let new: Vec<String> = list
        .iter()
        .filter(|e| !names(e, thumbprint))
        .cloned()
        .collect();
    (new.len() != list.len()).then_some(new)
}

/// The entries of a REG_MULTI_SZ as read: an empty value reads as one empty string, and
/// blank entries mean nothing to Power BI.
#[cfg(any(windows, test))]
fn entries(raw: Vec<String>) -> Vec<String> {
    raw.into_iter().filter(|e| !e.trim().is_empty()).collect()
}

/// The machine's list; empty when the key or the value does not exist.
#[cfg(windows)]
pub fn read() -> std::io::Result<Vec<String>> {
    use winreg::enums::{HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY};
    let hklm = winreg::RegKey::predef(HKEY_LOCAL_MACHINE);
    let key = match hklm.open_subkey_with_flags(SUBKEY, KEY_READ | KEY_WOW64_64KEY) {
        Ok(key) => key,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    match key.get_value::<Vec<String>, _>(VALUE) {
        Ok(raw) => Ok(entries(raw)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Replaces the machine's list by `list` (creating the key when missing). Needs
/// administrator rights: without them Windows answers "access denied".
#[cfg(windows)]
pub fn write(list: &[String]) -> std::io::Result<()> {
    use winreg::enums::{HKEY_LOCAL_MACHINE, KEY_READ, KEY_WOW64_64KEY, KEY_WRITE};
    let hklm = winreg::RegKey::predef(HKEY_LOCAL_MACHINE);
    let (key, _) = hklm.create_subkey_with_flags(SUBKEY, KEY_READ | KEY_WRITE | KEY_WOW64_64KEY)?;
    key.set_value(VALUE, &list.to_vec())
}

/// The registry is Windows'; elsewhere reading it is an error the caller explains.
#[cfg(not(windows))]
pub fn read() -> std::io::Result<Vec<String>> {
    Err(not_windows())
}

/// See [`read`].
#[cfg(not(windows))]
pub fn write(_list: &[String]) -> std::io::Result<()> {
    Err(not_windows())
}

#[cfg(not(windows))]
fn not_windows() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        "the registry exists only on Windows",
    )
}

/// The `reg.exe` command that sets the list to `list` (for a Windows machine, from an
/// elevated prompt): REG_MULTI_SZ entries separated by `\0`.
pub fn reg_add_command(list: &[String]) -> String {
    format!(
        "reg add \"{REG_EXE_KEY}\" /v {VALUE} /t REG_MULTI_SZ /d \"{}\" /f",
        list.join("\\0")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0123456789ABCDEF0123456789ABCDEF01234567";
    const B: &str = "89ABCDEF0123456789ABCDEF0123456789ABCDEF";

    #[test]
    fn adding_keeps_existing_entries_verbatim_and_appends() {
        let list = vec!["not a thumbprint".to_owned(), A.to_lowercase()];
        assert_eq!(
            with_added(&list, B),
            Some(vec![
                "not a thumbprint".to_owned(),
                A.to_lowercase(),
                B.to_owned()
            ])
        );
    }

    #[test]
    fn adding_a_listed_thumbprint_in_another_spelling_changes_nothing() {
        let spaced = "01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67";
        assert_eq!(with_added(&[spaced.to_owned()], A), None);
    }

    #[test]
    fn removing_drops_every_spelling_of_the_thumbprint_only() {
        let list = vec![A.to_lowercase(), B.to_owned(), format!("\u{200e}{A}")];
        assert_eq!(without(&list, A), Some(vec![B.to_owned()]));
        assert_eq!(without(&[B.to_owned()], A), None);
    }

    #[test]
    fn blank_entries_of_the_value_are_ignored() {
        assert_eq!(entries(vec![String::new()]), Vec::<String>::new());
        assert_eq!(
            entries(vec![A.to_owned(), " ".to_owned()]),
            vec![A.to_owned()]
        );
    }

    #[test]
    fn reg_add_command_separates_entries_with_backslash_zero() {
        assert_eq!(
            reg_add_command(&[A.to_owned(), B.to_owned()]),
            format!(
                "reg add \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop\" \
                 /v TrustedCertificateThumbprints /t REG_MULTI_SZ /d \"{A}\\0{B}\" /f"
            )
        );
    }
}
