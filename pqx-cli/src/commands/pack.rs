//! `pqx pack -mz X.mez [-t X.pqx] [-c PFX -p PW | --key KEY --cert CHAIN] [--timestamper URL]
//! [--detached-p7s OUT.p7s]`.

use super::{display_name, overlap, sign::report_signed};
use crate::cli::PackArgs;
use crate::failure::{self, Exit, Failure};
use crate::paths::check_output;
use crate::progress::Progress;
use crate::signer;
use pqx_core::atomic::write_atomically;
use pqx_core::connector::Connector;
use pqx_core::file_identity::Role;
use pqx_core::files::default_package_path;
use pqx_core::limits::Limits;
use pqx_core::mez::Mez;
use pqx_core::opc::Package;
use pqx_core::pack::pack;
use pqx_core::sign::sign_package;
use std::io::Cursor;

/// Runs `pqx pack`: packs the `.mez` into an unsigned `.pqx`, or packs and signs in one step
/// when a key is named (with a timestamp and a detached `.p7s` as for `pqx sign`). The
/// outputs are written atomically, and neither may be an input or the other output.
pub fn run(args: &PackArgs) -> Result<Exit, Failure> {
    let target = args
        .target
        .clone()
        .unwrap_or_else(|| default_package_path(&args.mez));
    let mut inputs = vec![Role {
        role: ".mez",
        path: &args.mez,
    }];
    inputs.extend(overlap::key_inputs(&args.key));
    let mut outputs = vec![Role {
        role: "package",
        path: &target,
    }];
    if let Some(p7s) = &args.options.detached_p7s {
        outputs.push(Role {
            role: "detached signature",
            path: p7s,
        });
    }
    overlap::refuse(&inputs, &outputs, None)?;
    check_output(&target)?;
    if let Some(p7s) = &args.options.detached_p7s {
        check_output(p7s)?;
    }
    let limits = Limits::default();
    let what = display_name(&args.mez);
    // Packing reads the files once; the check reads only the connector's text files (at
    // most lint::MAX_TOTAL_SIZE), a small share of a big connector.
    let (progress, reader) = Progress::open(&args.mez, "packing", false)?;
    // Every .mez MakePQX packs, pqx packs: the 2018 SDK's OPC-shaped ones too (their
    // packaging metadata is dropped and rebuilt); a signed .pqx is refused with a message
    // that says so (Mez::open).
    let mut connector = Connector::Mez(Mez::open(reader, &what, &limits)?);
    if !args.options.no_check {
        super::check::gate(&mut connector, &args.mez, args.options.strict)?;
    }
    let Connector::Mez(mut mez) = connector else {
        return Err(Failure::new(Exit::Input, format!("{what} is not a .mez")));
    };
    let Some(key) = signer::load_signer(&args.key, &args.pkcs11)? else {
        write_atomically(&target, |w| pack(&mut mez, w).map(drop))
            .map_err(|e| failure::writing(&target, e))?;
        progress.finish();
        eprintln!("packed {}", target.display());
        return Ok(Exit::Success);
    };
    let options = signer::sign_options(&args.options, false)?;
    let unsigned = pack(&mut mez, Cursor::new(Vec::new()))?.into_inner();
    let mut package = Package::open(Cursor::new(unsigned), &display_name(&target), &limits)?;
    let outcome = write_atomically(&target, |w| {
        sign_package(&mut package, key.as_ref(), &options, w).map(|signed| signed.outcome)
    })
    .map_err(|e| failure::writing(&target, e))?;
    progress.finish();
    report_signed(&target, key.as_ref(), &outcome);
    signer::write_detached(&args.options, &target, key.as_ref(), &options)?;
    Ok(Exit::Success)
}
