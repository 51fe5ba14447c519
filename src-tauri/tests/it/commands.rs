//! The command list (src/commands/list.rs) against what cannot be derived
//! from it at build time: the functions' argument names, the functions marked
//! as commands, the capability that grants them, and the committed
//! TypeScript client. (Types are checked when the crate builds.)

use partnerdesk_app::commands::client::{list, typescript};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `#[tauri::command]` functions of `commands/*.rs`, by module, with
/// the names of the arguments the UI sends (not `State` nor `AppHandle`).
fn command_functions() -> BTreeMap<(String, String), Vec<String>> {
    let mut out = BTreeMap::new();
    let dir = root().join("src/commands");
    for e in std::fs::read_dir(&dir).unwrap().flatten() {
        let path = e.path();
        let module = path.file_stem().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for (at, _) in text.match_indices("#[tauri::command") {
            let rest = &text[at..];
            let f = rest.find("fn ").expect("a function after #[tauri::command]") + 3;
            let name: String = rest[f..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            out.insert((module.clone(), name), params(&rest[f..]));
        }
    }
    out
}

/// The argument names of the function whose text starts at `text`.
fn params(text: &str) -> Vec<String> {
    let open = text.find('(').unwrap();
    let mut depth = 0;
    let mut parts = vec![String::new()];
    for c in text[open + 1..].chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | ']' if depth == 0 => break,
            ')' | '>' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().unwrap().push(c);
    }
    parts
        .iter()
        .filter_map(|p| p.split_once(':'))
        .map(|(n, t)| (n.trim().trim_start_matches("mut ").to_owned(), t.trim().to_owned()))
        .filter(|(_, t)| !t.starts_with("State<") && !t.starts_with("AppHandle<"))
        .map(|(n, _)| n)
        .collect()
}

#[test]
fn the_list_names_every_command_function_and_its_arguments() {
    let functions = command_functions();
    let listed: BTreeMap<(String, String), Vec<String>> = list()
        .into_iter()
        .map(|c| {
            let args = c.args.iter().map(|a| a.to_string()).collect();
            ((c.module.to_owned(), c.name.to_owned()), args)
        })
        .collect();
    assert_eq!(listed.len(), list().len(), "a command is listed twice");
    let names: BTreeSet<&String> = listed.keys().map(|(_, n)| n).collect();
    assert_eq!(names.len(), listed.len(), "two commands share a name");
    let unlisted: Vec<_> = functions.keys().filter(|k| !listed.contains_key(*k)).collect();
    assert!(
        unlisted.is_empty(),
        "commands missing from src/commands/list.rs: {unlisted:?}"
    );
    for (key, args) in &listed {
        let have = functions
            .get(key)
            .unwrap_or_else(|| panic!("{key:?} is listed but is no #[tauri::command] function there"));
        assert_eq!(
            args, have,
            "the arguments of {key:?} in list.rs differ from its function's"
        );
    }
}

#[test]
fn the_capability_grants_exactly_the_listed_commands() {
    let path = root().join("capabilities/main.json");
    let cap: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let granted: Vec<&str> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .filter(|p| !p.contains(':'))
        .collect();
    let want: BTreeSet<String> = list()
        .iter()
        .map(|c| format!("allow-{}", c.name.replace('_', "-")))
        .collect();
    let have: BTreeSet<String> = granted.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        have.len(),
        granted.len(),
        "a permission is granted twice in {}",
        path.display()
    );
    let missing: Vec<_> = want.difference(&have).collect();
    let extra: Vec<_> = have.difference(&want).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "capabilities/main.json disagrees with src/commands/list.rs: missing {missing:?}, not a command {extra:?}"
    );
}

#[test]
fn the_typescript_client_is_up_to_date() {
    let committed = root().join("../ui/src/lib/commands.ts");
    let fresh = typescript();
    if std::env::var_os("UPDATE_CLIENT").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
        return;
    }
    let have = std::fs::read_to_string(Path::new(&committed)).unwrap_or_default();
    assert!(
        have == fresh,
        "ui/src/lib/commands.ts is stale; run UPDATE_CLIENT=1 cargo test -p partnerdesk-app --test it -- commands::"
    );
}

#[test]
fn the_client_has_one_function_per_command() {
    let ts = typescript();
    assert_eq!(ts.matches("call<").count(), list().len());
    for c in list() {
        assert!(
            ts.contains(&format!("(\"{}\"", c.name)),
            "{} is not in the client",
            c.name
        );
    }
}

/// The names a TypeScript constant of ui/src/lib/invalidate.ts holds: the
/// keys (`name:`) of an object, or the strings of an array.
fn names_in_invalidate(text: &str, constant: &str, keys: bool) -> BTreeSet<String> {
    let start = text
        .find(&format!("export const {constant}"))
        .unwrap_or_else(|| panic!("no {constant} in ui/src/lib/invalidate.ts"));
    let body = &text[start..];
    let end = body
        .find("\n};")
        .or_else(|| body.find("\n];"))
        .expect("the end of the constant");
    body[..end]
        .lines()
        .skip(1)
        .filter_map(|l| {
            let l = l.trim();
            if !keys {
                return l.strip_prefix('"')?.split('"').next().map(str::to_owned);
            }
            let key = l.split(':').next()?;
            (l.contains(':') && !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| key.to_owned())
        })
        .collect()
}

#[test]
fn every_command_says_what_it_refreshes_in_the_ui() {
    let text = std::fs::read_to_string(root().join("../ui/src/lib/invalidate.ts")).unwrap();
    let affects = names_in_invalidate(&text, "AFFECTS", true);
    let reads = names_in_invalidate(&text, "READS_ONLY", false);
    let commands: BTreeSet<String> = list().iter().map(|c| c.name.to_owned()).collect();
    let both: Vec<_> = affects.intersection(&reads).collect();
    assert!(both.is_empty(), "in both AFFECTS and READS_ONLY: {both:?}");
    let named: BTreeSet<String> = affects.union(&reads).cloned().collect();
    let missing: Vec<_> = commands.difference(&named).collect();
    let unknown: Vec<_> = named.difference(&commands).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "ui/src/lib/invalidate.ts: commands in neither AFFECTS nor READS_ONLY {missing:?}, names that are no command {unknown:?}"
    );
    assert!(affects.len() > 10 && reads.len() > 10, "{affects:?} {reads:?}");
}
