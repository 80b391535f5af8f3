//! X.509 certificates: thumbprints, names in .NET form, validity, key usage.
