//! Chain building: from the signer up through issuers to a trust anchor or a root.
//!
//! Issuers are found by name *and* signature: a certificate is the issuer of another only
//! when its subject equals the other's issuer name byte for byte and its key verifies the
//! other's signature. Matching by name alone would let anyone mint a look-alike CA. The
//! first path is greedy (anchors first, then certificates valid at the evaluation time); when
//! it is not trusted, a bounded depth-first search tries the other candidates (at most
//! `MAX_BACKTRACK_SIGNATURE_CHECKS` more signature checks) for a trusted path, and otherwise
//! the greedy path is reported. Loops are detected and paths are capped at
//! [`TrustPolicy::max_chain_len`], so hostile certificate sets cost at most
//! `len × candidates` signature checks plus the backtracking budget. Every path is judged by
//! the same RFC 5280 §6 rules (`extensions`, `name_constraints`).

use super::extensions::{self, Position};
use super::{name_constraints, ChainStatus, TrustPolicy};
use crate::certificate::{Certificate, KeyPurpose};
use crate::digest::DigestAlgorithm;
use time::OffsetDateTime;

/// One certificate of a [`Chain`] with its own status flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainElement {
    /// The certificate.
    pub certificate: Certificate,
    /// The flags that apply to this certificate (.NET's `X509ChainElement.ChainElementStatus`).
    pub status: ChainStatus,
}

/// Why a chain is trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrustSource {
    /// The chain reaches one of the policy's anchors.
    Anchor,
    /// An element's thumbprint is pinned (Power BI's `TrustedCertificateThumbprints`).
    Pinned,
}

/// The result of [`build_chain`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    /// Signer first, then its issuers up to the root, or as far as they were found.
    pub elements: Vec<ChainElement>,
    /// OR of all element flags (.NET's `X509Chain.ChainStatus`).
    pub status: ChainStatus,
    /// Why the chain is trusted — no error flags (warnings such as `HasWeakSignature`
    /// allowed) and anchored or pinned — or `None` when it is not. One field, so "trusted"
    /// and "why" cannot disagree.
    pub trust: Option<TrustSource>,
}

impl Chain {
    /// Whether the chain is trusted ([`Chain::trust`] says why).
    pub fn is_trusted(&self) -> bool {
        self.trust.is_some()
    }

    /// The last element's certificate: the root when the chain is complete.
    pub fn top(&self) -> Option<&Certificate> {
        self.elements.last().map(|e| &e.certificate)
    }
}

/// How the issuer walk stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// Reached an anchor of the policy.
    Anchor,
    /// Reached a self-issued certificate (a root) that is not an anchor.
    Root,
    /// No issuer found, or the length cap reached.
    Partial,
    /// The only issuers found are already in the chain.
    Cyclic,
}

/// Builds a chain from `signer` through `intermediates` (the certificates embedded in the
/// signature) to a trust anchor of `policy` (or a self-signed root among `intermediates`),
/// evaluated at `at`.
///
/// Flags set, per element: `NotTimeValid` when the element is not valid at `at`;
/// `NotSignatureValid` when a certificate named as its issuer exists but does not verify its
/// signature (the look-alike is *not* chained), or when a root's self-signature is bad;
/// `InvalidBasicConstraints` on an element above the signer that is not `cA=true` or whose
/// path length constraint is exceeded; `NotValidForUsage` on a signer whose EKU extension
/// excludes code signing, or a CA whose EKU extension excludes it; `HasWeakSignature` on a SHA-1-signed element that is not the root;
/// `ExplicitDistrust` on a distrusted element; the RFC 5280 §6 rules of
/// `trust/extensions.rs` (unknown critical extensions, malformed extensions, keyUsage,
/// policy constraints) and `trust/name_constraints.rs` on every element;
/// `Cyclic` when issuers loop; `UntrustedRoot`
/// on a self-signed root that is not an anchor (MakePQX's verdict on a machine that does not
/// trust it); `PartialChain` when no self-signed root or anchor is reached (issuer missing
/// or [`TrustPolicy::max_chain_len`] reached).
///
/// `trusted` is: no error flags (warnings allowed) and either an anchor was reached or some
/// element's SHA-1/SHA-256 thumbprint is pinned. A pin stands in for an anchor (that is what
/// Power BI's `TrustedCertificateThumbprints` means), so with a pin `UntrustedRoot` and
/// `PartialChain` are not reported.
pub fn build_chain(
    signer: &Certificate,
    intermediates: &[Certificate],
    policy: &TrustPolicy,
    at: OffsetDateTime,
) -> Chain {
    build_chain_for(KeyPurpose::CodeSigning, signer, intermediates, policy, at)
}

/// [`build_chain`] for a given purpose: the leaf must satisfy
/// [`KeyPurpose::allows_end_entity`] and every CA above it [`KeyPurpose::allows_ca`], else
/// that element gets `NotValidForUsage`. A time-stamping authority's chain is built with
/// [`KeyPurpose::TimeStamping`], a signer's with [`KeyPurpose::CodeSigning`].
pub fn build_chain_for(
    purpose: KeyPurpose,
    signer: &Certificate,
    intermediates: &[Certificate],
    policy: &TrustPolicy,
    at: OffsetDateTime,
) -> Chain {
    let mut search = Search {
        purpose,
        intermediates,
        policy,
        at,
        max_len: policy.max_chain_len.max(1),
        extra_checks: MAX_BACKTRACK_SIGNATURE_CHECKS,
        first: None,
    };
    let mut certs = vec![signer.clone()];
    let mut flags = vec![ChainStatus::NO_ERROR];
    if let Some(trusted) = search.extend(&mut certs, &mut flags) {
        return trusted;
    }
    match search.first {
        Some(chain) => chain,
        // Unreachable: the first walk always completes a path.
        None => finish(purpose, certs, flags, End::Partial, policy, at),
    }
}

/// Signature checks the search may spend *after* the first (greedy) path is complete, looking
/// for another path that is trusted (a cross-signed intermediate, a second root, a CA whose
/// name constraints exclude the signer while another does not). Bounds the work of hostile
/// certificate sets to the greedy walk's `len × candidates` plus this.
const MAX_BACKTRACK_SIGNATURE_CHECKS: usize = 256;

/// A bounded depth-first search for issuer paths. The first path is the greedy one (anchors
/// first, then certificates valid at the evaluation time); it is the answer unless another
/// path within the budget is trusted.
struct Search<'a> {
    purpose: KeyPurpose,
    intermediates: &'a [Certificate],
    policy: &'a TrustPolicy,
    at: OffsetDateTime,
    max_len: usize,
    /// Signature checks left for backtracking (spent only once `first` is set).
    extra_checks: usize,
    /// The first complete path, evaluated.
    first: Option<Chain>,
}

impl Search<'_> {
    /// Extends the path `certs` (with per-element `flags`); returns a trusted chain as soon
    /// as one is found.
    fn extend(
        &mut self,
        certs: &mut Vec<Certificate>,
        flags: &mut Vec<ChainStatus>,
    ) -> Option<Chain> {
        let cur = certs.last()?.clone();
        if self.policy.is_anchor(&cur) {
            return self.complete(certs, flags, End::Anchor, ChainStatus::NO_ERROR);
        }
        if cur.is_self_issued() && self.check(&cur, &cur) {
            return self.complete(certs, flags, End::Root, ChainStatus::NO_ERROR);
        }
        let named: Vec<&Certificate> = self
            .policy
            .anchors
            .iter()
            .chain(self.intermediates)
            .filter(|c| c.subject_der() == cur.issuer_der())
            .collect();
        let mut verified: Vec<&Certificate> = Vec::new();
        for c in &named {
            if self.check(&cur, c) {
                verified.push(c);
            }
        }
        let fresh: Vec<&Certificate> = verified
            .iter()
            .copied()
            .filter(|c| !certs.contains(c))
            .collect();
        if fresh.is_empty() {
            if !verified.is_empty() {
                return self.complete(certs, flags, End::Cyclic, ChainStatus::CYCLIC);
            }
            // A certificate with the right name exists (or the cert names itself) but its
            // key did not sign this one.
            let bad = if named.iter().any(|c| **c != cur) || cur.is_self_issued() {
                ChainStatus::NOT_SIGNATURE_VALID
            } else {
                ChainStatus::NO_ERROR
            };
            let end = if cur.is_self_issued() {
                End::Root
            } else {
                End::Partial
            };
            return self.complete(certs, flags, end, bad);
        }
        if certs.len() >= self.max_len {
            return self.complete(certs, flags, End::Partial, ChainStatus::NO_ERROR);
        }
        // Greedy order: anchors, then certificates valid at the evaluation time, then the rest.
        let mut ordered: Vec<&Certificate> = Vec::with_capacity(fresh.len());
        ordered.extend(fresh.iter().copied().filter(|c| self.policy.is_anchor(c)));
        ordered.extend(
            fresh
                .iter()
                .copied()
                .filter(|c| !self.policy.is_anchor(c) && c.is_valid_at(self.at)),
        );
        ordered.extend(
            fresh
                .iter()
                .copied()
                .filter(|c| !self.policy.is_anchor(c) && !c.is_valid_at(self.at)),
        );
        for pick in ordered {
            if self.first.is_some() && self.extra_checks == 0 {
                break;
            }
            certs.push(pick.clone());
            flags.push(ChainStatus::NO_ERROR);
            let found = self.extend(certs, flags);
            certs.pop();
            flags.pop();
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// `cert.is_issued_by(issuer)`, counted against the backtracking budget once the first
    /// path is complete (then `false` when the budget is spent).
    fn check(&mut self, cert: &Certificate, issuer: &Certificate) -> bool {
        if self.first.is_some() {
            if self.extra_checks == 0 {
                return false;
            }
            self.extra_checks -= 1;
        }
        cert.is_issued_by(issuer)
    }

    /// Evaluates a complete path (`last_flag` added to its last element); the chain when it
    /// is trusted, else remembers it if it is the first.
    fn complete(
        &mut self,
        certs: &[Certificate],
        flags: &[ChainStatus],
        end: End,
        last_flag: ChainStatus,
    ) -> Option<Chain> {
        let mut flags = flags.to_vec();
        if let Some(f) = flags.last_mut() {
            f.insert(last_flag);
        }
        let chain = finish(
            self.purpose,
            certs.to_vec(),
            flags,
            end,
            self.policy,
            self.at,
        );
        if chain.is_trusted() {
            return Some(chain);
        }
        if self.first.is_none() {
            self.first = Some(chain);
        }
        None
    }
}

/// Sets the per-element flags of a complete path and the chain's verdict.
fn finish(
    purpose: KeyPurpose,
    certs: Vec<Certificate>,
    mut flags: Vec<ChainStatus>,
    end: End,
    policy: &TrustPolicy,
    at: OffsetDateTime,
) -> Chain {
    let last = certs.len().saturating_sub(1);
    let names = name_constraints::check_path(&certs);
    for (i, (cert, f)) in certs.iter().zip(flags.iter_mut()).enumerate() {
        let position = if i == 0 {
            Position::EndEntity
        } else if policy.is_anchor(cert) {
            Position::Anchor
        } else {
            Position::Issuer
        };
        f.insert(extensions::check(cert, position));
        if let Some(n) = names.get(i) {
            f.insert(*n);
        }
        if !cert.is_valid_at(at) {
            f.insert(ChainStatus::NOT_TIME_VALID);
        }
        let usage_ok = if i == 0 {
            purpose.allows_end_entity(cert)
        } else {
            purpose.allows_ca(cert)
        };
        if !usage_ok {
            f.insert(ChainStatus::NOT_VALID_FOR_USAGE);
        }
        if i > 0 && !ca_ok(cert, &certs[1..i]) {
            f.insert(ChainStatus::INVALID_BASIC_CONSTRAINTS);
        }
        let is_root =
            i == last && cert.is_self_issued() && end != End::Partial && end != End::Cyclic;
        if !is_root && cert.signature_digest() == Some(DigestAlgorithm::Sha1) {
            f.insert(ChainStatus::HAS_WEAK_SIGNATURE);
        }
        if policy.is_distrusted(cert) {
            f.insert(ChainStatus::EXPLICIT_DISTRUST);
        }
    }
    if let Some(f) = flags.last_mut() {
        match end {
            End::Anchor => {}
            End::Root => f.insert(ChainStatus::UNTRUSTED_ROOT),
            End::Partial | End::Cyclic => f.insert(ChainStatus::PARTIAL_CHAIN),
        }
    }
    let pinned = certs.iter().any(|c| policy.is_pinned(c));
    if pinned {
        for f in &mut flags {
            f.remove(ChainStatus::UNTRUSTED_ROOT | ChainStatus::PARTIAL_CHAIN);
        }
    }
    let status = flags.iter().fold(ChainStatus::NO_ERROR, |acc, f| acc | *f);
    let trust_source = match (status.errors().is_ok(), end == End::Anchor, pinned) {
        (true, true, _) => Some(TrustSource::Anchor),
        (true, false, true) => Some(TrustSource::Pinned),
        _ => None,
    };
    let elements = certs
        .into_iter()
        .zip(flags)
        .map(|(certificate, status)| ChainElement {
            certificate,
            status,
        })
        .collect();
    Chain {
        elements,
        status,
        trust: trust_source,
    }
}

/// Whether `cert` may issue: `cA=true`, and its path length constraint (if any) allows the
/// non-self-issued intermediates `below` it (RFC 5280 §4.2.1.9).
fn ca_ok(cert: &Certificate, below: &[Certificate]) -> bool {
    let Some(bc) = cert.basic_constraints() else {
        return false;
    };
    if !bc.ca {
        return false;
    }
    match bc.path_len_constraint {
        Some(max) => below.iter().filter(|c| !c.is_self_issued()).count() <= usize::from(max),
        None => true,
    }
}
