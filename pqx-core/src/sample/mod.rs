//! A built-in sample connector (HelloWorld, modelled on the Power Query SDK template), for
//! `pqx demo`, documentation examples and tests: no file needs to exist on disk.

use crate::archive::ArchiveWriter;
use crate::error::Result;

/// The sample connector's files: (name in the .mez, bytes).
pub const FILES: [(&str, &[u8]); 10] = [
    ("HelloWorld.pq", include_bytes!("HelloWorld.pq")),
    (
        "Table.ToNavigationTable.pqm",
        include_bytes!("Table.ToNavigationTable.pqm"),
    ),
    ("resources.resx", include_bytes!("resources.resx")),
    ("HelloWorld16.png", include_bytes!("HelloWorld16.png")),
    ("HelloWorld20.png", include_bytes!("HelloWorld20.png")),
    ("HelloWorld24.png", include_bytes!("HelloWorld24.png")),
    ("HelloWorld32.png", include_bytes!("HelloWorld32.png")),
    ("HelloWorld40.png", include_bytes!("HelloWorld40.png")),
    ("HelloWorld48.png", include_bytes!("HelloWorld48.png")),
    ("HelloWorld64.png", include_bytes!("HelloWorld64.png")),
];

/// The sample connector as `.mez` bytes (a plain ZIP, as the SDK builds it).
pub fn hello_world_mez() -> Result<Vec<u8>> {
    let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in FILES {
        w.add(name, bytes)?;
    }
    Ok(w.finish()?.into_inner())
}
