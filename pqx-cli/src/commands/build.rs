//! `pqx build [DIR | X.proj] [-o OUT.mez] [-v] [--sign -c PFX … | --key KEY --cert CHAIN]`:
//! the Power Query SDK's `BuildMez` target without MSBuild (pqx-core's `project` module),
//! then optionally `pack` with signing in the same step.

use super::{display_name, overlap, sign::report_signed};
use crate::cli::BuildArgs;
use crate::failure::{self, Exit, Failure};
use crate::paths::check_output;
use crate::signer;
use pqx_core::atomic::write_atomically;
use pqx_core::connector::Connector;
use pqx_core::file_identity::Role;
use pqx_core::files::default_package_path;
use pqx_core::limits::Limits;
use pqx_core::mez::Mez;
use pqx_core::opc::Package;
use pqx_core::pack::pack;
use pqx_core::project::{plan, write_mez, BuildPlan};
use pqx_core::sign::sign_package;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

/// Runs `pqx build`: works out the project's files, writes the `.mez` (atomically, where
/// the SDK would unless `-o` says otherwise), runs the connector check on it as `pack`
/// does, and with `--sign` packs and signs it into a `.pqx` as `pack -c …` does.
pub fn run(args: &BuildArgs) -> Result<Exit, Failure> {
    let limits = Limits::default();
    let start = args.project.clone().unwrap_or_else(|| PathBuf::from("."));
    let plan = plan(&start, &limits)?;
    for note in &plan.notes {
        eprintln!("pqx: note: {note}");
    }
    if args.verbose {
        report_plan(&plan);
    }
    let mez_path = args.output.clone().unwrap_or_else(|| plan.default_output());
    let pqx_path = args.sign.then(|| {
        args.target
            .clone()
            .unwrap_or_else(|| default_package_path(&mez_path))
    });
    refuse_overlaps(args, &plan, &mez_path, pqx_path.as_deref())?;
    if args.output.is_none() {
        if let Some(parent) = mez_path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Failure::io(parent, e))?;
        }
    }
    check_output(&mez_path)?;
    let bytes = write_mez(&plan, Cursor::new(Vec::new()), &limits)?.into_inner();
    let what = display_name(&mez_path);
    let mut connector = Connector::Mez(Mez::open(Cursor::new(&bytes), &what, &limits)?);
    if !args.options.no_check {
        super::check::gate(&mut connector, &mez_path, args.options.strict)?;
    }
    // The key (and its password) before anything is written: a wrong password leaves no
    // half-done build behind.
    let key = match &pqx_path {
        Some(_) => Some((
            signer::require_signer(&args.key, &args.pkcs11)?,
            signer::sign_options(&args.options, false)?,
        )),
        None => None,
    };
    write_atomically(&mez_path, |w| {
        w.write_all(&bytes)
            .map_err(|e| pqx_core::Error::io(mez_path.display().to_string(), e))
    })
    .map_err(|e| failure::writing(&mez_path, e))?;
    eprintln!(
        "built {} ({} file{})",
        mez_path.display(),
        plan.files.len(),
        if plan.files.len() == 1 { "" } else { "s" }
    );
    let (Some(target), Some((key, options))) = (pqx_path, key) else {
        return Ok(Exit::Success);
    };
    check_output(&target)?;
    let Connector::Mez(mut mez) = connector else {
        return Err(Failure::new(Exit::Input, format!("{what} is not a .mez")));
    };
    let unsigned = pack(&mut mez, Cursor::new(Vec::new()))?.into_inner();
    let mut package = Package::open(Cursor::new(unsigned), &display_name(&target), &limits)?;
    let outcome = write_atomically(&target, |w| {
        sign_package(&mut package, key.as_ref(), &options, w).map(|signed| signed.outcome)
    })
    .map_err(|e| failure::writing(&target, e))?;
    report_signed(&target, key.as_ref(), &outcome);
    signer::write_detached(&args.options, &target, key.as_ref(), &options)?;
    Ok(Exit::Success)
}

/// `--verbose`: what goes in, and what the folder holds that does not.
fn report_plan(plan: &BuildPlan) {
    let from = plan
        .project_file
        .as_deref()
        .map(display_name)
        .unwrap_or_else(|| "the SDK's conventions (no project file)".to_owned());
    eprintln!("pqx: {} from {from}:", plan.name);
    for f in &plan.files {
        eprintln!("  + {} ({})", f.name, f.source.display());
    }
    for name in &plan.left_out {
        eprintln!("  - {name} (in the folder, not in the package)");
    }
}

/// No output may be a packaged file, a key file, or another output.
fn refuse_overlaps(
    args: &BuildArgs,
    plan: &BuildPlan,
    mez: &Path,
    pqx: Option<&Path>,
) -> Result<(), Failure> {
    let mut inputs: Vec<Role<'_>> = plan
        .files
        .iter()
        .map(|f| Role {
            role: "project file",
            path: &f.source,
        })
        .collect();
    if let Some(p) = &plan.project_file {
        inputs.push(Role {
            role: "project",
            path: p,
        });
    }
    inputs.extend(overlap::key_inputs(&args.key));
    let mut outputs = vec![Role {
        role: ".mez",
        path: mez,
    }];
    if let Some(p) = pqx {
        outputs.push(Role {
            role: "package",
            path: p,
        });
    }
    if let Some(p7s) = &args.options.detached_p7s {
        outputs.push(Role {
            role: "detached signature",
            path: p7s,
        });
        check_output(p7s)?;
    }
    overlap::refuse(&inputs, &outputs, None)
}
