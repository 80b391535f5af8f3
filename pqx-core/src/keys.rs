//! Signing keys: PKCS#12 (.pfx) and PEM/DER PKCS#8 with a certificate chain.
