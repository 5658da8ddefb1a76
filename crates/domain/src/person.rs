//! Validated personal identifiers and how each is masked for display.
//!
//! The values here are what the platform protects: they are encrypted at rest by the `pii`
//! crate and shown only through the masks below, unless a permitted user unmasks them.

use serde::{Deserialize, Serialize};

use crate::InvalidValue;

/// An 18-character resident identity number (居民身份证号码, GB 11643-1999), checksum verified.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

impl IdNumber {
    /// Parses and verifies an ID number; a lowercase `x` check character is accepted.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim().to_ascii_uppercase();
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(InvalidValue::new("id_number", format!("must have 18 characters, has {}", chars.len())));
        }
        let mut sum = 0u32;
        for (i, c) in chars[..17].iter().enumerate() {
            let d = c
                .to_digit(10)
                .ok_or_else(|| InvalidValue::new("id_number", "the first 17 characters must be digits"))?;
            sum += d * ID_WEIGHTS[i];
        }
        if chars[17] != ID_CHECK[(sum % 11) as usize] {
            return Err(InvalidValue::new("id_number", "check character does not match (GB 11643)"));
        }
        let id = IdNumber(s);
        if id.birth_date().is_none() {
            return Err(InvalidValue::new("id_number", "birth date in characters 7–14 is not a valid date"));
        }
        Ok(id)
    }

    /// Builds a valid ID number from its first 17 digits by appending the check character.
    pub fn with_check(first17: &str) -> Result<Self, InvalidValue> {
        let mut sum = 0u32;
        if first17.len() != 17 {
            return Err(InvalidValue::new("id_number", "need exactly 17 digits"));
        }
        for (i, c) in first17.chars().enumerate() {
            let d = c.to_digit(10).ok_or_else(|| InvalidValue::new("id_number", "digits only"))?;
            sum += d * ID_WEIGHTS[i];
        }
        Self::parse(&format!("{first17}{}", ID_CHECK[(sum % 11) as usize]))
    }

    /// The value in clear; callers decide whether they may show it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The birth date encoded in characters 7–14.
    pub fn birth_date(&self) -> Option<jiff::civil::Date> {
        let y: i16 = self.0.get(6..10)?.parse().ok()?;
        let m: i8 = self.0.get(10..12)?.parse().ok()?;
        let d: i8 = self.0.get(12..14)?.parse().ok()?;
        jiff::civil::Date::new(y, m, d).ok()
    }

    /// `110***********1234`: region prefix and last four only.
    pub fn masked(&self) -> String {
        mask_keep(&self.0, 3, 4)
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

/// A mainland mobile number, 11 digits starting 13–19; a `+86`/`86` prefix and spaces or dashes are dropped.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses and normalises a mobile number.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let digits = digits
            .strip_prefix("+86")
            .or_else(|| digits.strip_prefix("86").filter(|d| d.len() == 11))
            .unwrap_or(&digits);
        let ok = digits.len() == 11
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits.as_bytes()[0] == b'1'
            && (b'3'..=b'9').contains(&digits.as_bytes()[1]);
        if !ok {
            return Err(InvalidValue::new(
                "phone",
                format!("'{}' is not an 11-digit mobile number", mask_keep(s, 3, 2)),
            ));
        }
        Ok(Phone(digits.to_string()))
    }

    /// The value in clear.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****1234`.
    pub fn masked(&self) -> String {
        mask_keep(&self.0, 3, 4)
    }
}

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

/// A bank card or account number: 12–19 digits; 16–19-digit card numbers must pass the Luhn check.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct BankCard(String);

impl BankCard {
    /// Parses a card or account number, ignoring spaces.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let digits: String = s.chars().filter(|c| *c != ' ').collect();
        if !(12..=19).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidValue::new("bank_card", "must be 12 to 19 digits"));
        }
        if digits.len() >= 16 && !luhn_ok(&digits) {
            return Err(InvalidValue::new("bank_card", "card number fails the Luhn check"));
        }
        Ok(BankCard(digits))
    }

    /// The value in clear.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `6222********1234`.
    pub fn masked(&self) -> String {
        mask_keep(&self.0, 4, 4)
    }
}

impl std::fmt::Debug for BankCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BankCard({})", self.masked())
    }
}

fn luhn_ok(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Keeps `head` leading and `tail` trailing characters and stars the rest; a value too short
/// to keep both is starred entirely, so a mask never reveals the whole value.
pub fn mask_keep(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len().max(1));
    }
    let mut out: String = chars[..head].iter().collect();
    out.extend(std::iter::repeat_n('*', chars.len() - head - tail));
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// `张*` / `欧**`: the surname character only.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => {
            let rest = chars.count().max(1);
            format!("{first}{}", "*".repeat(rest))
        }
        None => String::new(),
    }
}

/// The first six characters of an address (usually town and village), the rest hidden.
pub fn mask_address(addr: &str) -> String {
    let chars: Vec<char> = addr.chars().collect();
    let keep = chars.len().min(6).min(chars.len() / 2);
    let mut out: String = chars[..keep].iter().collect();
    out.push_str("****");
    out
}

/// Age band of a victim or resident, as used in case statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum AgeBand {
    /// Under 18 (未成年).
    #[serde(rename = "under_18")]
    Under18,
    /// 18–30.
    #[serde(rename = "18_30")]
    From18To30,
    /// 31–45.
    #[serde(rename = "31_45")]
    From31To45,
    /// 46–60.
    #[serde(rename = "46_60")]
    From46To60,
    /// Over 60 (老年人).
    #[serde(rename = "over_60")]
    Over60,
}

impl AgeBand {
    /// All bands, youngest first.
    pub const ALL: [AgeBand; 5] = [Self::Under18, Self::From18To30, Self::From31To45, Self::From46To60, Self::Over60];

    /// The band of an age in whole years.
    pub fn from_age(age: i32) -> Self {
        match age {
            ..=17 => Self::Under18,
            18..=30 => Self::From18To30,
            31..=45 => Self::From31To45,
            46..=60 => Self::From46To60,
            _ => Self::Over60,
        }
    }

    /// The band of someone born on `birth` as of `on`.
    pub fn at(birth: jiff::civil::Date, on: jiff::civil::Date) -> Self {
        let mut age = i32::from(on.year()) - i32::from(birth.year());
        if (on.month(), on.day()) < (birth.month(), birth.day()) {
            age -= 1;
        }
        Self::from_age(age)
    }

    /// The stored and API name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Under18 => "under_18",
            Self::From18To30 => "18_30",
            Self::From31To45 => "31_45",
            Self::From46To60 => "46_60",
            Self::Over60 => "over_60",
        }
    }

    /// The name people read.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Under18 => "18岁以下",
            Self::From18To30 => "18-30岁",
            Self::From31To45 => "31-45岁",
            Self::From46To60 => "46-60岁",
            Self::Over60 => "60岁以上",
        }
    }

    /// Parses the stored name or the Chinese one.
    pub fn parse(s: &str) -> Result<Self, InvalidValue> {
        let s = s.trim();
        Self::ALL.into_iter().find(|b| b.as_str() == s || b.zh() == s).ok_or_else(|| {
            InvalidValue::new("age_band", format!("unknown age band '{s}' (under_18, 18_30, 31_45, 46_60, over_60)"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn id_number_checksum() {
        // A well-known valid sample number (GB 11643 example).
        assert!(IdNumber::parse("11010519491231002X").is_ok());
        assert!(IdNumber::parse("11010519491231002x").is_ok());
        assert!(IdNumber::parse("110105194912310021").is_err());
        assert!(IdNumber::parse("11010519491331002X").is_err(), "month 13 must be refused");
        let id = IdNumber::with_check("11010519491231002").expect("valid");
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110***********002X)");
    }

    #[test]
    fn phone_and_card() {
        assert_eq!(Phone::parse("+86 138-0013-1234").map(|p| p.masked()), Ok("138****1234".into()));
        assert!(Phone::parse("12800131234").is_err());
        assert!(BankCard::parse("4111111111111111").is_ok());
        assert!(BankCard::parse("4111111111111112").is_err());
        assert_eq!(BankCard::parse("4111111111111111").map(|c| c.masked()), Ok("4111********1111".into()));
    }

    #[test]
    fn names_and_addresses() {
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_address("城关镇东街村3组12号院"), "城关镇东街村****");
        assert_eq!(mask_address("城关镇东街村3组12号"), "城关镇东街****");
        assert_eq!(mask_address("东街"), "东****");
    }

    #[test]
    fn age_bands() {
        let birth = jiff::civil::date(1960, 5, 2);
        assert_eq!(AgeBand::at(birth, jiff::civil::date(2020, 5, 1)), AgeBand::From46To60);
        assert_eq!(AgeBand::at(birth, jiff::civil::date(2021, 5, 2)), AgeBand::Over60);
        for b in AgeBand::ALL {
            assert_eq!(AgeBand::parse(b.as_str()), Ok(b));
            assert_eq!(AgeBand::parse(b.zh()), Ok(b));
        }
    }

    proptest! {
        /// A mask never contains the full value and always keeps its length.
        #[test]
        fn mask_never_reveals(s in "[0-9]{4,19}", head in 0usize..5, tail in 0usize..5) {
            let m = mask_keep(&s, head, tail);
            prop_assert_ne!(&m, &s);
            prop_assert_eq!(m.chars().count(), s.chars().count());
        }

        /// Every 17-digit prefix with a valid date gets exactly one check character.
        #[test]
        fn id_check_roundtrip(region in 110000u32..659999, y in 1930i16..2020, m in 1i8..=12, d in 1i8..=28, seq in 0u32..999) {
            let first17 = format!("{region:06}{y:04}{m:02}{d:02}{seq:03}");
            let id = IdNumber::with_check(&first17).expect("valid");
            prop_assert!(IdNumber::parse(id.as_str()).is_ok());
            prop_assert_eq!(id.birth_date(), Some(jiff::civil::date(y, m, d)));
        }
    }
}
