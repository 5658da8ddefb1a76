//! Embeds the migration files: writes `(version, description, include_str!(file))` per file of
//! `migrations/sqlite` and `migrations/postgres` to `$OUT_DIR/migrations.rs`, named as
//! `sqlx::migrate!` names them (`0021_ids.sql` is version 21, description "ids").

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for (name, dir) in [("SQLITE", "sqlite"), ("POSTGRES", "postgres")] {
        let dir = Path::new(&root).join("migrations").join(dir);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<(i64, String, String)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .map(|p| {
                let file = p.file_name().and_then(|f| f.to_str()).unwrap_or_default().to_string();
                let (version, rest) = file.split_once('_').unwrap_or_else(|| panic!("{file}: no `_`"));
                let version: i64 = version.parse().unwrap_or_else(|_| panic!("{file}: version is not a number"));
                let description = rest.trim_end_matches(".sql").replace('_', " ");
                (version, description, p.display().to_string())
            })
            .collect();
        files.sort();
        let _ = writeln!(out, "/// `(version, description, sql)` of `migrations/{}`.", name.to_lowercase());
        let _ = writeln!(out, "const {name}: &[(i64, &str, &str)] = &[");
        for (version, description, path) in files {
            let _ = writeln!(out, "    ({version}, {description:?}, include_str!({path:?})),");
        }
        let _ = writeln!(out, "];");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("migrations.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
