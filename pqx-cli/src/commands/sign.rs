//! `pqx sign X.pqx (-c PFX -p PW | --key KEY --cert CHAIN | --cert CHAIN --sign-command CMD) [-r]
//! [-t OUT] [--timestamper URL] [--detached-p7s OUT.p7s]`, and the two steps `--cert CHAIN
//! --prepare STATE` / `--complete STATE --signature SIG`.

use super::display_name;
use super::overlap;
use crate::cli::SignArgs;
use crate::failure::{self, Exit, Failure};
use crate::paths::check_output;
use crate::progress::Progress;
use crate::signer;
use pqx_core::atomic::AtomicFile;
use pqx_core::certificate::format_report_time;
use pqx_core::connector::Connector;
use pqx_core::file_identity::Role;
use pqx_core::keys::{signer_certificate, Signer};
use pqx_core::limits::Limits;
use pqx_core::sign::{sign_package, SignOutcome};
use std::path::Path;

/// Runs `pqx sign`: signs, countersigns (the default on a signed package, as MakePQX) or
/// replaces (`-r`), in place or into `--target`, atomically; with `--timestamper` the
/// signature is time-stamped (no token, nothing written), with `--detached-p7s` a detached
/// CMS signature of the result is written too. Refuses an output it cannot write, or one that
/// is an input (the in-place package aside) or the other output, before reading anything.
pub fn run(args: &SignArgs) -> Result<Exit, Failure> {
    let target = args.target.as_deref().unwrap_or(&args.pqx);
    if args.target.is_none() {
        // Signing in place: name a bad input as an input, not as an unwritable output.
        drop(crate::paths::open_input(&args.pqx)?);
    }
    let mut inputs = vec![Role {
        role: "package",
        path: &args.pqx,
    }];
    inputs.extend(overlap::key_inputs(&args.key));
    let ext = &args.external;
    let digest_file = ext.prepare.as_deref().map(crate::two_step::digest_path);
    let named = [
        ("state file", ext.complete.as_deref()),
        ("signature", ext.signature.as_deref()),
    ];
    inputs.extend(
        named
            .into_iter()
            .filter_map(|(role, p)| Some(Role { role, path: p? })),
    );
    let mut outputs = vec![Role {
        role: "signed package",
        path: target,
    }];
    let named = [
        ("state file", ext.prepare.as_deref()),
        ("digest file", digest_file.as_deref()),
    ];
    outputs.extend(
        named
            .into_iter()
            .filter_map(|(role, p)| Some(Role { role, path: p? })),
    );
    if let Some(p7s) = &args.options.detached_p7s {
        outputs.push(Role {
            role: "detached signature",
            path: p7s,
        });
    }
    overlap::refuse(&inputs, &outputs, Some((target, &args.pqx)))?;
    check_output(target)?;
    if let Some(p7s) = &args.options.detached_p7s {
        check_output(p7s)?;
    }
    let what = display_name(&args.pqx);
    // Signing reads the package once, digesting each part as it copies it (a deflated
    // part's compressed bytes are read again for the raw copy); the check reads only the
    // connector's text files (at most lint::MAX_TOTAL_SIZE), a small share of a big package.
    let (progress, reader) = Progress::open(&args.pqx, "signing", false)?;
    let mut connector = Connector::open(reader, &what, &Limits::default())?;
    if !args.options.no_check && matches!(connector, Connector::Pqx(..)) {
        super::check::gate(&mut connector, &args.pqx, args.options.strict)?;
    }
    let Connector::Pqx(mut package, _) = connector else {
        return Err(
            Failure::new(Exit::Input, format!("{what} is a .mez, not a .pqx package"))
                .hint("pack and sign it in one step with pqx pack -mz FILE -c PFX"),
        );
    };
    let options = signer::sign_options(&args.options, args.replace)?;
    if let (Some(state), Some(cert)) = (&ext.prepare, &args.key.cert) {
        // Two-step signing, step 1: every digest, no signature, nothing written but the state.
        let (recorder, options) = crate::two_step::recorder(cert, options)?;
        let outcome = sign_package(
            &mut package,
            &recorder,
            &options,
            crate::two_step::Discard::default(),
        );
        drop(package);
        crate::two_step::finish_prepare(outcome, &recorder, &args.pqx, state, &options)?;
        progress.finish();
        return Ok(Exit::Success);
    }
    // A key file, a command that signs with a key pqx never sees (--sign-command), or the
    // signature made elsewhere for what --prepare recorded (--complete).
    let (key, options): (Box<dyn Signer>, _) =
        if let (Some(state), Some(sig)) = (&ext.complete, &ext.signature) {
            let (completer, options) = crate::two_step::completer(&args.pqx, state, sig, options)?;
            (Box::new(completer), options)
        } else if ext.sign_command.is_some() {
            let signer = crate::external_signer::from_args(&args.key, ext)?;
            (Box::new(signer), options)
        } else {
            (signer::require_signer(&args.key, &args.pkcs11)?, options)
        };
    let key = key.as_ref();
    let mut out = AtomicFile::create(target).map_err(|e| failure::writing(target, e))?;
    let outcome = sign_package(&mut package, key, &options, out.writer())
        .map_err(|e| failure::writing(target, e))?
        .outcome;
    // The input is closed before the rename: Windows refuses to replace an open file.
    drop(package);
    out.commit().map_err(|e| failure::writing(target, e))?;
    progress.finish();
    report_signed(target, key, &outcome);
    signer::write_detached(&args.options, target, key, &options)?;
    Ok(Exit::Success)
}

/// One line on standard error saying what was signed, how, and by whom (and one more for the
/// timestamp, when there is one).
pub fn report_signed(target: &Path, key: &dyn Signer, outcome: &SignOutcome) {
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
    let Ok(cert) = signer_certificate(key) else {
        return;
    };
    eprintln!(
        "{how} {} as {} (thumbprint {})",
        target.display(),
        cert.subject(),
        cert.thumbprint_sha1()
    );
    if let Some(ts) = &outcome.timestamp {
        eprintln!(
            "timestamped at {} by {} (thumbprint {})",
            format_report_time(ts.time),
            ts.authority.subject(),
            ts.authority.thumbprint_sha1()
        );
    }
}
