// Declares the app's own commands (the list in src/commands/list.rs), so each
// gets an `allow-<command>` permission and the capability in capabilities/
// can grant exactly these (tests/it/commands.rs checks that it does).
include!("src/commands/list.rs");

macro_rules! names {
    ($($module:ident { $($name:ident ($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty;)* })*) => {
        &[$($(stringify!($name),)*)*]
    };
}

const COMMANDS: &[&str] = with_commands!(names);

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script failed");
}
