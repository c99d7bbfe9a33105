//! Proclitic boundaries decided with evidence from a real corpus: ANERcorp's vocabulary
//! (tests/data/corpora) and the sample article.

use std::sync::Arc;
use tawsim_core::domain::boundary::{Evidence, snap_selection, vocabulary};
use tawsim_core::domain::{BoundaryMode, IndexedText, ProjectSettings};

const SEED: &str = include_str!("../../../assets/samples/libya-ceasefire-ar.txt");
const ANERCORP: &str = concat!(
    concat!(env!("CARGO_MANIFEST_DIR"), "/../.."),
    "/tests/data/corpora/anercorp/ANERCorp.txt"
);

fn anercorp_words() -> Vec<String> {
    let text = std::fs::read_to_string(ANERCORP)
        .unwrap_or_else(|e| panic!("{ANERCORP}: {e} (committed under tests/data/corpora)"));
    text.lines()
        .filter_map(|l| l.rsplit_once(' ').map(|(tok, _)| tok.to_string()))
        .collect()
}

fn decide(evidence: &Evidence, sentence: &str, word: &str) -> String {
    let t = IndexedText::new(sentence);
    let b = sentence.find(word).expect("word in sentence");
    let s = sentence[..b].chars().count();
    let e = s + word.chars().count();
    let settings = ProjectSettings {
        boundary: BoundaryMode::WordsWithoutProclitics,
        ..ProjectSettings::default()
    };
    let got = snap_selection(&t, s, e, &settings, evidence).expect("a span");
    t.slice(got.start, got.end).unwrap_or_default().to_string()
}

#[test]
fn anercorp_names_keep_their_letters_and_real_proclitics_go() {
    let words = anercorp_words();
    let mut ev = Evidence::default();
    ev.set_corpus(Arc::new(vocabulary(
        words.iter().map(String::as_str).chain([SEED]),
    )));
    // Names that start with a proclitic letter: the rest is no word of the corpus.
    for name in ["بريطانيا", "لندن", "بيروت", "بغداد", "بنغازي"] {
        assert_eq!(
            decide(&ev, &format!("وصل الوفد إلى {name} أمس"), name),
            name,
            "{name} must stay whole"
        );
    }
    // و + a name the corpus knows alone: the conjunction is left out.
    for (word, name) in [("وإسرائيل", "إسرائيل"), ("وفرنسا", "فرنسا")] {
        assert_eq!(decide(&ev, &format!("بين ليبيا {word} اتفاق"), word), name);
    }
    // From the sample article: بجنيف -> جنيف, because ANERcorp has جنيف as a word of its own;
    // the sample alone does not, and then the whole word is kept (the trimmed one offered).
    assert_eq!(decide(&ev, SEED, "بجنيف"), "جنيف");
    let mut seed_only = Evidence::default();
    seed_only.set_corpus(Arc::new(vocabulary([SEED])));
    assert_eq!(decide(&seed_only, SEED, "بجنيف"), "بجنيف");
}
