//! `pqx verify X.pqx [-q] [--format json|text] [--trusted-ca PEM] [--trusted-thumbprint HEX]`.

use super::display_name;
use crate::cli::{ReportFormat, VerifyArgs};
use crate::failure::{Exit, Failure};
use crate::progress::Progress;
use pqx_core::opc::Package;
use pqx_core::report::Report;
use pqx_core::trust::TrustPolicy;
use pqx_core::verify::{verify_package, VerifyOptions};

/// Runs `pqx verify`: prints MakePQX's report (unless `-q`) and exits 0 exactly when the
/// signatures are valid (`Success`); with `--require-trusted`, also every signer must be
/// trusted by the policy given.
pub fn run(args: &VerifyArgs) -> Result<Exit, Failure> {
    let options = VerifyOptions::with_policy(trust_policy(args)?);
    let (progress, reader) = Progress::open(&args.pqx, 1, "verifying", args.quiet)?;
    let mut package = Package::open(reader, &display_name(&args.pqx), &options.limits)?;
    let verification = verify_package(&mut package, &options)?;
    progress.finish();
    if !args.quiet {
        let report = Report::from_verification(&verification);
        match args.report_format() {
            ReportFormat::Json => println!("{}", report.to_json()),
            ReportFormat::Text => print!("{}", report.to_text()),
        }
    }
    let ok = verification.is_valid() && (!args.require_trusted || verification.is_trusted());
    if verification.is_valid() && !ok && !args.quiet {
        eprintln!("pqx: the signatures are valid, but not every signer is trusted by --trusted-ca/--trusted-thumbprint");
    }
    Ok(if ok { Exit::Success } else { Exit::NotValid })
}

fn trust_policy(args: &VerifyArgs) -> Result<TrustPolicy, Failure> {
    let mut policy = TrustPolicy::none();
    for path in &args.trusted_ca {
        let pem = std::fs::read_to_string(path).map_err(|e| Failure::io(path, e))?;
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
    if args.require_trusted && args.trusted_ca.is_empty() && args.trusted_thumbprint.is_empty() {
        return Err(Failure::new(
            Exit::Usage,
            "--require-trusted needs --trusted-ca or --trusted-thumbprint",
        ));
    }
    Ok(policy)
}
