//! `pqx pack -mz X.mez [-t X.pqx] [-c PFX -p PW | --key KEY --cert CHAIN] [--timestamper URL]
//! [--detached-p7s OUT.p7s]`.

use super::{display_name, overlap, sign::report_signed};
use crate::cli::PackArgs;
use crate::connector::Connector;
use crate::failure::{Exit, Failure};
use crate::progress::Progress;
use crate::signer;
use pqx_core::atomic::{check_writable, write_atomically};
use pqx_core::file_identity::Role;
use pqx_core::limits::Limits;
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
        .unwrap_or_else(|| args.mez.with_extension("pqx"));
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
    check_writable(&target)?;
    if let Some(p7s) = &args.options.detached_p7s {
        check_writable(p7s)?;
    }
    let limits = Limits::default();
    let what = display_name(&args.mez);
    // Packing reads the files once; the check reads only the connector's text files (at
    // most lint::MAX_TOTAL_SIZE), a small share of a big connector.
    let (progress, reader) = Progress::open(&args.mez, "packing", false)?;
    let mut connector = Connector::open(reader, &what, &limits)?;
    if !args.options.no_check && matches!(connector, Connector::Mez(_)) {
        super::check::gate(&mut connector, &what)?;
    }
    let Connector::Mez(mut mez) = connector else {
        return Err(
            Failure::new(Exit::Input, format!("{what} is already a .pqx package"))
                .hint("sign it with pqx sign"),
        );
    };
    let Some(key) = signer::load(&args.key)? else {
        write_atomically(&target, |w| pack(&mut mez, w).map(drop))?;
        progress.finish();
        eprintln!("packed {}", target.display());
        return Ok(Exit::Success);
    };
    let options = signer::sign_options(&args.options, false)?;
    let unsigned = pack(&mut mez, Cursor::new(Vec::new()))?.into_inner();
    let mut package = Package::open(Cursor::new(unsigned), &display_name(&target), &limits)?;
    let outcome = write_atomically(&target, |w| {
        sign_package(&mut package, &key, &options, w).map(|(_, o)| o)
    })?;
    progress.finish();
    report_signed(&target, &key, &outcome);
    signer::write_detached(&args.options, &target, &key, &options)?;
    Ok(Exit::Success)
}
