//! The command line: every command, option and help text of `pqx`, as one clap definition.
//!
//! The same definition drives parsing, `--help`, the shell completions and the man pages, so
//! they cannot disagree. Two MakePQX spellings clap cannot express directly are rewritten
//! before parsing ([`normalize_args`]): the two-letter single-dash option `-mz` and the help
//! flag `-?`.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use clap::{Arg, ArgAction, Args, CommandFactory, Parser, Subcommand, ValueEnum};
use pqx_core::cms::http::{DEFAULT_RETRIES, DEFAULT_TIMEOUT};
use pqx_core::digest::DigestAlgorithm;
use std::ffi::OsString;
use std::path::PathBuf;

/// The exit statuses, as shown at the end of `pqx --help` (and in the README).
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success
  1  the signature is not valid (verify), or the connector check found errors (check)
  2  usage error (unknown option, missing argument, bad value)
  3  an input is unreadable or malformed, or an output cannot be written
  4  key or password problem (wrong password, unreadable key or certificate)
  5  refused by policy (a key that is not RSA or under 2048 bits, missing code-signing
     EKU, expired certificate; with --strict, check errors or secrets found by pack/sign)
  6  time-stamping failed: no --timestamper gave a usable token (network down, TSA
     unreachable or refusing); nothing was written, retrying later may help

pack and sign run the connector check (pqx check) first and go on whatever it finds, as
MakePQX does: one summary line on standard error (and a warning line for each secret the
package would ship). --strict makes check errors and secrets refuse (exit 5, nothing
written); --no-check skips the check.

Passwords: -p works as in MakePQX but shows the password in process lists; prefer
--password-file FILE (- for standard input) or the PQX_PASSWORD environment variable.
Without any of them pqx tries an empty password, then asks (without echo) when standard
input is a terminal.";

/// `pqx`: pack, sign and verify Power Query connectors.
#[derive(Debug, Parser)]
#[command(
    name = "pqx",
    version,
    about = "Pack, sign and verify Power Query connectors (.pqx): a drop-in for MakePQX on every OS",
    long_about = "Pack, sign and verify Power Query connectors (.pqx): a drop-in for MakePQX on every OS.\n\n\
                  MakePQX's commands and options work unchanged (pack -mz, sign -c -p -r, verify -q), \
                  on every .mez MakePQX accepts (the 2018 SDK's OPC-shaped ones too): where MakePQX \
                  succeeds, pqx succeeds. pack and sign also run the connector check, which only \
                  reports (--strict refuses on its errors). inspect, unpack, thumbprint and check \
                  are pqx's own.",
    after_help = EXIT_STATUS_HELP,
    arg_required_else_help = true,
    max_term_width = 100
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a .pqx file from a .mez (and sign it with -c or --key)
    #[command(
        after_help = "Example: pqx pack -mz \"Custom Connectors/HelloWorld.mez\" -t HelloWorldSigned.pqx"
    )]
    Pack(PackArgs),
    /// Build the .mez of a Power Query SDK project (X.proj) on any OS, and sign it with --sign
    #[command(after_help = BUILD_HELP)]
    Build(BuildArgs),
    /// Sign an unsigned .pqx, or countersign a signed one (--replace replaces the signatures)
    #[command(
        after_help = "Example: pqx sign HelloWorldSigned.pqx --certificate Contoso.pfx --password-file pw.txt"
    )]
    Sign(SignArgs),
    /// Verify the signatures of a .pqx, or audit many .pqx/.mez files and folders; exit status non-zero when not valid
    #[command(
        after_help = VERIFY_HELP
    )]
    Verify(VerifyArgs),
    /// Show what a .mez or .pqx holds: files, section name and version, signers
    Inspect(InspectArgs),
    /// Extract the connector files of a .mez or .pqx into a folder, safely
    Unpack(UnpackArgs),
    /// Print the SHA-1 thumbprint Power BI's trusted-thumbprint list needs
    #[command(
        after_help = "FILE is a certificate (.pem, .crt, .der, .cer), a .pfx/.p12 (password as for sign) \
                            or a signed .pqx (one line per signer)."
    )]
    Thumbprint(ThumbprintArgs),
    /// Check a connector against the Power Query certification rules
    Check(CheckArgs),
    /// List, add or remove the signer thumbprints Power BI Desktop trusts on this machine (Windows registry)
    #[command(
        after_help = "The list is TrustedCertificateThumbprints (REG_MULTI_SZ) under                       HKLM\\SOFTWARE\\Policies\\Microsoft\\Power BI Desktop. add and remove need                       administrator rights. On other OSes these commands print what to run on Windows."
    )]
    Trust(TrustArgs),
    /// List the tokens, keys and certificates of a PKCS#11 module, with the URI for --key
    #[command(
        after_help = "Example: pqx keys list --pkcs11-module /usr/lib/softhsm/libsofthsm2.so --pin-file pin.txt"
    )]
    Keys(KeysArgs),
    /// Pack, sign and verify the built-in HelloWorld connector with a throwaway test PKI
    Demo(DemoArgs),
    /// Print a shell completion script
    Completions(CompletionsArgs),
    /// Print the man page (or write one per command into a folder)
    Manpage(ManpageArgs),
}

/// Where the signing key comes from: a .pfx, or a PEM key and chain.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// Certificate (.pfx / .p12) with the private key to sign with
    #[arg(
        short = 'c',
        long = "certificate",
        value_name = "PFX",
        conflicts_with = "key"
    )]
    pub certificate: Option<PathBuf>,
    /// Private key (PEM or DER: PKCS#8, encrypted PKCS#8 or PKCS#1), instead of a .pfx; or a pkcs11: URI of a key in a token (with --pkcs11-module)
    #[arg(long, value_name = "KEY")]
    pub key: Option<PathBuf>,
    /// PEM certificate chain for --key (signer first or in any order; default: the certificates in the --key file) or for sign --sign-command
    #[arg(long, value_name = "CHAIN", requires = "chain_user")]
    pub cert: Option<PathBuf>,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// The password sources, in order of precedence.
#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Password for the certificate or key (visible in process lists: prefer --password-file or PQX_PASSWORD)
    #[arg(short = 'p', long = "password", value_name = "PASSWORD")]
    pub password: Option<String>,
    /// Read the password from the first line of FILE (- reads standard input)
    #[arg(long, value_name = "FILE", conflicts_with = "password")]
    pub password_file: Option<PathBuf>,
}

/// Options shared by the commands that sign.
#[derive(Debug, Args)]
pub struct SignOptionsArgs {
    /// Digest algorithm for the signature (sha1 only on request: it is weak)
    #[arg(
        long,
        value_name = "ALG",
        default_value = "sha256",
        value_parser = PossibleValuesParser::new(["sha256", "sha384", "sha512", "sha1"])
            .try_map(|s: String| DigestAlgorithm::from_name(&s).map_err(|e| e.to_string()))
    )]
    pub hash: DigestAlgorithm,
    /// Do not run the connector check first (by default it reports a one-line summary and goes on)
    #[arg(long)]
    pub no_check: bool,
    /// Refuse (exit 5, nothing written) when the connector check finds errors or a packaged secret
    #[arg(long, conflicts_with = "no_check")]
    pub strict: bool,
    /// Add an RFC 3161 timestamp from this time-stamping authority (repeatable: tried in order)
    #[arg(long, value_name = "URL", requires = "signer")]
    pub timestamper: Vec<String>,
    /// Seconds one request to a time-stamping authority may take
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = DEFAULT_TIMEOUT.as_secs(),
        value_parser = clap::value_parser!(u64).range(1..=3600),
        requires = "timestamper"
    )]
    pub timestamp_timeout: u64,
    /// How often each time-stamping authority is retried after a failed request
    #[arg(
        long,
        value_name = "N",
        default_value_t = DEFAULT_RETRIES,
        value_parser = clap::value_parser!(u32).range(0..=10),
        requires = "timestamper"
    )]
    pub timestamp_retries: u32,
    /// Also write a detached CMS signature (.p7s, DER) of the signed .pqx here
    #[arg(long, value_name = "P7S", requires = "signer")]
    pub detached_p7s: Option<PathBuf>,
}

/// `pqx pack`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("signer").args(["certificate", "key"]))]
#[command(group = clap::ArgGroup::new("chain_user").args(["key"]))]
pub struct PackArgs {
    /// Input extension file (.mez); MakePQX's spelling -mz works too
    #[arg(long = "mez", value_name = "MEZ", required = true)]
    pub mez: PathBuf,
    /// Output file name [default: the input's name with .pqx]
    #[arg(short = 't', long = "target", value_name = "PQX")]
    pub target: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
    #[command(flatten)]
    pub options: SignOptionsArgs,
    #[command(flatten)]
    pub pkcs11: Pkcs11Args,
}

/// What `pqx verify --help` adds after the options.
pub const VERIFY_HELP: &str = "\
One file: prints MakePQX's JSON report by default. Exit status: 0 when SignatureStatus is
Success (with --require-trusted: and every signer is trusted), 1 otherwise.

Several files or a folder (an audit): every .pqx and .mez under the folders, verified in
parallel; one row per file (file, status, signer, SHA-1 thumbprint, trusted, expires) and a
summary line, or with --format json a JSON array of one object per file. Exit status 0 only
when every file verifies and, when a trust policy is given (--trusted-ca,
--trusted-thumbprint, --trusted-reg), every signer is trusted; 1 otherwise (a .mez is
NotSigned, an unreadable file is Error).

Example: pqx verify \"Custom Connectors\" --trusted-reg trusted.reg";

/// What `pqx build --help` adds after the options.
pub const BUILD_HELP: &str = "\
What is packaged: the project's MezContent items (every ItemGroup; Include lists separated by
';'; wildcards *, ? and **; Exclude; Remove; $(MSBuildProjectName) and the properties the
project defines), each under its file name, as the SDK's BuildMez target copies them. A
Condition pqx cannot evaluate exactly (Exists(...), property functions) is an error naming
its line, never a guess. Without a project file: the section document (*.pq that is not
*.query.pq, or *.m), *.pqm, *.png and resources*.resx at the top of the folder.

The .mez is deterministic (same files, same bytes). A listed file that does not exist, two
files under one name, or no section document is an error that names them.

Examples:
  pqx build samples/TripPin/8-Diagnostics
  pqx build HelloWorld.proj -o out/HelloWorld.mez --sign -c Contoso.pfx --password-file pw.txt";

/// `pqx build`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("signer").args(["certificate", "key"]).requires("sign"))]
#[command(group = clap::ArgGroup::new("chain_user").args(["key"]))]
pub struct BuildArgs {
    /// The project file (X.proj), or its folder [default: the current folder]
    #[arg(value_name = "DIR|PROJ")]
    pub project: Option<PathBuf>,
    /// Where to write the .mez [default: bin/AnyCPU/Debug/<Project>.mez in the project folder, as the SDK]
    #[arg(short = 'o', long = "output", value_name = "MEZ")]
    pub output: Option<PathBuf>,
    /// List the files of the project folder that the package leaves out (and what was not evaluated)
    #[arg(short = 'v', long)]
    pub verbose: bool,
    /// Also sign: pack the .mez into a signed .pqx with the key of -c or --key
    #[arg(long, requires = "signer")]
    pub sign: bool,
    /// The signed .pqx for --sign [default: the .mez's name with .pqx]
    #[arg(short = 't', long = "target", value_name = "PQX", requires = "sign")]
    pub target: Option<PathBuf>,
    #[command(flatten)]
    pub key: KeyArgs,
    #[command(flatten)]
    pub options: SignOptionsArgs,
    #[command(flatten)]
    pub pkcs11: Pkcs11Args,
}

/// `pqx sign`.
#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("signer").args(["certificate", "key", "sign_command", "prepare", "complete"]).required(true))]
#[command(group = clap::ArgGroup::new("chain_user").args(["key", "sign_command", "prepare"]))]
pub struct SignArgs {
    /// The .pqx file to sign (signed in place unless --target is given)
    #[arg(value_name = "PQX")]
    pub pqx: PathBuf,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Replace existing signatures instead of countersigning
    #[arg(short = 'r', long)]
    pub replace: bool,
    /// Write the signed package here instead of over the input
    #[arg(short = 't', long = "target", value_name = "PQX")]
    pub target: Option<PathBuf>,
    #[command(flatten)]
    pub options: SignOptionsArgs,
    #[command(flatten)]
    pub external: ExternalSignerArgs,
    #[command(flatten)]
    pub pkcs11: Pkcs11Args,
}

/// `pqx keys`.
#[derive(Debug, Args)]
pub struct KeysArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: KeysCommand,
}

/// `pqx keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Show slots/tokens, keys (type, bits, label, id) and certificates (subject, thumbprint), each with its pkcs11: URI
    List {
        /// PKCS#11 module (.so/.dll) of the token
        #[arg(long, value_name = "PATH", required = true)]
        pkcs11_module: PathBuf,
        /// Log in with the PIN in the first line of FILE (or set PQX_PIN) to see private keys
        #[arg(long, value_name = "FILE")]
        pin_file: Option<PathBuf>,
    },
}

/// `pqx sign --key 'pkcs11:…'`: a key inside a PKCS#11 token or HSM (docs/SIGNING.md).
#[derive(Debug, Args)]
pub struct Pkcs11Args {
    /// PKCS#11 module (.so/.dll) of the token for a --key 'pkcs11:token=…;object=…' URI (RFC 7512)
    #[arg(long, value_name = "PATH", requires = "key")]
    pub pkcs11_module: Option<PathBuf>,
    /// Read the token PIN from the first line of FILE (- reads standard input); or set PQX_PIN
    #[arg(long, value_name = "FILE", requires = "key")]
    pub pin_file: Option<PathBuf>,
}

/// `pqx sign --sign-command`: a key that never leaves its KMS or token (docs/SIGNING.md).
#[derive(Debug, Args)]
pub struct ExternalSignerArgs {
    /// Sign with this shell command (a KMS, token or signing service; see docs/SIGNING.md): it reads the digest on standard input, prints the RSA PKCS#1 v1.5 signature, which is verified before anything is written; needs --cert
    #[arg(
        long,
        value_name = "CMD",
        requires = "cert",
        conflicts_with_all = ["certificate", "key"]
    )]
    pub sign_command: Option<String>,
    /// How --sign-command gets the digest on standard input: raw bytes, or hex and a newline
    #[arg(
        long,
        value_name = "FORM",
        value_enum,
        default_value = "raw",
        requires = "sign_command"
    )]
    pub sign_command_input: crate::external_signer::DigestInput,
    /// Seconds --sign-command may take before it is stopped and signing fails
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = crate::external_signer::DEFAULT_TIMEOUT_SECS,
        value_parser = clap::value_parser!(u64).range(1..=3600),
        requires = "sign_command"
    )]
    pub sign_timeout: u64,
    /// Two-step signing, step 1: write the digest to sign (STATE.digest) and a state file; the package is unchanged; needs --cert
    #[arg(
        long,
        value_name = "STATE",
        requires = "cert",
        conflicts_with_all = ["certificate", "key", "sign_command", "detached_p7s", "timestamper", "target"]
    )]
    pub prepare: Option<PathBuf>,
    /// Two-step signing, step 2: finish what --prepare STATE prepared with the signature from --signature
    #[arg(
        long,
        value_name = "STATE",
        requires = "signature",
        conflicts_with_all = ["certificate", "key", "cert", "sign_command", "detached_p7s", "prepare"]
    )]
    pub complete: Option<PathBuf>,
    /// The signature for --complete: raw bytes, hex or base64
    #[arg(long, value_name = "SIG", requires = "complete")]
    pub signature: Option<PathBuf>,
}

/// Report formats of `verify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// MakePQX's JSON report (with pqx's fields after MakePQX's)
    Json,
    /// A readable summary
    Text,
}

/// `pqx verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The .pqx file to verify; several files or folders (searched recursively for .pqx and .mez) audit them all
    #[arg(value_name = "PQX|DIR", required = true, num_args = 1..)]
    pub pqx: Vec<PathBuf>,
    /// Hide the report (only the exit status tells)
    #[arg(short = 'q', long)]
    pub quiet: bool,
    /// Report format [default: json for one file (MakePQX's report); text, a table, for several]
    #[arg(long, value_enum, conflicts_with = "json")]
    pub format: Option<ReportFormat>,
    /// Same as --format json (the default for one file)
    #[arg(long)]
    pub json: bool,
    /// Trust the CA certificates in this PEM file (repeatable)
    #[arg(long, value_name = "PEM")]
    pub trusted_ca: Vec<PathBuf>,
    /// Trust the certificate with this SHA-1 or SHA-256 thumbprint (repeatable)
    #[arg(long, value_name = "HEX")]
    pub trusted_thumbprint: Vec<String>,
    /// Trust the thumbprints of Power BI's TrustedCertificateThumbprints list in this .reg export or `reg query` output
    #[arg(long, value_name = "FILE")]
    pub trusted_reg: Vec<PathBuf>,
    /// Exit with 1 unless every signer is trusted by --trusted-ca / --trusted-thumbprint / --trusted-reg (implied when auditing several files with a trust policy)
    #[arg(long)]
    pub require_trusted: bool,
    /// Files verified at once when auditing several [default: the number of cores]
    #[arg(short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,
    /// Treat this certificate as revoked: a SHA-1 or SHA-256 thumbprint, or serial:HEX (repeatable)
    #[arg(long, value_name = "THUMBPRINT|serial:HEX")]
    pub revoked: Vec<String>,
    /// Apply this certificate revocation list, PEM or DER (repeatable)
    #[arg(long, value_name = "CRL")]
    pub crl: Vec<PathBuf>,
    /// Trust the thumbprints Power BI Desktop trusts on this machine (Windows registry: pqx trust list)
    #[arg(long)]
    pub trusted_registry: bool,
    /// Verify this detached CMS signature (.p7s) of the file instead of its embedded signatures
    #[arg(long, value_name = "P7S")]
    pub detached_p7s: Option<PathBuf>,
}

/// `pqx trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// What to do with the list.
    #[command(subcommand)]
    pub command: TrustCommand,
}

/// The `pqx trust` commands.
#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Print the trusted thumbprints, each with the Custom Connectors it signs
    List(TrustListArgs),
    /// Trust the signers of a .pqx, a certificate, a .pfx, or a thumbprint (keeps the others)
    Add(TrustTargetArgs),
    /// Stop trusting the signers of a .pqx, a certificate, a .pfx, or a thumbprint
    Remove(TrustTargetArgs),
}

/// `pqx trust list`.
#[derive(Debug, Args)]
pub struct TrustListArgs {
    /// The folder of connectors to match (default: Documents\Power BI Desktop\Custom Connectors)
    #[arg(long, value_name = "DIR")]
    pub connectors: Option<PathBuf>,
}

/// `pqx trust add|remove`.
#[derive(Debug, Args)]
pub struct TrustTargetArgs {
    /// A signed .pqx, a certificate (.pem/.crt/.der/.cer), a .pfx/.p12, or a SHA-1 thumbprint
    #[arg(value_name = "PQX|CERT|THUMBPRINT")]
    pub target: String,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// `pqx inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The .mez or .pqx file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// `pqx unpack`.
#[derive(Debug, Args)]
pub struct UnpackArgs {
    /// The .mez or .pqx file
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// The folder to extract into (created if missing; must be empty unless --force)
    #[arg(short = 'o', long = "output", value_name = "DIR", required = true)]
    pub output: PathBuf,
    /// Extract into a non-empty folder, replacing files of the same name (unsafe or
    /// colliding names in the package are refused all the same)
    #[arg(long)]
    pub force: bool,
}

/// `pqx thumbprint`.
#[derive(Debug, Args)]
pub struct ThumbprintArgs {
    /// Certificate (.pem/.crt/.der/.cer), .pfx/.p12, or a signed .pqx
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print a .reg file that lists the thumbprint in Power BI's TrustedCertificateThumbprints
    #[arg(long)]
    pub reg: bool,
    #[command(flatten)]
    pub password: PasswordArgs,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Compiler-style lines (coloured on a terminal)
    Text,
    /// pqx's JSON report
    Json,
    /// SARIF 2.1.0, for code-scanning services
    Sarif,
}

/// What `--deny` can turn into failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Fail (exit 1) on warnings too
    Warnings,
}

/// `pqx check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// A .mez or .pqx file, or a Power Query SDK project folder
    #[arg(value_name = "FILE|DIR", required_unless_present = "list_rules")]
    pub path: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value = "text", conflicts_with = "json")]
    pub format: CheckFormat,
    /// Same as --format json
    #[arg(long)]
    pub json: bool,
    /// Exit with 1 on warnings as well as errors
    #[arg(long, value_enum, value_name = "WHAT")]
    pub deny: Option<Deny>,
    /// Do not run this rule (repeatable; see --list-rules)
    #[arg(long, value_name = "RULE")]
    pub disable: Vec<String>,
    /// List the rules and exit
    #[arg(long)]
    pub list_rules: bool,
}

/// `pqx demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Folder for the demo's files (default: a new folder in the system's temporary folder)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `pqx completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `pqx manpage`.
#[derive(Debug, Args)]
pub struct ManpageArgs {
    /// Write pqx.1 and one page per command (pqx-sign.1, …) into this folder
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

impl VerifyArgs {
    /// The format asked for, `--json` included; `default` when neither was given.
    pub fn report_format(&self, default: ReportFormat) -> ReportFormat {
        if self.json {
            ReportFormat::Json
        } else {
            self.format.unwrap_or(default)
        }
    }
}

impl CheckArgs {
    /// The format asked for, `--json` included.
    pub fn output_format(&self) -> CheckFormat {
        if self.json {
            CheckFormat::Json
        } else {
            self.format
        }
    }
}

/// The full clap command, with MakePQX's help flag (`-?`, `-h`, `--help`) on every command.
pub fn command() -> clap::Command {
    with_makepqx_help(Cli::command())
}

fn with_makepqx_help(cmd: clap::Command) -> clap::Command {
    let cmd = cmd.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help("Show help information (also -?)"),
    );
    cmd.mut_subcommands(with_makepqx_help)
}

/// Rewrites MakePQX spellings clap cannot parse: `-mz FILE`, `-mz=FILE` and `-mz:FILE`
/// become `--mez …`, and `-?` becomes `--help`. Arguments after `--` are left alone.
pub fn normalize_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut options_ended = false;
    for arg in args {
        if options_ended {
            out.push(arg);
            continue;
        }
        let rewritten = match arg.to_str() {
            Some("--") => {
                options_ended = true;
                None
            }
            Some("-mz") => Some(OsString::from("--mez")),
            Some("-?") => Some(OsString::from("--help")),
            Some(s) => s
                .strip_prefix("-mz=")
                .or_else(|| s.strip_prefix("-mz:"))
                .map(|v| OsString::from(format!("--mez={v}"))),
            None => None,
        };
        out.push(rewritten.unwrap_or(arg));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize_args(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn the_clap_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn rewrites_makepqx_mz_in_all_three_spellings() {
        assert_eq!(
            norm(&["pqx", "pack", "-mz", "a b.mez"]),
            ["pqx", "pack", "--mez", "a b.mez"]
        );
        assert_eq!(
            norm(&["pqx", "pack", "-mz=a.mez"]),
            ["pqx", "pack", "--mez=a.mez"]
        );
        assert_eq!(
            norm(&["pqx", "pack", "-mz:C:\\x.mez"]),
            ["pqx", "pack", "--mez=C:\\x.mez"]
        );
    }

    #[test]
    fn rewrites_question_mark_help_but_nothing_after_double_dash() {
        assert_eq!(norm(&["pqx", "sign", "-?"]), ["pqx", "sign", "--help"]);
        assert_eq!(
            norm(&["pqx", "sign", "--", "-mz", "-?"]),
            ["pqx", "sign", "--", "-mz", "-?"]
        );
    }
}
