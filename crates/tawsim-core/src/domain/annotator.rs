//! Annotators: every span, document status and history step belongs to one. A project
//! keeps a layer per annotator.

use std::fmt;

/// An annotator's id in a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AnnotatorId(pub i64);

/// What an annotator may do beyond annotating their own layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Role {
    /// Annotates their own layer; sees others' only when the project allows it.
    #[default]
    Annotator,
    /// Also sees every layer (read-only) and changes labels and settings.
    Manager,
}

impl Role {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Annotator => "annotator",
            Role::Manager => "manager",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "annotator" => Some(Role::Annotator),
            "manager" => Some(Role::Manager),
            _ => None,
        }
    }
}

/// An annotator of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotator {
    pub id: AnnotatorId,
    pub name: String,
    pub role: Role,
}

impl fmt::Display for Annotator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// The longest annotator name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// Checks an annotator's name as typed: trimmed, not empty, at most [`MAX_NAME_CHARS`]
/// characters, no control characters. Returns the trimmed name.
pub fn check_name(name: &str) -> Result<String, String> {
    let name = name.trim();
    if name.is_empty() {
        return Err("an annotator's name cannot be empty".into());
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "an annotator's name has at most {MAX_NAME_CHARS} characters"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("an annotator's name cannot hold control characters".into());
    }
    Ok(name.to_string())
}

/// The name of the user running tawsim (the default annotator name): `$USER`, `$LOGNAME`
/// or `$USERNAME`, else `annotator`.
#[must_use]
pub fn os_user_name() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find_map(|v| check_name(&v).ok())
        .unwrap_or_else(|| "annotator".to_string())
}

/// Whether the annotator `me` (with `role`) may see `layer`: their own, any for a manager,
/// others' when the project shows layers (`others_visible`). Every store applies this rule.
#[must_use]
pub fn may_view(
    me: Option<AnnotatorId>,
    role: Role,
    others_visible: bool,
    layer: AnnotatorId,
) -> bool {
    me == Some(layer) || role == Role::Manager || others_visible
}

/// Seconds as a person reads them: `45 s`, `12 min 05 s`, `3 h 07 min`.
#[must_use]
pub fn duration_text(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, sec) => format!("{sec} s"),
        (0, min, sec) => format!("{min} min {sec:02} s"),
        (h, min, _) => format!("{h} h {min:02} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds_minutes_or_hours() {
        assert_eq!(duration_text(45.4), "45 s");
        assert_eq!(duration_text(725.0), "12 min 05 s");
        assert_eq!(
            duration_text(3.0 * 3600.0 + 7.0 * 60.0 + 59.0),
            "3 h 07 min"
        );
        assert_eq!(duration_text(-1.0), "0 s");
    }

    #[test]
    fn names_are_trimmed_and_checked() {
        assert_eq!(check_name("  أمينة "), Ok("أمينة".to_string()));
        assert!(check_name("   ").is_err());
        assert!(check_name("a\u{7}b").is_err());
        assert!(check_name(&"x".repeat(65)).is_err());
        assert_eq!(
            check_name(&"ب".repeat(64)).map(|s| s.chars().count()),
            Ok(64)
        );
    }

    #[test]
    fn roles_read_back() {
        for r in [Role::Annotator, Role::Manager] {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
