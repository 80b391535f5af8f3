//! XML: secure parsing and inclusive canonicalization (C14N 1.0).
