//! `pqx trust list|add|remove`: the thumbprints Power BI Desktop trusts on this machine, read
//! and edited where Power BI reads them (see [`crate::registry`]).
//!
//! `add` and `remove` take a signed `.pqx`, a certificate, a `.pfx` (its signers, as `pqx
//! thumbprint` finds them) or a thumbprint. On other OSes the registry does not exist: the
//! commands say so and print what to run on the Windows machine instead.

use super::thumbprint::{reg_file, thumbprints_of};
use crate::cli::{TrustArgs, TrustCommand, TrustTargetArgs};
use crate::failure::{Exit, Failure};
use crate::registry;
use pqx_core::trust::Thumbprint;
use std::path::{Path, PathBuf};

/// Runs `pqx trust`.
pub fn run(args: &TrustArgs) -> Result<Exit, Failure> {
    if cfg!(not(windows)) {
        return elsewhere(&args.command);
    }
    match &args.command {
        TrustCommand::List(list) => {
            let entries = read()?;
            let folder = list.connectors.clone().or_else(custom_connectors_folder);
            let signed = folder.as_deref().map(signers_in).unwrap_or_default();
            for entry in &entries {
                outln!("{}", describe(entry, &signed));
            }
            if entries.is_empty() {
                eprintln!(
                    "pqx: no thumbprint is trusted on this machine ({} is empty or missing)",
                    registry::VALUE
                );
            }
        }
        TrustCommand::Add(target) => edit(
            target,
            registry::with_added,
            "trusted",
            "was already trusted",
        )?,
        TrustCommand::Remove(target) => edit(
            target,
            registry::without,
            "no longer trusted:",
            "was not trusted",
        )?,
    }
    Ok(Exit::Success)
}

/// Applies `change` to the machine's list for every thumbprint `target` names, then writes the
/// list once (all or nothing), reporting each thumbprint as `done` or `unchanged`.
fn edit(
    target: &TrustTargetArgs,
    change: fn(&[String], &str) -> Option<Vec<String>>,
    done: &str,
    unchanged: &str,
) -> Result<(), Failure> {
    let original = read()?;
    let mut list = original.clone();
    let mut said = Vec::new();
    for t in thumbprints(target)? {
        match change(&list, &t) {
            Some(new) => {
                list = new;
                said.push(format!("pqx: {done} {t}"));
            }
            None => said.push(format!("pqx: {t} {unchanged}")),
        }
    }
    if list != original {
        write(&list)?;
    }
    for line in said {
        eprintln!("{line}");
    }
    Ok(())
}

/// The machine's list, as `pqx verify --trusted-registry` uses it too.
pub fn read() -> Result<Vec<String>, Failure> {
    registry::read().map_err(|e| {
        Failure::new(
            Exit::Input,
            format!(
                "cannot read {}\\{}: {e}",
                registry::REG_EXE_KEY,
                registry::VALUE
            ),
        )
    })
}

fn write(list: &[String]) -> Result<(), Failure> {
    registry::write(list).map_err(|e| {
        let failure = Failure::new(
            Exit::Input,
            format!(
                "cannot write {}\\{}: {e}",
                registry::REG_EXE_KEY,
                registry::VALUE
            ),
        );
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            failure.hint("changing the machine's policy needs administrator rights: run pqx from an elevated prompt (Run as administrator)")
        } else {
            failure
        }
    })
}

/// The thumbprints `target` names: the signers of the file it names, or itself when it is
/// a thumbprint (normalised).
fn thumbprints(target: &TrustTargetArgs) -> Result<Vec<String>, Failure> {
    let path = Path::new(&target.target);
    if path.is_file() {
        return thumbprints_of(path, &target.password);
    }
    Thumbprint::parse(&target.target)
        .map(|t| vec![t.to_string()])
        .map_err(|_| {
            Failure::new(
                Exit::Usage,
                format!(
                    "{} is neither a file nor a certificate thumbprint",
                    target.target
                ),
            )
            .hint("give a signed .pqx, a certificate, a .pfx, or 40 hex digits")
        })
}

/// Power BI Desktop's Custom Connectors folder, where it loads connectors from.
fn custom_connectors_folder() -> Option<PathBuf> {
    let home = std::env::var_os("USERPROFILE")?;
    Some(
        Path::new(&home)
            .join("Documents")
            .join("Power BI Desktop")
            .join("Custom Connectors"),
    )
}

/// For each connector in `folder` (not its subfolders), its file name and its signers'
/// thumbprints; unsigned or unreadable connectors have none.
fn signers_in(folder: &Path) -> Vec<(String, Vec<String>)> {
    let Ok(dir) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut found: Vec<(String, Vec<String>)> = dir
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pqx")))
        .filter_map(|p| {
            let v = pqx_core::files::verify_file(&p, &Default::default()).ok()?;
            let signers = v
                .signatures
                .iter()
                .filter_map(|s| Some(s.signer.as_ref()?.thumbprint_sha1()))
                .collect();
            Some((super::display_name(&p), signers))
        })
        .collect();
    found.sort();
    found
}

/// One line of `pqx trust list`: the entry as stored, then the connectors it signs.
fn describe(entry: &str, signed: &[(String, Vec<String>)]) -> String {
    let Ok(t) = Thumbprint::parse(entry).map(|t| t.to_string()) else {
        return format!("{entry}  (not a thumbprint: Power BI ignores it)");
    };
    let names: Vec<&str> = signed
        .iter()
        .filter(|(_, signers)| signers.contains(&t))
        .map(|(name, _)| name.as_str())
        .collect();
    if names.is_empty() {
        entry.to_owned()
    } else {
        format!("{entry}  signs: {}", names.join(", "))
    }
}

/// Not on Windows: what to run there instead.
fn elsewhere(command: &TrustCommand) -> Result<Exit, Failure> {
    eprintln!(
        "pqx: the list Power BI trusts is in the Windows registry ({}\\{}); this is not Windows.",
        registry::REG_EXE_KEY,
        registry::VALUE
    );
    match command {
        TrustCommand::List(_) => {
            eprintln!("pqx: on the Windows machine, list it with:");
            outln!(
                "reg query \"{}\" /v {}",
                registry::REG_EXE_KEY,
                registry::VALUE
            );
        }
        TrustCommand::Add(target) => {
            let thumbprints = thumbprints(target)?;
            eprintln!("pqx: on the Windows machine, from an elevated prompt, run pqx trust add there, or import this .reg file (it REPLACES the list: add the thumbprints already trusted first), or run:");
            eprintln!("pqx:   {}", registry::reg_add_command(&thumbprints));
            out!("{}", reg_file(&thumbprints));
        }
        TrustCommand::Remove(target) => {
            let thumbprints = thumbprints(target)?;
            eprintln!("pqx: on the Windows machine, from an elevated prompt, run pqx trust remove there, or list the thumbprints with the command below and set the list without {} with reg add … /t REG_MULTI_SZ /d \"A\\0B\" /f:", thumbprints.join(", "));
            outln!(
                "reg query \"{}\" /v {}",
                registry::REG_EXE_KEY,
                registry::VALUE
            );
        }
    }
    Ok(Exit::Success)
}

#[cfg(test)]
mod tests {
    use super::describe;

    const A: &str = "0123456789ABCDEF0123456789ABCDEF01234567";

    #[test]
    fn list_names_the_connectors_an_entry_signs() {
        let signed = vec![
            ("A.pqx".to_owned(), vec![A.to_owned()]),
            ("B.pqx".to_owned(), vec!["F".repeat(40)]),
            ("C.pqx".to_owned(), vec![A.to_owned()]),
        ];
        assert_eq!(
            describe(&A.to_lowercase(), &signed),
            format!("{}  signs: A.pqx, C.pqx", A.to_lowercase())
        );
        assert_eq!(describe(&"E".repeat(40), &signed), "E".repeat(40));
        assert_eq!(
            describe("junk", &signed),
            "junk  (not a thumbprint: Power BI ignores it)"
        );
    }
}
