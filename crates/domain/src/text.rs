//! Bounds on the text people type: names that reach charts and lists, one-line values, notes.
//! Checked before anything is stored or written to the audit log.

use crate::InvalidValue;

/// Characters in a name (of a jurisdiction, unit, station, person, user).
pub const NAME_MAX_CHARS: usize = 64;
/// Characters in a one-line value (a username, a phone, a reference, a reason).
pub const LINE_MAX_CHARS: usize = 200;
/// Characters in a note or description.
pub const TEXT_MAX_CHARS: usize = 4_000;

/// A name as stored: trimmed, not empty, at most [`NAME_MAX_CHARS`], no control characters and
/// none of the characters that make markup (`<>&"'` and the backtick). Names end up in chart
/// tooltips and exported documents; refusing markup at the door keeps every later view safe
/// even where one forgets to encode.
pub fn name<'a>(field: &'static str, v: &'a str) -> Result<&'a str, InvalidValue> {
    let v = v.trim();
    if v.is_empty() {
        return Err(InvalidValue::new(field, "must not be empty"));
    }
    line(field, v, NAME_MAX_CHARS)?;
    if let Some(c) = v.chars().find(|c| matches!(c, '<' | '>' | '&' | '"' | '\'' | '`')) {
        return Err(InvalidValue::new(field, format!("must not contain '{c}' (names are plain text)")));
    }
    Ok(v)
}

/// One line of at most `max` characters without control characters.
pub fn line<'a>(field: &'static str, v: &'a str, max: usize) -> Result<&'a str, InvalidValue> {
    text(field, v, max)?;
    if v.chars().any(|c| c.is_control()) {
        return Err(InvalidValue::new(field, "must be one line without control characters"));
    }
    Ok(v)
}

/// Text of at most `max` characters (counted as characters, not bytes).
pub fn text<'a>(field: &'static str, v: &'a str, max: usize) -> Result<&'a str, InvalidValue> {
    // A byte count at most `max` is at most `max` characters: skip the count for short text.
    if v.len() > max && v.chars().count() > max {
        return Err(InvalidValue::new(field, format!("longer than {max} characters")));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn markup_and_control_characters_are_refused_in_names() {
        for bad in ["<img src=x onerror=alert(1)>", "a&b", "\"x\"", "it's", "`x`", "a\u{0}b", "a\nb", "", "   "] {
            assert!(name("name", bad).is_err(), "{bad:?}");
        }
        assert_eq!(name("name", "  城关镇 "), Ok("城关镇"));
        assert_eq!(name("name", "中国农业银行（县支行）"), Ok("中国农业银行（县支行）"));
    }

    #[test]
    fn length_counts_characters() {
        let ok = "村".repeat(NAME_MAX_CHARS);
        assert!(name("name", &ok).is_ok(), "64 Chinese characters are 192 bytes and fit");
        assert!(name("name", &format!("{ok}村")).is_err());
        assert!(text("note", &"x".repeat(TEXT_MAX_CHARS + 1), TEXT_MAX_CHARS).is_err());
    }

    proptest! {
        #[test]
        fn an_accepted_name_is_plain_and_bounded(s in "\\PC{0,80}") {
            if let Ok(v) = name("name", &s) {
                prop_assert!(!v.is_empty() && v.chars().count() <= NAME_MAX_CHARS);
                prop_assert!(!v.contains(['<', '>', '&', '"', '\'', '`']));
                prop_assert!(!v.chars().any(char::is_control));
            }
        }
    }
}
