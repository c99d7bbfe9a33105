//! From a selection to a span's boundaries, the Arabic way: grapheme clusters always, edge
//! spaces and punctuation trimmed, whole words in word modes, and leading proclitics
//! (و ف ب ل ك, optionally ال) left out only when the evidence says so.

use super::arabic::{self, normalise_str};
use super::settings::{BoundaryMode, ProjectSettings};
use super::text::IndexedText;
use std::collections::HashSet;
use std::sync::Arc;

/// What the project knows that helps decide whether a leading letter is a proclitic.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// Normalised texts of entities already labelled in the project.
    entities: HashSet<String>,
    /// Normalised words seen nearby (the open document).
    words: HashSet<String>,
    /// Normalised words of the whole project, when they have been gathered.
    corpus: Option<Arc<HashSet<String>>>,
}

impl Evidence {
    pub fn add_entity(&mut self, text: &str) {
        self.entities.insert(normalise_str(text.trim()));
    }

    pub fn add_word(&mut self, word: &str) {
        self.words.insert(normalise_str(word));
    }

    /// Adds every word of a text to the corpus vocabulary.
    pub fn add_text_words(&mut self, text: &str) {
        let chars: Vec<char> = text.chars().collect();
        for (s, e) in arabic::words(text) {
            let w: String = chars[s..e].iter().collect();
            self.add_word(&w);
        }
    }

    #[must_use]
    pub fn is_entity(&self, text: &str) -> bool {
        self.entities.contains(&normalise_str(text.trim()))
    }

    /// Uses a project-wide vocabulary (see [`vocabulary`]).
    pub fn set_corpus(&mut self, corpus: Arc<HashSet<String>>) {
        self.corpus = Some(corpus);
    }

    #[must_use]
    pub fn is_word(&self, word: &str) -> bool {
        let w = normalise_str(word);
        self.words.contains(&w) || self.corpus.as_ref().is_some_and(|c| c.contains(&w))
    }
}

/// The normalised words of many texts (a project's vocabulary for [`Evidence`]).
#[must_use]
pub fn vocabulary<'a>(texts: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    let mut out = HashSet::new();
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        for (s, e) in arabic::words(text) {
            out.insert(normalise_str(&chars[s..e].iter().collect::<String>()));
        }
    }
    out
}

/// A span's proposed boundaries, and the other reading offered on one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Snapped {
    pub start: usize,
    pub end: usize,
    /// With or without the proclitic, whichever was not chosen, when unsure or stripped.
    pub alternative: Option<(usize, usize)>,
}

/// Turns a selection `[start, end)` (in any order of ends) into span boundaries under the
/// project's settings. `None` when nothing labelable is selected.
#[must_use]
pub fn snap_selection(
    text: &IndexedText,
    start: usize,
    end: usize,
    settings: &ProjectSettings,
    ev: &Evidence,
) -> Option<Snapped> {
    let (start, end) = (start.min(end), start.max(end).min(text.len_chars()));
    let (s, e) = text.snap_out(start, end);
    let (s, e) = arabic::trim_range(text.as_str(), s, e);
    if s >= e {
        return None;
    }
    let (s, e) = text.snap_out(s, e);
    if settings.boundary == BoundaryMode::Characters {
        return Some(Snapped {
            start: s,
            end: e,
            alternative: None,
        });
    }
    let words = arabic::words(text.as_str());
    let s = words
        .iter()
        .find(|&&(a, b)| a <= s && s < b)
        .map_or(s, |&(a, _)| a);
    let e = words
        .iter()
        .find(|&&(a, b)| a < e && e <= b)
        .map_or(e, |&(_, b)| b);
    if settings.boundary == BoundaryMode::Words {
        return Some(Snapped {
            start: s,
            end: e,
            alternative: None,
        });
    }
    Some(decide_proclitic(
        text,
        s,
        e,
        settings.article_is_proclitic,
        ev,
    ))
}

/// Decides whether the word at `s` loses its proclitic. Keeps the whole word unless the
/// evidence favours the shorter reading; when unsure, offers the shorter one as alternative.
#[must_use]
pub fn decide_proclitic(
    text: &IndexedText,
    s: usize,
    e: usize,
    article: bool,
    ev: &Evidence,
) -> Snapped {
    let whole = Snapped {
        start: s,
        end: e,
        alternative: None,
    };
    let first_word_end = arabic::words(text.slice(s, e).unwrap_or_default())
        .first()
        .map_or(e, |&(_, b)| s + b);
    let word = text.slice(s, first_word_end).unwrap_or_default();
    let full = text.slice(s, e).unwrap_or_default();
    if ev.is_entity(full) {
        return whole; // labelled before exactly like this
    }
    for p in arabic::proclitic_prefixes(word, article) {
        let cut = text.boundary_at_or_after(s + p);
        if cut >= first_word_end {
            continue;
        }
        let rest_word = text.slice(cut, first_word_end).unwrap_or_default();
        let rest = text.slice(cut, e).unwrap_or_default();
        if ev.is_entity(rest) || ev.is_word(rest_word) {
            return Snapped {
                start: cut,
                end: e,
                alternative: Some((s, e)),
            };
        }
        return Snapped {
            alternative: Some((cut, e)),
            ..whole
        };
    }
    whole
}

/// The same span with its proclitic toggled: a span on a whole word that starts with a
/// proclitic loses it; a span that starts right after a proclitic gets it back.
#[must_use]
pub fn toggle_proclitic(
    text: &IndexedText,
    start: usize,
    end: usize,
    article: bool,
) -> Option<(usize, usize)> {
    let words = arabic::words(text.as_str());
    let &(ws, we) = words.iter().find(|&&(a, b)| a <= start && start < b)?;
    let word = text.slice(ws, we)?;
    let prefixes = arabic::proclitic_prefixes(word, article);
    if start == ws {
        let p = *prefixes.last()?; // the shortest proclitic first
        let cut = text.boundary_at_or_after(ws + p);
        (cut < end).then_some((cut, end))
    } else if prefixes
        .iter()
        .any(|&p| text.boundary_at_or_after(ws + p) == start)
    {
        Some((ws, end))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../../../assets/samples/libya-ceasefire-ar.txt");

    fn at(text: &str, needle: &str) -> (usize, usize) {
        let b = text.find(needle).expect("needle");
        let s = text[..b].chars().count();
        (s, s + needle.chars().count())
    }

    fn slice(t: &IndexedText, s: &Snapped) -> String {
        t.slice(s.start, s.end).unwrap_or_default().to_string()
    }

    fn settings(mode: BoundaryMode) -> ProjectSettings {
        ProjectSettings {
            boundary: mode,
            ..ProjectSettings::default()
        }
    }

    #[test]
    fn characters_mode_snaps_to_graphemes_and_trims_edges() {
        let t = IndexedText::new("وقّع الاتفاق، في جنيف");
        // Selecting from inside the shadda cluster to after the comma.
        let s = snap_selection(
            &t,
            3,
            13,
            &settings(BoundaryMode::Characters),
            &Evidence::default(),
        )
        .expect("span");
        assert_eq!(slice(&t, &s), "ع الاتفاق");
        let s = snap_selection(
            &t,
            2,
            3,
            &settings(BoundaryMode::Characters),
            &Evidence::default(),
        )
        .expect("span");
        assert_eq!(slice(&t, &s), "قّ", "a letter keeps its shadda");
        assert!(
            snap_selection(
                &t,
                12,
                14,
                &settings(BoundaryMode::Characters),
                &Evidence::default()
            )
            .is_none(),
            "comma and space only"
        );
    }

    #[test]
    fn words_mode_widens_to_whole_words() {
        let t = IndexedText::new(SEED);
        let (s, e) = at(SEED, "الأمم المتحدة");
        let got = snap_selection(
            &t,
            s + 2,
            e - 3,
            &settings(BoundaryMode::Words),
            &Evidence::default(),
        )
        .expect("span");
        assert_eq!(slice(&t, &got), "الأمم المتحدة");
    }

    #[test]
    fn proclitics_are_left_out_only_on_evidence() {
        let t = IndexedText::new(SEED);
        let mode = settings(BoundaryMode::WordsWithoutProclitics);
        let mut ev = Evidence::default();
        ev.add_text_words(SEED);
        // بجنيف: جنيف is not a word alone in the article; unsure -> whole word, trimmed offered.
        let (s, e) = at(SEED, "بجنيف");
        let got = snap_selection(&t, s, e, &mode, &ev).expect("span");
        assert_eq!(slice(&t, &got), "بجنيف");
        assert_eq!(
            got.alternative.and_then(|(a, b)| t.slice(a, b)),
            Some("جنيف")
        );
        // Once جنيف is a known entity, the proclitic goes.
        ev.add_entity("جنيف");
        let got = snap_selection(&t, s, e, &mode, &ev).expect("span");
        assert_eq!(slice(&t, &got), "جنيف");
        assert_eq!(got.alternative, Some((s, e)));
        // بنغازي starts with ب but نغازي is no word: kept whole.
        let (s, e) = at(SEED, "بنغازي");
        let got = snap_selection(&t, s, e, &mode, &ev).expect("span");
        assert_eq!(slice(&t, &got), "بنغازي");
    }

    #[test]
    fn names_from_anercorp_that_start_with_proclitic_letters_stay_whole() {
        // From ANERcorp: بريطانيا, لندن, بيروت are names; وإسرائيل carries و.
        let corpus = "زار بريطانيا ثم لندن و بيروت . قالت إسرائيل إن وإسرائيل";
        let t = IndexedText::new(corpus);
        let mut ev = Evidence::default();
        ev.add_text_words(corpus);
        let mode = settings(BoundaryMode::WordsWithoutProclitics);
        for name in ["بريطانيا", "لندن", "بيروت"] {
            let (s, e) = at(corpus, name);
            assert_eq!(
                slice(&t, &snap_selection(&t, s, e, &mode, &ev).expect("span")),
                name
            );
        }
        let (s, e) = at(corpus, "وإسرائيل");
        assert_eq!(
            slice(&t, &snap_selection(&t, s, e, &mode, &ev).expect("span")),
            "إسرائيل",
            "إسرائيل occurs alone"
        );
    }

    #[test]
    fn the_project_vocabulary_counts_as_evidence() {
        let t = IndexedText::new(SEED);
        let mode = settings(BoundaryMode::WordsWithoutProclitics);
        let (s, e) = at(SEED, "بجنيف");
        let mut ev = Evidence::default();
        ev.add_text_words(SEED);
        assert_eq!(
            slice(&t, &snap_selection(&t, s, e, &mode, &ev).expect("span")),
            "بجنيف"
        );
        // Another document of the project mentions جنيف on its own.
        ev.set_corpus(Arc::new(vocabulary(["عقدت المحادثات في جنيف"])));
        assert_eq!(
            slice(&t, &snap_selection(&t, s, e, &mode, &ev).expect("span")),
            "جنيف"
        );
    }

    #[test]
    fn toggling_the_proclitic_goes_both_ways() {
        let t = IndexedText::new(SEED);
        let (s, e) = at(SEED, "بجنيف");
        let (a, b) = toggle_proclitic(&t, s, e, false).expect("strip");
        assert_eq!(t.slice(a, b), Some("جنيف"));
        assert_eq!(toggle_proclitic(&t, a, b, false), Some((s, e)));
        let (s, e) = at(SEED, "مصطفى");
        assert_eq!(toggle_proclitic(&t, s, e, false), None);
    }
}
