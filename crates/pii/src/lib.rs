//! Personal-data protection: fields are encrypted with AES-256-GCM under a key derived from
//! the master key, found again through a keyed hash (blind index), and never logged.
//!
//! Ciphertext layout (so an algorithm such as SM4 can be added later without a rewrite):
//! `[format=1][alg][key id: u16 BE][nonce: 12][ciphertext ‖ tag]`.

pub mod keyfile;

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

type HmacSha256 = Hmac<Sha256>;

const FORMAT_V1: u8 = 1;
const ALG_AES256GCM: u8 = 1;
const HEADER: usize = 4;
const NONCE: usize = 12;

/// Errors of the protection layer. None of them carries personal data.
#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    /// A ciphertext was written by a key this process does not hold.
    #[error("ciphertext was written with key {0}, which is not loaded")]
    UnknownKey(u16),
    /// A ciphertext failed authentication: wrong key, wrong field, or tampered.
    #[error("ciphertext failed authentication (wrong key or tampered data)")]
    Tampered,
    /// A ciphertext is not in a known layout.
    #[error("ciphertext format not recognised")]
    BadFormat,
    /// The master key could not be read, made or trusted.
    #[error("master key: {0}")]
    Key(String),
    /// The OS random source failed.
    #[error("random source failed")]
    Random,
}

/// Which personal field a value is; bound into the ciphertext and the blind index so a value
/// cannot be moved from one field to another unnoticed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 身份证号.
    IdNumber,
    /// 手机号.
    Phone,
    /// 银行卡号 / 账号.
    BankCard,
    /// 住址.
    Address,
    /// A whole engine event (JSON), which names accounts and phones.
    Event,
    /// Evidence files of a dissuasion (photos, recordings).
    Evidence,
}

impl Field {
    fn tag(self) -> &'static [u8] {
        match self {
            Field::IdNumber => b"id_number",
            Field::Phone => b"phone",
            Field::BankCard => b"bank_card",
            Field::Address => b"address",
            Field::Event => b"event",
            Field::Evidence => b"evidence",
        }
    }
}

/// A 256-bit master key with its id.
pub struct MasterKey {
    id: u16,
    bytes: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MasterKey(id={}, [redacted])", self.id)
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate(id: u16) -> Result<Self, PiiError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::fill(bytes.as_mut()).map_err(|_| PiiError::Random)?;
        Ok(Self { id, bytes })
    }

    /// A key from 64 hex characters.
    pub fn from_hex(id: u16, hex_str: &str) -> Result<Self, PiiError> {
        let raw = Zeroizing::new(hex::decode(hex_str.trim()).map_err(|_| PiiError::Key("not hex".into()))?);
        let arr: [u8; 32] =
            raw.as_slice().try_into().map_err(|_| PiiError::Key("must be 32 bytes (64 hex characters)".into()))?;
        Ok(Self { id, bytes: Zeroizing::new(arr) })
    }

    /// Parses `ID:HEX` or a bare `HEX` (id 1), the form used in the environment variable.
    pub fn from_spec(spec: &str) -> Result<Self, PiiError> {
        match spec.trim().split_once(':') {
            Some((id, hex_str)) => {
                Self::from_hex(id.parse().map_err(|_| PiiError::Key("key id must be a number".into()))?, hex_str)
            }
            None => Self::from_hex(1, spec),
        }
    }

    /// The key's id.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// The key as hex, only for writing the key file.
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.bytes.as_ref()))
    }

    fn derive(&self, label: &[u8]) -> Zeroizing<[u8; 32]> {
        // HMAC as a PRF over a fixed label: one master key, independent sub-keys per purpose.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.bytes.as_ref()).expect("HMAC takes any key length");
        mac.update(b"fanzha/v1/");
        mac.update(label);
        Zeroizing::new(mac.finalize().into_bytes().into())
    }
}

struct Derived {
    aead: Aes256Gcm,
    index: Zeroizing<[u8; 32]>,
}

/// Encrypts, decrypts and indexes personal fields. Cheap to share behind an `Arc`.
pub struct Vault {
    active: u16,
    keys: HashMap<u16, Derived>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault(active key {}, {} keys)", self.active, self.keys.len())
    }
}

impl Vault {
    /// A vault that writes with `active` and can still read data of the `retired` keys.
    pub fn new(active: &MasterKey, retired: &[MasterKey]) -> Self {
        let mut keys = HashMap::new();
        for k in retired.iter().chain(std::iter::once(active)) {
            let aead_key = k.derive(b"aead");
            let aead = Aes256Gcm::new_from_slice(aead_key.as_ref()).expect("32-byte key");
            keys.insert(k.id, Derived { aead, index: k.derive(b"blind-index") });
        }
        Self { active: active.id, keys }
    }

    fn active(&self) -> &Derived {
        self.keys.get(&self.active).expect("active key is always inserted")
    }

    /// Encrypts one field value.
    pub fn encrypt(&self, field: Field, plaintext: &str) -> Result<Vec<u8>, PiiError> {
        self.encrypt_bytes(field, plaintext.as_bytes())
    }

    /// Decrypts one field value.
    pub fn decrypt(&self, field: Field, ct: &[u8]) -> Result<String, PiiError> {
        String::from_utf8(self.decrypt_bytes(field, ct)?).map_err(|_| PiiError::BadFormat)
    }

    /// Encrypts bytes (a file).
    pub fn encrypt_bytes(&self, field: Field, plaintext: &[u8]) -> Result<Vec<u8>, PiiError> {
        let mut nonce = [0u8; NONCE];
        getrandom::fill(&mut nonce).map_err(|_| PiiError::Random)?;
        let mut out = Vec::with_capacity(HEADER + NONCE + plaintext.len() + 16);
        out.push(FORMAT_V1);
        out.push(ALG_AES256GCM);
        out.extend_from_slice(&self.active.to_be_bytes());
        out.extend_from_slice(&nonce);
        let aad = aad(field, &out[..HEADER]);
        let ct = self
            .active()
            .aead
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad: &aad })
            .map_err(|_| PiiError::BadFormat)?;
        out.extend_from_slice(&ct);
        Ok(out)
    }

    /// Decrypts bytes.
    pub fn decrypt_bytes(&self, field: Field, ct: &[u8]) -> Result<Vec<u8>, PiiError> {
        if ct.len() < HEADER + NONCE + 16 || ct[0] != FORMAT_V1 || ct[1] != ALG_AES256GCM {
            return Err(PiiError::BadFormat);
        }
        let key_id = u16::from_be_bytes([ct[2], ct[3]]);
        let key = self.keys.get(&key_id).ok_or(PiiError::UnknownKey(key_id))?;
        let nonce: [u8; NONCE] = ct[HEADER..HEADER + NONCE].try_into().map_err(|_| PiiError::BadFormat)?;
        let aad = aad(field, &ct[..HEADER]);
        let pt = key
            .aead
            .decrypt(&Nonce::from(nonce), Payload { msg: &ct[HEADER + NONCE..], aad: &aad })
            .map_err(|_| PiiError::Tampered)?;
        Ok(pt)
    }

    /// The blind index of a normalised value: equal values give equal indexes, and nothing
    /// about the value can be learned from the index without the key.
    pub fn blind_index(&self, field: Field, normalised: &str) -> Vec<u8> {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(self.active().index.as_ref()).expect("HMAC takes any key length");
        mac.update(field.tag());
        mac.update(&[0]);
        mac.update(normalised.as_bytes());
        mac.finalize().into_bytes()[..16].to_vec()
    }

    /// A fingerprint of the active key, stored beside the data so that starting with another
    /// key is refused before anything is written.
    pub fn key_check(&self) -> String {
        let mut mac =
            <HmacSha256 as Mac>::new_from_slice(self.active().index.as_ref()).expect("HMAC takes any key length");
        mac.update(b"key-check");
        format!("{}:{}", self.active, hex::encode(&mac.finalize().into_bytes()[..16]))
    }

    /// The id of the key new data is written with.
    pub fn active_key_id(&self) -> u16 {
        self.active
    }
}

fn aad(field: Field, header: &[u8]) -> Vec<u8> {
    let mut a = Vec::with_capacity(header.len() + 16);
    a.extend_from_slice(header);
    a.extend_from_slice(field.tag());
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn vault() -> Vault {
        Vault::new(&MasterKey::from_hex(1, &"11".repeat(32)).expect("key"), &[])
    }

    #[test]
    fn round_trip_and_no_clear_text() {
        let v = vault();
        let ct = v.encrypt(Field::Phone, "13800131234").expect("encrypt");
        assert!(!ct.windows(11).any(|w| w == b"13800131234"), "ciphertext must not contain the clear text");
        assert_eq!(v.decrypt(Field::Phone, &ct).expect("decrypt"), "13800131234");
        // Same value, fresh nonce: different ciphertexts, same index.
        let ct2 = v.encrypt(Field::Phone, "13800131234").expect("encrypt");
        assert_ne!(ct, ct2);
        assert_eq!(v.blind_index(Field::Phone, "13800131234"), v.blind_index(Field::Phone, "13800131234"));
        assert_ne!(v.blind_index(Field::Phone, "13800131234"), v.blind_index(Field::IdNumber, "13800131234"));
    }

    #[test]
    fn wrong_key_wrong_field_and_tampering_fail() {
        let v = vault();
        let ct = v.encrypt(Field::IdNumber, "11010519491231002X").expect("encrypt");
        assert!(matches!(v.decrypt(Field::Phone, &ct), Err(PiiError::Tampered)));
        let other = Vault::new(&MasterKey::from_hex(1, &"22".repeat(32)).expect("key"), &[]);
        assert!(matches!(other.decrypt(Field::IdNumber, &ct), Err(PiiError::Tampered)));
        assert_ne!(other.key_check(), v.key_check());
        let mut bad = ct.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(matches!(v.decrypt(Field::IdNumber, &bad), Err(PiiError::Tampered)));
        let k2 = Vault::new(&MasterKey::from_hex(2, &"33".repeat(32)).expect("key"), &[]);
        assert!(matches!(k2.decrypt(Field::IdNumber, &ct), Err(PiiError::UnknownKey(1))));
    }

    #[test]
    fn rotation_reads_old_writes_new() {
        let old = MasterKey::from_hex(1, &"11".repeat(32)).expect("key");
        let new = MasterKey::from_hex(2, &"44".repeat(32)).expect("key");
        let ct_old = Vault::new(&old, &[]).encrypt(Field::Address, "城关镇1号").expect("encrypt");
        let rotated = Vault::new(&new, &[old]);
        assert_eq!(rotated.decrypt(Field::Address, &ct_old).expect("decrypt"), "城关镇1号");
        assert_eq!(rotated.encrypt(Field::Address, "x").expect("encrypt")[2..4], [0, 2]);
    }

    proptest! {
        #[test]
        fn any_text_round_trips(s in ".{0,64}") {
            let v = vault();
            let ct = v.encrypt(Field::Address, &s).expect("encrypt");
            prop_assert_eq!(v.decrypt(Field::Address, &ct).expect("decrypt"), s);
        }
    }
}
