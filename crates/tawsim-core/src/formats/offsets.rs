//! Offsets as files give them: JSON offsets, and the conversion between UTF-16 code units
//! (some JSON tools) and code points (tawsim's offsets) through the document's
//! [`IndexedText`].

use super::ProblemKind;
use super::json_type;
use crate::domain::IndexedText;

/// Reads an offset from JSON: a non-negative integer, converted from UTF-16 when asked.
pub(crate) fn json_offset(
    v: Option<&serde_json::Value>,
    what: &str,
) -> Result<u64, (ProblemKind, String)> {
    match v {
        None => Err((ProblemKind::Schema, format!("missing {what}"))),
        Some(serde_json::Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => Ok(u),
            (None, Some(i)) => Err((ProblemKind::BadOffset, format!("negative {what} {i}"))),
            _ => Err((
                ProblemKind::BadOffset,
                format!("{what} {n} is not an integer"),
            )),
        },
        Some(other) => Err((
            ProblemKind::Schema,
            format!("{what} must be an integer, found {}", json_type(other)),
        )),
    }
}

/// Converts a file offset to code points: as is, or from UTF-16 units when given the
/// document's index (`utf16`).
pub(crate) fn to_char_offset(
    utf16: Option<&IndexedText>,
    off: u64,
) -> Result<usize, (ProblemKind, String)> {
    let off = usize::try_from(off).unwrap_or(usize::MAX);
    let Some(text) = utf16 else { return Ok(off) };
    let len16 = text.offsets().len_utf16();
    if off > len16 {
        // Let check_range report it as out of range, in code points past the end.
        return Ok(text.len_chars().saturating_add(off - len16));
    }
    text.utf16_to_char(off).ok_or_else(|| {
        (
            ProblemKind::BadOffset,
            format!("UTF-16 offset {off} falls inside a surrogate pair"),
        )
    })
}

/// Converts a code point offset to what the file should hold.
pub(crate) fn from_char_offset(utf16: Option<&IndexedText>, c: usize) -> usize {
    utf16.and_then(|t| t.char_to_utf16(c)).unwrap_or(c)
}
