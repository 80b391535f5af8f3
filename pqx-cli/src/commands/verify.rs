//! `pqx verify X.pqx [-q] [--format json|text] [--trusted-ca PEM] [--trusted-thumbprint HEX]
//! [--revoked THUMBPRINT|serial:HEX] [--crl CRL] [--detached-p7s X.p7s]`.

use super::display_name;
use crate::cli::{ReportFormat, VerifyArgs};
use crate::failure::{Exit, Failure};
use crate::progress::Progress;
use pqx_core::cms::detached::verify_detached_file;
use pqx_core::files::read_bounded;
use pqx_core::limits::{MAX_CERTIFICATE_FILE_SIZE, MAX_CRL_FILE_SIZE};
use pqx_core::opc::Package;
use pqx_core::report::Report;
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{verify_package, Verification, VerifyOptions};
use std::path::Path;

/// Runs `pqx verify`: prints MakePQX's report (unless `-q`) and exits 0 exactly when the
/// signatures are valid (`Success`); with `--require-trusted`, also every signer must be
/// trusted by the policy given. With `--detached-p7s` the detached CMS signature of the
/// file is verified instead of the signatures inside it, with the same report and rules.
pub fn run(args: &VerifyArgs) -> Result<Exit, Failure> {
    let options = VerifyOptions::with_policy(trust_policy(args)?);
    let single = match args.pqx.as_slice() {
        [one] if !one.is_dir() => one,
        _ => return super::audit::run(args, &options),
    };
    let verification = match &args.detached_p7s {
        Some(p7s) => verify_p7s(single, p7s, &options)?,
        None => {
            let (progress, reader) = Progress::open(single, "verifying", args.quiet)?;
            let mut package = Package::open(reader, &display_name(single), &options.limits)?;
            let verification = verify_package(&mut package, &options)?;
            progress.finish();
            verification
        }
    };
    if !args.quiet {
        let report = Report::from_verification(&verification);
        match args.report_format(ReportFormat::Json) {
            ReportFormat::Json => outln!("{}", report.to_json()),
            ReportFormat::Text => out!("{}", report.to_text()),
        }
    }
    let ok = verification.is_valid() && (!args.require_trusted || verification.is_trusted());
    if verification.is_valid() && !ok && !args.quiet {
        eprintln!("pqx: the signatures are valid, but not every signer is trusted by --trusted-ca/--trusted-thumbprint/--trusted-reg/--trusted-registry");
    }
    Ok(if ok { Exit::Success } else { Exit::NotValid })
}

/// Verifies the detached signature at `p7s` over the exact bytes of the file at `pqx`: the
/// `.p7s` is size-checked before it is read, the package streamed through the hasher.
fn verify_p7s(pqx: &Path, p7s: &Path, options: &VerifyOptions) -> Result<Verification, Failure> {
    Ok(verify_detached_file(pqx, p7s, options)?)
}

pub(super) fn trust_policy(args: &VerifyArgs) -> Result<TrustPolicy, Failure> {
    let mut policy = TrustPolicy::none();
    for path in &args.trusted_ca {
        let bytes = read_bounded(path, MAX_CERTIFICATE_FILE_SIZE)?;
        let pem = String::from_utf8_lossy(&bytes);
        policy = policy.with_anchor_pem(&pem).map_err(|e| {
            Failure::from(e).hint(format!(
                "--trusted-ca {} must be a PEM file of certificates",
                path.display()
            ))
        })?;
    }
    for t in &args.trusted_thumbprint {
        policy.pin_thumbprint(t)?;
    }
    for path in &args.trusted_reg {
        for t in super::audit::registry_list(path)? {
            policy.pin(t);
        }
    }
    if args.trusted_registry {
        for entry in registry_list()? {
            // Power BI skips what is not a thumbprint; so does pqx, saying so.
            if policy.pin_thumbprint(&entry).is_err() {
                eprintln!("pqx: warning: ignoring {entry:?} in the registry's trusted list: not a thumbprint");
            }
        }
    }
    for r in &args.revoked {
        policy.revoke(r)?;
    }
    for path in &args.crl {
        let bytes = read_bounded(path, MAX_CRL_FILE_SIZE)?;
        policy.add_crl(&bytes).map_err(|e| {
            Failure::from(e).hint(format!(
                "--crl {} must be a certificate revocation list, PEM or DER",
                path.display()
            ))
        })?;
    }
    if args.require_trusted && !has_trust_policy(args) {
        return Err(Failure::new(
            Exit::Usage,
            "--require-trusted needs --trusted-ca, --trusted-thumbprint, --trusted-reg or --trusted-registry",
        ));
    }
    Ok(policy)
}

/// Whether a trust policy was named: then "trusted" means something, and an audit of several
/// files requires it.
pub(super) fn has_trust_policy(args: &VerifyArgs) -> bool {
    !(args.trusted_ca.is_empty()
        && args.trusted_thumbprint.is_empty()
        && args.trusted_reg.is_empty()
        && !args.trusted_registry)
}

/// The machine's trusted-thumbprint list (`--trusted-registry`); a usage error off Windows.
fn registry_list() -> Result<Vec<String>, Failure> {
    if cfg!(not(windows)) {
        return Err(Failure::new(
            Exit::Usage,
            "--trusted-registry reads the Windows registry; this is not Windows",
        )
        .hint("give the thumbprints with --trusted-thumbprint HEX instead"));
    }
    super::trust::read()
}
