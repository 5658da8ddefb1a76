//! The master key on disk: made on first run with owner-only permissions, refused when
//! anyone else could read it.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use crate::{MasterKey, PiiError};

const HEADER: &str = "fanzha-master-key-v1";

/// Reads the key file at `path`.
pub fn load(path: &Path) -> Result<MasterKey, PiiError> {
    let meta = std::fs::metadata(path).map_err(|e| PiiError::Key(format!("cannot read {}: {e}", path.display())))?;
    let mode = meta.permissions().mode();
    if mode & 0o077 != 0 {
        return Err(PiiError::Key(format!(
            "{} is readable by others (mode {:o}); run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    let text =
        std::fs::read_to_string(path).map_err(|e| PiiError::Key(format!("cannot read {}: {e}", path.display())))?;
    let mut parts = text.split_whitespace();
    match (parts.next(), parts.next(), parts.next()) {
        (Some(HEADER), Some(id), Some(hex_str)) => {
            let id = id
                .strip_prefix("id=")
                .and_then(|i| i.parse().ok())
                .ok_or_else(|| PiiError::Key(format!("{}: bad key id", path.display())))?;
            MasterKey::from_hex(id, hex_str)
        }
        _ => Err(PiiError::Key(format!("{} is not a fanzha key file", path.display()))),
    }
}

/// Writes a fresh key to `path`, which must not exist yet.
pub fn create(path: &Path) -> Result<MasterKey, PiiError> {
    let key = MasterKey::generate(1)?;
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| PiiError::Key(format!("cannot create {}: {e}", path.display())))?;
    writeln!(f, "{HEADER} id={} {}", key.id(), key.to_hex().as_str())
        .map_err(|e| PiiError::Key(format!("cannot write {}: {e}", path.display())))?;
    f.sync_all().map_err(|e| PiiError::Key(format!("cannot sync {}: {e}", path.display())))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_then_load_and_refuse_open_permissions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("master.key");
        let k = create(&p).expect("create");
        assert_eq!(std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777, 0o600);
        let k2 = load(&p).expect("load");
        assert_eq!(k.to_hex().as_str(), k2.to_hex().as_str());
        assert!(create(&p).is_err(), "never overwrite an existing key");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(load(&p).is_err());
    }
}
