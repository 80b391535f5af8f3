//! A local RFC 3161 time-stamping authority for tests: certificates made with the `openssl`
//! command in a temporary folder, `openssl ts -reply` behind a tiny HTTP/1.1 handler on
//! 127.0.0.1 (a thread per [`LocalTsa`], stopped and joined when it is dropped), and CRLs
//! made with `openssl ca -gencrl`.
//!
//! Why `openssl`: tokens and CRLs from an independent implementation test pqx's RFC 3161
//! client and verifier against something other than pqx itself, with no network beyond
//! 127.0.0.1.
//!
//! The TSA's root issues, besides the TSA certificate, a look-alike without the
//! time-stamping EKU (`notsa.pem`, `notsa.key`: to re-sign a token whose only fault is its
//! signer) and an ordinary code-signing certificate ([`TsaFiles::signer_key`],
//! [`TsaFiles::signer_chain`]: so that a CRL of that root can revoke a real signer).
//!
//! For the rules a TSA must follow it also issues a TSA whose time-stamping EKU is not
//! critical (`tsa-noncritical`), a code-signing certificate that also lists time stamping
//! (`dual`, [`DUAL_SUBJECT`]), an intermediate (`tsa-sub`) with a TSA below it (`tsa-leaf`),
//! and on demand a self-signed TSA valid until 9999-12-31T23:59:59Z
//! ([`TsaFiles::forever_tsa`]); [`TsaFiles::token_for`] runs `openssl ts` with one of several
//! configurations, [`TsaFiles::forged_token`] signs a hand-made TSTInfo.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;
use time::OffsetDateTime;

/// The OpenSSL subject of the code-signing certificate that also lists time stamping
/// (non-critically) in its EKU: a signer that must not be able to time-stamp itself.
pub const DUAL_SUBJECT: &str = "/O=pqx test/CN=pqx Test Dual-Use Signer";

/// A token and the `TimeStampResp` it came in.
pub struct Token {
    /// The DER `TimeStampToken`.
    pub token: Vec<u8>,
    /// The DER `TimeStampResp`.
    pub response: Vec<u8>,
}

/// A DER TLV with a short or long definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let len = content.len();
    let mut out = vec![tag];
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// The subject pqx reports for the TSA certificate (.NET form), so that tests can check
/// which authority pqx says made a token.
pub const TSA_SUBJECT: &str = "CN=pqx Test TSA, O=pqx test";

/// The OpenSSL subject of the code-signing certificate of the TSA root: a CRL entry
/// (`openssl ca` index line) has to name it.
pub const SIGNER_SUBJECT: &str = "/O=pqx test/CN=pqx Test OpenSSL Signer";

/// Runs `openssl ARGS` in `dir` and asserts it succeeds, so that a failing fixture step
/// stops the test with OpenSSL's own output instead of a puzzling failure later.
pub fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl command-line tool is needed for these tests");
    assert!(
        out.status.success(),
        "openssl {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The TSA's files, in one temporary folder kept for the whole test binary: a root
/// (`tsa-root.pem`, `tsa-root.key`), the TSA certificate with a critical timeStamping EKU
/// (`tsa.pem`, `tsa.key`), a look-alike with only the code-signing EKU (`notsa.pem`,
/// `notsa.key`), a code-signing certificate (`signer.pem`, `signer.key`,
/// `signer-chain.pem`) and the `openssl ts` configuration (`ts.cnf`). Made once per test
/// binary ([`tsa`]) because RSA key generation is the slow part.
pub struct TsaFiles {
    dir: tempfile::TempDir,
}

impl TsaFiles {
    fn create() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(
            d.join("ext.cnf"),
            "[tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=critical,timeStamping\nsubjectKeyIdentifier=hash\n\
             [notsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=codeSigning\n\
             [codesign]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\n\
             [tsa_noncritical]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=timeStamping\nsubjectKeyIdentifier=hash\n\
             [dual]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n\
             extendedKeyUsage=codeSigning,timeStamping\nsubjectKeyIdentifier=hash\n\
             [subca]\nbasicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n\
             subjectKeyIdentifier=hash\n",
        )
        .unwrap();
        openssl(
            d,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "tsa-root.key",
                "-out",
                "tsa-root.pem",
                "-days",
                "30",
                "-subj",
                "/O=pqx test/CN=pqx Test TSA Root",
                "-addext",
                "basicConstraints=critical,CA:TRUE",
                "-addext",
                "keyUsage=critical,keyCertSign,cRLSign",
            ],
        );
        for (name, section, subject, issuer) in [
            ("tsa", "tsa", "/O=pqx test/CN=pqx Test TSA", "tsa-root"),
            (
                "notsa",
                "notsa",
                "/O=pqx test/CN=pqx Test Not A TSA",
                "tsa-root",
            ),
            ("signer", "codesign", SIGNER_SUBJECT, "tsa-root"),
            (
                "tsa-noncritical",
                "tsa_noncritical",
                "/O=pqx test/CN=pqx Test TSA Non-Critical EKU",
                "tsa-root",
            ),
            ("dual", "dual", DUAL_SUBJECT, "tsa-root"),
            (
                "tsa-sub",
                "subca",
                "/O=pqx test/CN=pqx Test TSA Intermediate",
                "tsa-root",
            ),
            (
                "tsa-leaf",
                "tsa",
                "/O=pqx test/CN=pqx Test TSA Below An Intermediate",
                "tsa-sub",
            ),
        ] {
            openssl(
                d,
                &[
                    "req",
                    "-new",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.csr"),
                    "-subj",
                    subject,
                ],
            );
            openssl(
                d,
                &[
                    "x509",
                    "-req",
                    "-in",
                    &format!("{name}.csr"),
                    "-CA",
                    &format!("{issuer}.pem"),
                    "-CAkey",
                    &format!("{issuer}.key"),
                    "-CAcreateserial",
                    "-days",
                    "20",
                    "-sha256",
                    "-extfile",
                    "ext.cnf",
                    "-extensions",
                    section,
                    "-out",
                    &format!("{name}.pem"),
                ],
            );
        }
        let chain = [
            std::fs::read_to_string(d.join("signer.pem")).unwrap(),
            std::fs::read_to_string(d.join("tsa-root.pem")).unwrap(),
        ]
        .concat();
        std::fs::write(d.join("signer-chain.pem"), chain).unwrap();
        let cat = |files: &[&str]| -> String {
            files
                .iter()
                .map(|f| std::fs::read_to_string(d.join(f)).unwrap())
                .collect()
        };
        std::fs::write(d.join("dual-chain.pem"), cat(&["dual.pem", "tsa-root.pem"])).unwrap();
        std::fs::write(
            d.join("tsa-sub-chain.pem"),
            cat(&["tsa-sub.pem", "tsa-root.pem"]),
        )
        .unwrap();
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        let conf = |signer: &str, certs: &str, extra: &str| {
            format!(
                "[tsa]\ndefault_tsa = tsa_config1\n[tsa_config1]\ndir = {}\nserial = $dir/tsaserial\n\
                 crypto_device = builtin\nsigner_cert = $dir/{signer}.pem\ncerts = $dir/{certs}\n\
                 signer_key = $dir/{signer}.key\ndefault_policy = 1.2.3.4.1\n\
                 digests = sha1, sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = yes\n\
                 ess_cert_id_chain = no\n{extra}",
                d.display()
            )
        };
        let sha256 = "signer_digest = sha256\ness_cert_id_alg = sha256\n";
        std::fs::write(d.join("ts.cnf"), conf("tsa", "tsa-root.pem", sha256)).unwrap();
        std::fs::write(
            d.join("ts-precise.cnf"),
            conf(
                "tsa",
                "tsa-root.pem",
                &format!("{sha256}clock_precision_digits = 3\naccuracy = secs:1, millisecs:500, microsecs:100\n"),
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("ts-sha1.cnf"),
            conf(
                "tsa",
                "tsa-root.pem",
                "signer_digest = sha1\ness_cert_id_alg = sha1\n",
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("ts-intermediate.cnf"),
            conf("tsa-leaf", "tsa-sub-chain.pem", sha256),
        )
        .unwrap();
        TsaFiles { dir }
    }

    /// A DER `TimeStampToken` for `message` from `openssl ts -reply` with the configuration
    /// `config` (`ts.cnf`; `ts-precise.cnf`: `clock_precision_digits = 3` and an accuracy with
    /// milliseconds and microseconds; `ts-sha1.cnf`: SHA-1 signature and ESSCertID v1;
    /// `ts-intermediate.cnf`: a TSA certificate issued by an intermediate, which the token
    /// carries), the request's imprint made with `digest` (`sha256`, `sha1`, …). Returns the
    /// token and the whole response.
    pub fn token_for(&self, message: &[u8], config: &str, digest: &str, tag: &str) -> Token {
        let d = self.dir.path();
        let _one_at_a_time = serial_lock();
        std::fs::write(self.path(&format!("{tag}.msg")), message).unwrap();
        openssl(
            d,
            &[
                "ts",
                "-query",
                "-data",
                &format!("{tag}.msg"),
                &format!("-{digest}"),
                "-cert",
                "-out",
                &format!("{tag}.tsq"),
            ],
        );
        openssl(
            d,
            &[
                "ts",
                "-reply",
                "-config",
                config,
                "-queryfile",
                &format!("{tag}.tsq"),
                "-out",
                &format!("{tag}.tsr"),
            ],
        );
        let response = std::fs::read(self.path(&format!("{tag}.tsr"))).unwrap();
        openssl(
            d,
            &[
                "ts",
                "-reply",
                "-in",
                &format!("{tag}.tsr"),
                "-token_out",
                "-out",
                &format!("{tag}.tok"),
            ],
        );
        Token {
            token: std::fs::read(self.path(&format!("{tag}.tok"))).unwrap(),
            response,
        }
    }

    /// A token for `message` whose TSTInfo is written here by hand — `genTime` is the
    /// `GeneralizedTime` value `gen_time` verbatim (`99991231235959Z`, `20240501134512.5Z`,
    /// …), the imprint SHA-256 — signed by the certificate `signer` of this folder (`tsa`,
    /// `tsa-forever`, `dual`, `tsa-noncritical`, …) with `openssl cms -sign -cades` (ESS
    /// signing-certificate-v2), carrying `signer` and the root. The way to get a token with a
    /// time or a signer no TSA would produce.
    pub fn forged_token(&self, message: &[u8], gen_time: &str, signer: &str, tag: &str) -> Vec<u8> {
        let d = self.dir.path();
        std::fs::write(self.path(&format!("{tag}.msg")), message).unwrap();
        let digest = openssl(d, &["dgst", "-sha256", "-binary", &format!("{tag}.msg")]).stdout;
        let sha256 = [
            0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
            0x00,
        ];
        let tst = tlv(
            0x30,
            &[
                tlv(0x02, &[1]),
                tlv(0x06, &[0x2a, 0x03, 0x04, 0x01]),
                tlv(0x30, &[sha256.to_vec(), tlv(0x04, &digest)].concat()),
                tlv(0x02, &[0x2a]),
                tlv(0x18, gen_time.as_bytes()),
            ]
            .concat(),
        );
        std::fs::write(self.path(&format!("{tag}.tst")), tst).unwrap();
        self.sign_tst_info(tag, signer)
    }

    /// Signs the DER TSTInfo in this folder's `{tag}.tst` as a time-stamp token with the
    /// certificate `signer` (`openssl cms -sign -cades`: ESS signing-certificate-v2, the
    /// signer and the root carried) and returns the DER token (also left in
    /// `{tag}.{signer}.tok`). What both hand-made tokens and re-signed real ones come from.
    pub fn sign_tst_info(&self, tag: &str, signer: &str) -> Vec<u8> {
        openssl(
            self.dir.path(),
            &[
                "cms",
                "-sign",
                "-binary",
                "-nodetach",
                "-cades",
                "-nosmimecap",
                "-econtent_type",
                "1.2.840.113549.1.9.16.1.4",
                "-in",
                &format!("{tag}.tst"),
                "-signer",
                &format!("{signer}.pem"),
                "-inkey",
                &format!("{signer}.key"),
                "-certfile",
                "tsa-root.pem",
                "-outform",
                "DER",
                "-out",
                &format!("{tag}.{signer}.tok"),
            ],
        );
        std::fs::read(self.path(&format!("{tag}.{signer}.tok"))).unwrap()
    }

    /// A self-signed TSA certificate (`tsa-forever.pem`, `tsa-forever.key`) with the
    /// time-stamping EKU critical and alone, valid from 1970 to 9999-12-31T23:59:59Z (made
    /// with `openssl ca -selfsign`, the one OpenSSL 3.0 command that sets exact dates): an
    /// authority that is valid at the largest time a token can name. Made on first use.
    pub fn forever_tsa(&self) -> PathBuf {
        static MADE: OnceLock<()> = OnceLock::new();
        let d = self.dir.path();
        MADE.get_or_init(|| {
            std::fs::write(d.join("forever-index.txt"), "").unwrap();
            std::fs::write(
                d.join("forever-ca.cnf"),
                format!(
                    "[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = {}\ndatabase = $dir/forever-index.txt\n\
                     new_certs_dir = $dir\nserial = $dir/forever.srl\ndefault_md = sha256\n\
                     policy = any\nunique_subject = no\n[any]\norganizationName = optional\ncommonName = supplied\n",
                    d.display()
                ),
            )
            .unwrap();
            std::fs::write(d.join("forever.srl"), "1000\n").unwrap();
            openssl(
                d,
                &[
                    "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    "tsa-forever.key", "-out", "tsa-forever.csr", "-subj",
                    "/O=pqx test/CN=pqx Test TSA Until 9999",
                ],
            );
            openssl(
                d,
                &[
                    "ca", "-batch", "-notext", "-config", "forever-ca.cnf", "-selfsign",
                    "-keyfile", "tsa-forever.key", "-in", "tsa-forever.csr", "-startdate",
                    "19700101000000Z", "-enddate", "99991231235959Z", "-extfile", "ext.cnf",
                    "-extensions", "tsa", "-out", "tsa-forever.pem",
                ],
            );
        });
        self.path("tsa-forever.pem")
    }

    /// The TSA's folder, for tests that run their own `openssl` steps with its files (hold
    /// [`serial_lock`] while they use `ts.cnf`).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// A file of the TSA's folder, by name (see [`TsaFiles`] for the names).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The root (of the TSA and of the code-signing certificate), PEM file: what a trust
    /// policy must hold for the TSA to be trusted.
    pub fn root(&self) -> PathBuf {
        self.path("tsa-root.pem")
    }

    /// The root as PEM text, for APIs that take the certificate rather than a file.
    pub fn root_pem(&self) -> String {
        std::fs::read_to_string(self.root()).unwrap()
    }

    /// The code-signing certificate's key, PEM (PKCS#8): to sign with a certificate this
    /// root can revoke.
    pub fn signer_key(&self) -> PathBuf {
        self.path("signer.key")
    }

    /// The code-signing certificate and the root, PEM: the chain to sign with next to
    /// [`TsaFiles::signer_key`].
    pub fn signer_chain(&self) -> PathBuf {
        self.path("signer-chain.pem")
    }

    /// The code-signing certificate's serial number, hex as OpenSSL prints it: what a CRL
    /// entry revoking it names.
    pub fn signer_serial(&self) -> String {
        let out = openssl(
            self.dir.path(),
            &["x509", "-in", "signer.pem", "-noout", "-serial"],
        );
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .trim_start_matches("serial=")
            .to_owned()
    }

    /// `openssl ts -reply` for a DER request; the DER response.
    fn reply(&self, request: &[u8], n: usize) -> Vec<u8> {
        let _one_at_a_time = serial_lock();
        let q = format!("q{n}.tsq");
        let r = format!("r{n}.tsr");
        std::fs::write(self.path(&q), request).unwrap();
        openssl(
            self.dir.path(),
            &[
                "ts",
                "-reply",
                "-config",
                "ts.cnf",
                "-queryfile",
                &q,
                "-out",
                &r,
            ],
        );
        std::fs::read(self.path(&r)).unwrap()
    }

    /// A CRL (PEM) of the root revoking the code-signing certificate `hours_ago` hours ago,
    /// to test revocation of a signer against a CRL made by OpenSSL.
    pub fn crl_revoking_signer(&self, hours_ago: i64) -> Vec<u8> {
        let _one_at_a_time = serial_lock();
        crl_revoking(
            &self.path("tsa-root.key"),
            &self.root(),
            &self.signer_serial(),
            SIGNER_SUBJECT,
            OffsetDateTime::now_utc() - time::Duration::hours(hours_ago),
        )
    }
}

/// A CRL (PEM) by the CA of `ca_key` and `ca_cert` (PEM files) revoking serial `serial_hex`
/// (whose OpenSSL subject is `subject`) at `revoked`, made with `openssl ca -gencrl`: a CRL
/// from an independent implementation, with a revocation date of the test's choosing.
pub fn crl_revoking(
    ca_key: &Path,
    ca_cert: &Path,
    serial_hex: &str,
    subject: &str,
    revoked: OffsetDateTime,
) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let utc = |t: OffsetDateTime| {
        format!(
            "{:02}{:02}{:02}{:02}{:02}{:02}Z",
            t.year() % 100,
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    };
    let expiry = utc(OffsetDateTime::now_utc() + time::Duration::days(365));
    std::fs::write(
        d.join("index.txt"),
        format!(
            "R\t{expiry}\t{}\t{serial_hex}\tunknown\t{subject}\n",
            utc(revoked)
        ),
    )
    .unwrap();
    std::fs::write(d.join("crlnumber"), "01\n").unwrap();
    std::fs::write(
        d.join("ca.cnf"),
        format!(
            "[ca]\ndefault_ca = CA_default\n[CA_default]\ndir = {}\ndatabase = $dir/index.txt\n\
             crlnumber = $dir/crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\n",
            d.display()
        ),
    )
    .unwrap();
    openssl(
        d,
        &[
            "ca",
            "-gencrl",
            "-config",
            "ca.cnf",
            "-keyfile",
            &ca_key.to_string_lossy(),
            "-cert",
            &ca_cert.to_string_lossy(),
            "-out",
            "crl.pem",
        ],
    );
    std::fs::read(d.join("crl.pem")).unwrap()
}

/// Serialises the `openssl` calls that use the TSA's `ts.cnf`: `openssl ts -reply` rewrites
/// the serial file, and concurrent tests (and servers) would otherwise race on it.
pub fn serial_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// The TSA files of this test binary, made on first use and kept until it exits: making
/// RSA keys is slow, so every test of the binary shares them.
pub fn tsa() -> &'static TsaFiles {
    static TSA: OnceLock<TsaFiles> = OnceLock::new();
    TSA.get_or_init(TsaFiles::create)
}

/// The local TSA over HTTP: a `TcpListener` on 127.0.0.1:0 served by a thread, so that a
/// test can point pqx's RFC 3161 client at a real authority without the network. Dropping
/// it stops the thread (a flag plus a wake-up connection) and joins it.
pub struct LocalTsa {
    /// `http://127.0.0.1:PORT/tsa`: the URL to give pqx.
    pub url: String,
    /// How many connections were served: proof that pqx asked this TSA.
    pub served: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
    addr: SocketAddr,
}

impl LocalTsa {
    /// Starts a TSA on a free port of 127.0.0.1 (its files made first, so that the first
    /// request is not slowed down by key generation).
    pub fn start() -> Self {
        tsa();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let (stop2, served2) = (stop.clone(), served.clone());
        let handle = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let n = served2.fetch_add(1, Ordering::SeqCst);
                let _ = serve_one(&mut stream, n + 1000 * usize::from(addr.port()));
            }
        });
        LocalTsa {
            url: format!("http://{addr}/tsa"),
            served,
            stop,
            handle: Some(handle),
            addr,
        }
    }
}

impl Drop for LocalTsa {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(2));
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// One HTTP/1.1 exchange: read the headers and a Content-Length body, answer with
/// `openssl ts -reply`'s output (a 400 for anything but a time-stamp query, so that a
/// client sending the wrong content type gets no token).
fn serve_one(stream: &mut TcpStream, n: usize) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.set_write_timeout(Some(Duration::from_secs(5)))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let k = stream.read(&mut chunk)?;
        if k == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..k]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 65536 {
            return Ok(());
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if !head.contains("content-type: application/timestamp-query") || len > 65536 {
        return stream.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    }
    while buf.len() < header_end + len {
        let k = stream.read(&mut chunk)?;
        if k == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..k]);
    }
    let body = tsa().reply(&buf[header_end..], n);
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: application/timestamp-reply\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)?;
    stream.flush()
}

/// A URL of 127.0.0.1 where nothing listens (a port bound and released): an authority
/// that fails at once, to test failover and the all-failed error.
pub fn dead_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    drop(l);
    format!("http://{addr}/tsa")
}
