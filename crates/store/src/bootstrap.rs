//! Opening the store with its key: from the environment or config, or from the key file in the
//! data directory, made on first run only. A database that already holds encrypted data is
//! never paired with a new key.

use std::path::PathBuf;

use crate::{Database, Result, Store, StoreError};

/// Where the master key comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// `ID:HEX` or `HEX`, from `FANZHA_MASTER_KEY` or the config file.
    Spec(String),
    /// A key file; made when missing and the database is new.
    File(PathBuf),
}

/// Opens and migrates the database at `url`, loads the key and checks it against the data.
pub async fn open(url: &str, key: KeySource) -> Result<Store> {
    let db = Database::open(url).await?;
    let stored = db.key_check().await?;
    let master = match key {
        KeySource::Spec(spec) => pii::MasterKey::from_spec(&spec)?,
        KeySource::File(path) if path.exists() => pii::keyfile::load(&path)?,
        KeySource::File(path) if stored.is_none() => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| pii::PiiError::Key(format!("cannot create {}: {e}", dir.display())))?;
            }
            tracing::warn!(path = %path.display(), "new database: generated a master key; back it up, the data cannot be read without it");
            pii::keyfile::create(&path)?
        }
        KeySource::File(path) => {
            return Err(StoreError::KeyMismatch(format!(
                "the database holds data encrypted with a master key, but the key file {} is missing; \
                 restore it from backup or set FANZHA_MASTER_KEY. Refusing to start with a new key.",
                path.display()
            )));
        }
    };
    db.with_vault(pii::Vault::new(&master, &[])).await
}
