//! OPC parsing: `Package::open` (content types, relationships, part names) and
//! `SignatureLayout::locate` over arbitrary bytes, then every part read.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use pqx_core::limits::Limits;
use pqx_core::opc::{Package, SignatureLayout};

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let Ok(mut package) = Package::open(Cursor::new(data), "fuzz", &limits) else {
        return;
    };
    if let Ok(layout) = SignatureLayout::locate(&package) {
        for part in package.parts() {
            let _ = layout.is_signature_infrastructure(&part.name);
        }
    }
    for set in package.relationship_sets() {
        let _ = package.relationships_of(set.source.as_ref());
    }
    let parts = package.parts().to_vec();
    for part in &parts {
        let _ = package.part(&part.name);
        let _ = package.read_part(part, 1 << 20);
    }
});
