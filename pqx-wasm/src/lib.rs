//! WebAssembly bindings for pqx-core (filled by its own issue).
