//! Reading direction of a document: per paragraph from its first strong character, or forced.

/// Paragraph base direction: forced, or `Auto` (from the paragraph's first strong
/// character; paragraphs without one are right to left).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Direction {
    #[default]
    Auto,
    Rtl,
    Ltr,
}

impl Direction {
    /// The name stored in the project file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Auto => "auto",
            Direction::Rtl => "rtl",
            Direction::Ltr => "ltr",
        }
    }

    /// Reads a stored name; `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Direction> {
        match s {
            "auto" => Some(Direction::Auto),
            "rtl" => Some(Direction::Rtl),
            "ltr" => Some(Direction::Ltr),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Direction;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for d in [Direction::Auto, Direction::Rtl, Direction::Ltr] {
            assert_eq!(Direction::parse(d.as_str()), Some(d));
        }
        assert_eq!(Direction::parse("RTL"), None);
        assert_eq!(Direction::parse(""), None);
    }
}
