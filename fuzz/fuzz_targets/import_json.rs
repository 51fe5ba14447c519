//! The JSON importer on arbitrary bytes: a report or a clear error, never a panic.
//! `cargo +nightly fuzz run import_json` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;
use partnerdesk_core::clock::SystemClock;
use partnerdesk_core::exchange::import::{import_bytes, ImportFormat, ImportOptions, ImportTable};
use partnerdesk_core::store::Store;
use std::sync::{Arc, OnceLock};

fn store() -> &'static Store {
    static STORE: OnceLock<(tempfile_dir::Dir, Store)> = OnceLock::new();
    &STORE
        .get_or_init(|| {
            let dir = tempfile_dir::Dir::new();
            let store = Store::open(dir.0.join("fuzz.db"), Arc::new(SystemClock)).expect("open");
            (dir, store)
        })
        .1
}

mod tempfile_dir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            let p = std::env::temp_dir().join(format!("partnerdesk-fuzz-{}", std::process::id()));
            std::fs::create_dir_all(&p).expect("temp dir");
            Dir(p)
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (table, body) = match data.split_first() {
        Some((t, rest)) => (*t, rest),
        None => (0, data),
    };
    let table = [ImportTable::Applications, ImportTable::Partners, ImportTable::Leads][usize::from(table % 3)];
    let opts = ImportOptions {
        table,
        format: ImportFormat::Json,
        mapping: Default::default(),
        // A dry run: every row is checked and written in the transaction, then rolled back.
        dry_run: true,
    };
    if let Err(e) = import_bytes(store(), &opts, body, &mut |_| true) {
        assert!(!e.to_string().is_empty());
    }
});
