//! The core's modules are layered: each may name only modules of the layers below its own, so
//! no two modules depend on each other, directly or through others. This test reads `src/`
//! and fails when a `crate::` path breaks the order or when a module has no layer.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The modules, lowest layer first. A module may name only modules of earlier layers; the
/// modules of one layer do not name each other.
const LAYERS: &[&[&str]] = &[
    &["algorithm", "clock"],
    &["error", "jwk", "types"],
    &["claims", "codec", "issuer", "keys"],
    &["cache", "csrf", "key_set", "revocation"],
    &["session"],
    &["config"],
    &["create", "verify"],
    &["revoke", "sessions"],
    &["testing"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// `text` without its `//` comments (doc comments included), whose paths are not imports.
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The code of each module but the crate root: `src/<name>.rs`, or every file under
/// `src/<name>/`, without comments.
fn module_code(src: &Path) -> BTreeMap<String, String> {
    let mut modules = BTreeMap::<String, String>::new();
    for entry in fs::read_dir(src).expect("src/ is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("a UTF-8 file name")
            .to_owned();
        let files = if path.is_dir() {
            fs::read_dir(&path)
                .expect("a module directory is readable")
                .map(|entry| entry.expect("a directory entry").path())
                .filter(|file| file.extension().is_some_and(|ext| ext == "rs"))
                .collect()
        } else if path.extension().is_some_and(|ext| ext == "rs") && name != "lib" {
            vec![path]
        } else {
            continue;
        };
        let code = modules.entry(name).or_default();
        for file in files {
            code.push_str(&without_comments(
                &fs::read_to_string(&file).expect("a source file is readable"),
            ));
            code.push('\n');
        }
    }
    modules
}

/// The identifier `path` starts with.
fn first_segment(path: &str) -> &str {
    let path = path.trim_start();
    let end = path
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(path.len());
    &path[..end]
}

/// The first segment of each path of a `use` list's inside, `a::B, c::{D, E}`: `a` and `c`.
fn list_segments(list: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    let mut depth = 0;
    let mut item_start = 0;
    for (at, c) in list.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                segments.push(first_segment(&list[item_start..at]));
                item_start = at + 1;
            }
            _ => {}
        }
    }
    segments.push(first_segment(&list[item_start..]));
    segments.retain(|segment| !segment.is_empty());
    segments
}

/// What follows `crate::` in `code`, by first segment: a module (`claims` for
/// `crate::claims::Claims`) or an item re-exported by the crate root (`Algorithm`).
fn crate_paths(code: &str) -> BTreeSet<String> {
    let mut segments = BTreeSet::new();
    let mut searched = 0;
    while let Some(found) = code[searched..].find("crate::") {
        let start = searched + found;
        searched = start + "crate::".len();
        let before = code[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &code[searched..];
        if let Some(list) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = list
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(list.len(), |(at, _)| at);
            segments.extend(list_segments(&list[..end]).into_iter().map(str::to_owned));
        } else {
            segments.insert(first_segment(rest).to_owned());
        }
    }
    segments
}

/// The module each item re-exported by the crate root comes from, read from `lib.rs`'s
/// `pub use crate::<module>::...;` statements.
fn root_reexports(lib: &str) -> BTreeMap<String, String> {
    let mut items = BTreeMap::new();
    for statement in without_comments(lib).split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use crate::") else {
            continue;
        };
        let (module, names) = path
            .split_once("::")
            .expect("the root re-exports items of a module");
        for name in list_segments(names.trim().trim_start_matches('{').trim_end_matches('}')) {
            items.insert(name.to_owned(), module.to_owned());
        }
    }
    items
}

/// The modules `code` names, root re-exports resolved to the module they come from.
fn dependencies(code: &str, root: &BTreeMap<String, String>) -> BTreeSet<String> {
    crate_paths(code)
        .into_iter()
        .map(|segment| match root.get(&segment) {
            Some(module) => module.clone(),
            None => segment,
        })
        .collect()
}

fn src() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
}

fn root() -> BTreeMap<String, String> {
    root_reexports(&fs::read_to_string(src().join("lib.rs")).expect("lib.rs is readable"))
}

/// Each `crate::` path of `modules` (name to code) that breaks the layer order.
fn violations(modules: &BTreeMap<String, String>, root: &BTreeMap<String, String>) -> Vec<String> {
    let mut violations = Vec::new();
    for (module, code) in modules {
        let Some(layer) = layer_of(module) else {
            continue;
        };
        for dependency in dependencies(code, root) {
            if dependency == *module {
                continue;
            }
            match layer_of(&dependency) {
                Some(below) if below < layer => {}
                Some(_) => violations.push(format!(
                    "{module} names {dependency}, which is not in a layer below it"
                )),
                None => violations.push(format!(
                    "{module} names crate::{dependency}, which is neither a layered module nor \
                     an item the crate root re-exports"
                )),
            }
        }
    }
    violations
}

#[test]
fn every_module_names_only_modules_of_lower_layers() {
    let violations = violations(&module_code(src()), &root());
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn every_module_has_a_layer_and_every_layer_entry_is_a_module() {
    let modules: BTreeSet<String> = module_code(src()).into_keys().collect();
    let layered: BTreeSet<String> = LAYERS
        .iter()
        .flat_map(|layer| layer.iter())
        .map(|module| (*module).to_owned())
        .collect();
    assert_eq!(modules, layered);
}

#[test]
fn paths_are_read_from_use_lists_inline_paths_and_root_reexports() {
    let code = without_comments(
        "use crate::claims::Claims;\n\
         use crate::{Algorithm, codec::{self, Scalar}};\n\
         pub(crate) fn f() { crate::keys::parse(); } // crate::revoke is a comment\n\
         macro_rules! m { () => { $crate::verify }; }\n",
    );
    assert_eq!(
        crate_paths(&code),
        BTreeSet::from(["claims", "Algorithm", "codec", "keys"].map(str::to_owned))
    );
    let root = root_reexports(
        "pub use crate::algorithm::Algorithm;\n\
         pub use crate::error::{\n    AuthJwtError, ConfigError,\n};\n",
    );
    assert_eq!(root["Algorithm"], "algorithm");
    assert_eq!(root["ConfigError"], "error");
    assert_eq!(
        dependencies(&code, &root),
        BTreeSet::from(["claims", "algorithm", "codec", "keys"].map(str::to_owned))
    );
}

#[test]
fn a_cycle_and_an_unknown_path_are_reported() {
    // The cycle this test was written against: the cache took IssuerVerdict from the
    // pipeline, which uses the cache.
    let modules = BTreeMap::from(
        [
            ("cache", "use crate::verify::IssuerVerdict;"),
            (
                "verify",
                "use crate::cache::CachedToken;\nuse crate::AuthJwtConfig;",
            ),
            ("claims", "use crate::types::TokenType; crate::helper();"),
            ("csrf", "use crate::revocation::RevokeError;"),
        ]
        .map(|(module, code)| (module.to_owned(), code.to_owned())),
    );
    let root = BTreeMap::from([("AuthJwtConfig".to_owned(), "config".to_owned())]);
    assert_eq!(
        violations(&modules, &root),
        [
            "cache names verify, which is not in a layer below it",
            "claims names crate::helper, which is neither a layered module nor an item the \
             crate root re-exports",
            "csrf names revocation, which is not in a layer below it",
        ]
    );
}
