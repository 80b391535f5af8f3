//! C ABI for pqx-core (filled by its own issue).
