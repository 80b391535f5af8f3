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

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;
use time::OffsetDateTime;

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
             extendedKeyUsage=codeSigning\nsubjectKeyIdentifier=hash\n",
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
        for (name, section, subject) in [
            ("tsa", "tsa", "/O=pqx test/CN=pqx Test TSA"),
            ("notsa", "notsa", "/O=pqx test/CN=pqx Test Not A TSA"),
            ("signer", "codesign", SIGNER_SUBJECT),
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
                    "tsa-root.pem",
                    "-CAkey",
                    "tsa-root.key",
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
        std::fs::write(d.join("tsaserial"), "01\n").unwrap();
        let conf = format!(
            "[tsa]\ndefault_tsa = tsa_config1\n[tsa_config1]\ndir = {}\nserial = $dir/tsaserial\n\
             crypto_device = builtin\nsigner_cert = $dir/tsa.pem\ncerts = $dir/tsa-root.pem\n\
             signer_key = $dir/tsa.key\nsigner_digest = sha256\ndefault_policy = 1.2.3.4.1\n\
             digests = sha256, sha384, sha512\naccuracy = secs:1\nordering = no\ntsa_name = yes\n\
             ess_cert_id_chain = no\ness_cert_id_alg = sha256\n",
            d.display()
        );
        std::fs::write(d.join("ts.cnf"), conf).unwrap();
        TsaFiles { dir }
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
