//! `pqx sign X.pqx (-c PFX -p PW | --key KEY --cert CHAIN) [-r] [-t OUT]`.

use super::display_name;
use crate::cli::SignArgs;
use crate::connector::Connector;
use crate::failure::{Exit, Failure};
use crate::progress::Progress;
use crate::signer;
use pqx_core::atomic::{check_writable, write_atomically};
use pqx_core::keys::SigningKey;
use pqx_core::limits::Limits;
use pqx_core::sign::{sign_package, SignOutcome};
use std::path::Path;

/// Runs `pqx sign`: signs, countersigns (the default on a signed package, as MakePQX) or
/// replaces (`-r`), in place or into `--target`, atomically. Refuses an output it cannot
/// write before reading anything.
pub fn run(args: &SignArgs) -> Result<Exit, Failure> {
    let target = args.target.as_deref().unwrap_or(&args.pqx);
    check_writable(target)?;
    let what = display_name(&args.pqx);
    // Signing digests the parts, then copies them; the check reads them once more.
    let passes = if args.options.no_check { 2 } else { 3 };
    let (progress, reader) = Progress::open(&args.pqx, passes, "signing", false)?;
    let mut connector = Connector::open(reader, &what, &Limits::default())?;
    if !args.options.no_check && matches!(connector, Connector::Pqx(..)) {
        super::check::gate(&mut connector, &what)?;
    }
    let Connector::Pqx(mut package, _) = connector else {
        return Err(
            Failure::new(Exit::Input, format!("{what} is a .mez, not a .pqx package"))
                .hint("pack and sign it in one step with pqx pack -mz FILE -c PFX"),
        );
    };
    let key = signer::require(&args.key)?;
    let options = signer::sign_options(&args.options, args.replace);
    let outcome = write_atomically(target, |w| {
        sign_package(&mut package, &key, &options, w).map(|(_, o)| o)
    })?;
    progress.finish();
    report_signed(target, &key, &outcome);
    Ok(Exit::Success)
}

/// One line on standard error saying what was signed, how, and by whom.
pub fn report_signed(target: &Path, key: &SigningKey, outcome: &SignOutcome) {
    let how = if outcome.countersigned {
        "countersigned".to_owned()
    } else if outcome.removed > 0 {
        format!(
            "signed (replacing {} signature{})",
            outcome.removed,
            if outcome.removed == 1 { "" } else { "s" }
        )
    } else {
        "signed".to_owned()
    };
    let cert = key.certificate();
    eprintln!(
        "{how} {} as {} (thumbprint {})",
        target.display(),
        cert.subject(),
        cert.thumbprint_sha1()
    );
}
