//! Arabic text rules: normalisation for search and matching with a map back to the original
//! code point offsets, word segmentation, and proclitic candidates (و ف ب ل ك, and ال).
//!
//! Nothing here changes a document's text: normalised strings are derived views.

/// Proclitic letters that attach to the next word: wa, fa, bi, li, ka.
pub const PROCLITICS: [char; 5] = ['و', 'ف', 'ب', 'ل', 'ك'];

/// True for harakat and other Arabic combining marks (fathatan..sukun, superscript alef,
/// Quranic marks).
#[must_use]
pub fn is_haraka(c: char) -> bool {
    matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' | '\u{08D3}'..='\u{08FF}')
}

/// Invisible direction and joining controls that corpora scatter through text.
#[must_use]
pub fn is_invisible_mark(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// True for the Arabic letters (not digits or punctuation).
#[must_use]
pub fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' | '\u{0671}'..='\u{06D3}' | '\u{06FA}'..='\u{06FC}')
}

/// One character's normalised form: `None` drops it.
#[must_use]
pub fn normalise_char(c: char) -> Option<char> {
    if is_haraka(c) || is_invisible_mark(c) || c == '\u{0640}' {
        return None;
    }
    Some(match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' => 'ا',
        'ة' => 'ه',
        'ى' => 'ي',
        c if c.is_ascii_uppercase() => c.to_ascii_lowercase(),
        c => c,
    })
}

/// A normalised view of a text with, for each of its code points, the original one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Normalised {
    pub text: String,
    /// `origin[i]` is the original code point index of normalised code point `i`.
    pub origin: Vec<usize>,
    /// Original text length in code points.
    pub original_len: usize,
}

impl Normalised {
    /// Maps a normalised range `[start, end)` back to the original text. The end lands just
    /// after the last matched original code point; callers widen it to a grapheme boundary
    /// so trailing harakat stay with their letter.
    #[must_use]
    pub fn to_original(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.origin.get(start).copied().unwrap_or(self.original_len);
        let e = if end == 0 {
            s
        } else {
            self.origin
                .get(end - 1)
                .map_or(self.original_len, |&o| o + 1)
        };
        (s, e.max(s))
    }

    #[must_use]
    pub fn len_chars(&self) -> usize {
        self.origin.len()
    }
}

/// Normalises `text` for search: hamza forms of alef -> ا, ة -> ه, ى -> ي, harakat,
/// tatweel and invisible marks removed, ASCII lowercased.
#[must_use]
pub fn normalise(text: &str) -> Normalised {
    let mut out = String::with_capacity(text.len());
    let mut origin = Vec::with_capacity(text.len() / 2);
    let mut n = 0;
    for (i, c) in text.chars().enumerate() {
        if let Some(m) = normalise_char(c) {
            out.push(m);
            origin.push(i);
        }
        n = i + 1;
    }
    Normalised {
        text: out,
        origin,
        original_len: n,
    }
}

/// Normalises a short string (a query or a word) without an offset map.
#[must_use]
pub fn normalise_str(s: &str) -> String {
    s.chars().filter_map(normalise_char).collect()
}

/// True for characters that belong inside a word: letters, digits, harakat, tatweel, and
/// the invisible marks corpora put inside names.
#[must_use]
pub fn is_word_char(c: char) -> bool {
    // Arabic letters first: `is_alphanumeric` looks them up the slow way.
    is_arabic_letter(c)
        || c.is_ascii_alphanumeric()
        || c.is_alphanumeric()
        || is_haraka(c)
        || c == '\u{0640}'
        || is_invisible_mark(c)
        || matches!(c, '\u{0300}'..='\u{036F}')
}

/// Code point ranges `[start, end)` of the words of `text`, in order.
#[must_use]
pub fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    let mut i = 0;
    for c in text.chars() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some(s) = start {
        out.push((s, i));
    }
    // Invisible marks alone are not words.
    let chars: Vec<char> = text.chars().collect();
    out.retain(|&(s, e)| chars[s..e].iter().any(|c| c.is_alphanumeric()));
    out
}

/// The word around code point `pos` (for double-click), if any.
#[must_use]
pub fn word_at(text: &str, pos: usize) -> Option<(usize, usize)> {
    words(text).into_iter().find(|&(s, e)| s <= pos && pos < e)
}

/// What a double-click at code point `pos` selects: a whole token when it is a number, a
/// date, a phone number, an e-mail or a web address (`2024/10/23`, `+218`, `a@b.ly`), else
/// the word at `pos`; on a space or a punctuation mark the nearest word of the token or its
/// neighbour. Quotes, brackets and trailing punctuation around the token are left out.
#[must_use]
pub fn token_at(text: &str, pos: usize) -> Option<(usize, usize)> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return None;
    }
    let mut p = pos.min(chars.len() - 1);
    if chars[p].is_whitespace() {
        if p > 0 && !chars[p - 1].is_whitespace() {
            p -= 1;
        } else if p + 1 < chars.len() && !chars[p + 1].is_whitespace() {
            p += 1;
        } else {
            return None;
        }
    }
    let mut ts = p;
    while ts > 0 && !chars[ts - 1].is_whitespace() {
        ts -= 1;
    }
    let mut te = p + 1;
    while te < chars.len() && !chars[te].is_whitespace() {
        te += 1;
    }
    let inner = |c: char| is_word_char(c);
    let mut a = ts;
    while a < te
        && !inner(chars[a])
        && !(chars[a] == '+' && chars.get(a + 1).is_some_and(char::is_ascii_digit))
    {
        a += 1;
    }
    let mut b = te;
    while b > a && !inner(chars[b - 1]) {
        b -= 1;
    }
    if a >= b {
        return None;
    }
    let token = &chars[a..b];
    let technical = token.iter().any(char::is_ascii_digit)
        || token.contains(&'@')
        || token.windows(3).any(|w| w == [':', '/', '/']);
    if technical {
        return Some((a, b));
    }
    let ws = words(text);
    if let Some(w) = ws.iter().find(|&&(s, e)| s <= p && p < e) {
        return Some(*w);
    }
    // On punctuation: the nearest word inside the token.
    ws.into_iter()
        .filter(|&(s, e)| s >= a && e <= b)
        .min_by_key(|&(s, e)| if p < s { s - p } else { p + 1 - e })
}

/// Trims whitespace, punctuation and invisible marks from both ends of `[start, end)` in
/// `text`, returning the narrowed range (empty ranges come back empty, as `(s, s)`).
#[must_use]
pub fn trim_range(text: &str, start: usize, end: usize) -> (usize, usize) {
    let chars: Vec<char> = text
        .chars()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    let keep = |c: &char| c.is_alphanumeric() || is_haraka(*c);
    let Some(first) = chars.iter().position(keep) else {
        return (start, start);
    };
    let last = chars.iter().rposition(keep).unwrap_or(first);
    // Harakat after the last kept letter stay (they are part of its grapheme).
    let mut e = last + 1;
    while e < chars.len() && is_haraka(chars[e]) {
        e += 1;
    }
    (start + first, start + e)
}

/// Candidate proclitic prefix lengths (in code points) of a word, longest first, leaving a
/// remainder of at least two letters: e.g. وفرنسا -> [1]; بالفيروس -> [3, 1] with the
/// article, [1] without; للأمم -> [2, 1] (li + the article's lam) with the article.
#[must_use]
pub fn proclitic_prefixes(word: &str, with_article: bool) -> Vec<usize> {
    let letters: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    // conjunction (و or ف), then a preposition (ب ل ك), then the article.
    if letters.first().is_some_and(|c| matches!(c, 'و' | 'ف')) {
        i = 1;
        out.push(i);
    }
    if letters.get(i).is_some_and(|c| matches!(c, 'ب' | 'ل' | 'ك')) {
        i += 1;
        out.push(i);
    }
    if with_article {
        if letters.get(i..i + 2) == Some(&['ا', 'ل'][..]) {
            out.push(i + 2);
        } else if i > 0 && letters[i - 1] == 'ل' && letters.get(i) == Some(&'ل') {
            // لل = li + al with the alef dropped.
            out.push(i + 1);
        }
    }
    out.retain(|&p| {
        letters.len().saturating_sub(p) >= 2
            && letters[p..]
                .iter()
                .filter(|c| is_arabic_letter(**c))
                .count()
                >= 2
    });
    out.sort_unstable_by(|a, b| b.cmp(a));
    out.dedup();
    out
}

/// Grapheme count helper for display code that must not split clusters.
#[must_use]
pub fn grapheme_count(s: &str) -> usize {
    super::text::graphemes(s).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(text: &str, at: &str, offset: usize) -> String {
        let b = text.find(at).expect("in text");
        let pos = text[..b].chars().count() + offset;
        token_at(text, pos)
            .map(|(s, e)| text.chars().skip(s).take(e - s).collect())
            .unwrap_or_default()
    }

    #[test]
    fn double_click_takes_whole_technical_tokens() {
        let t = "اتصل على +218 91 في 2024/10/23 أو اكتب إلى info@un.org، أو https://unsmil.org.";
        assert_eq!(token(t, "+218", 2), "+218");
        assert_eq!(token(t, "+218", 0), "+218");
        assert_eq!(token(t, "2024/10/23", 5), "2024/10/23");
        assert_eq!(
            token(t, "info@un.org", 6),
            "info@un.org",
            "the comma stays out"
        );
        assert_eq!(token(t, "https", 9), "https://unsmil.org");
    }

    #[test]
    fn double_click_on_punctuation_or_a_space_takes_the_nearest_word() {
        let t = "قائد “القيادة العامة”، خليفة حفتر";
        assert_eq!(token(t, "“", 0), "القيادة", "on the opening quote");
        assert_eq!(token(t, "”،", 1), "العامة", "on the comma");
        assert_eq!(
            token(t, " خليفة", 0),
            "العامة",
            "a space goes to the token before it"
        );
        assert_eq!(token(t, "خليفة", 2), "خليفة");
    }

    #[test]
    fn normalisation_folds_hamza_taa_marbuta_alef_maqsura_and_drops_marks() {
        assert_eq!(normalise_str("أإآا"), "اااا");
        assert_eq!(normalise_str("المتحدة"), "المتحده");
        assert_eq!(normalise_str("إلى"), "الي");
        assert_eq!(normalise_str("وقّع"), "وقع");
        assert_eq!(normalise_str("جـنـيف"), "جنيف");
        assert_eq!(normalise_str("\u{200E}جنيف\u{200F}"), "جنيف");
        assert_eq!(normalise_str("UNSMIL"), "unsmil");
    }

    #[test]
    fn normalised_match_maps_back_to_original_offsets() {
        let text = "\u{200E}وقّعَ الاتفاقُ في جنيف";
        let n = normalise(text);
        let q = normalise_str("وقع");
        let at = n
            .text
            .find(&q)
            .map(|b| n.text[..b].chars().count())
            .expect("found");
        let (s, e) = n.to_original(at, at + q.chars().count());
        let orig: String = text.chars().skip(s).take(e - s).collect();
        assert_eq!((s, orig.as_str()), (1, "وقّع"));
        // The fatha after ع is outside [s,e) but in the same grapheme: callers snap to it.
        assert_eq!(text.chars().nth(e), Some('\u{064E}'));
    }

    #[test]
    fn words_and_trimming() {
        let text = "في جنيف، (UNSMIL) 5+5";
        let w: Vec<String> = words(text)
            .into_iter()
            .map(|(s, e)| text.chars().skip(s).take(e - s).collect())
            .collect();
        assert_eq!(w, ["في", "جنيف", "UNSMIL", "5", "5"]);
        assert_eq!(word_at(text, 4), Some((3, 7)));
        assert_eq!(trim_range(text, 2, 9), (3, 7), "space and comma trimmed");
        assert_eq!(trim_range(text, 7, 9), (7, 7));
    }

    #[test]
    fn proclitic_candidates() {
        assert_eq!(proclitic_prefixes("وفرنسا", false), vec![1]);
        assert_eq!(proclitic_prefixes("بجنيف", false), vec![1]);
        assert_eq!(proclitic_prefixes("بالفيروس", true), vec![3, 1]);
        assert_eq!(proclitic_prefixes("الفيروس", true), vec![2]);
        assert_eq!(proclitic_prefixes("للأمم", true), vec![2, 1]);
        assert_eq!(
            proclitic_prefixes("وب", false),
            Vec::<usize>::new(),
            "remainder too short"
        );
        assert!(proclitic_prefixes("مصر", true).is_empty());
    }
}
