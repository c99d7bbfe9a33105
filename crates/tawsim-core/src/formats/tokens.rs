//! Shared by the token formats (CoNLL, HF): tag parsing, the tag decoder that turns a
//! token's tags into spans (nested, several tags a token), and the exporter's tokeniser
//! and tagger.

use super::{ExportOptions, TagScheme};
use crate::domain::arabic::{is_word_char, proclitic_prefixes};
use crate::domain::text::graphemes;
use crate::domain::{OffsetIndex, TaggedSpan};
use std::collections::BTreeSet;

/// One parsed tag: `prefix` is `O` for outside, else one of `B I E S`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag<'a> {
    pub prefix: char,
    pub label: &'a str,
}

/// Parses `O`, `B-X`, `I-X`, `E-X`, `S-X` (and BILOU's `L-X`, `U-X`).
pub(crate) fn parse_tag(s: &str) -> Option<Tag<'_>> {
    if s == "O" {
        return Some(Tag {
            prefix: 'O',
            label: "",
        });
    }
    let mut chars = s.chars();
    let p = chars.next()?;
    let sep = chars.next()?;
    if sep != '-' && sep != '_' {
        return None;
    }
    let label = chars.as_str();
    if label.is_empty() || label.chars().any(char::is_whitespace) {
        return None;
    }
    let prefix = match p {
        'B' | 'I' | 'E' | 'S' => p,
        'L' => 'E',
        'U' => 'S',
        _ => return None,
    };
    Some(Tag { prefix, label })
}

/// A span closed by the decoder: token range `[start, end)`, label, line of its first tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenSpan {
    pub start: usize,
    pub end: usize,
    pub label: String,
    pub line: usize,
}

#[derive(Debug, Clone)]
struct Open {
    start: usize,
    line: usize,
}

/// Decodes tag sequences (one or several tags a token) into token spans. Per label, the
/// open spans are kept outermost first; `n` continuation tags of a label continue the `n`
/// outermost open spans of that label and close the rest.
#[derive(Debug, Default)]
pub(crate) struct TagDecoder {
    pub scheme: TagScheme,
    /// Per label with open spans, those spans (outermost first), in the order the labels
    /// opened: a token has few labels open, so a list beats hashing its labels.
    open: Vec<(String, Vec<Open>)>,
    pub closed: Vec<TokenSpan>,
}

impl TagDecoder {
    pub fn new(scheme: TagScheme) -> Self {
        TagDecoder {
            scheme,
            open: Vec::new(),
            closed: Vec::new(),
        }
    }

    /// Feeds token `tok` (0-based within the document) with its tags. Returns the labels
    /// whose `I-`/`E-` had nothing to continue (repaired by starting a span), for warnings.
    pub fn token(&mut self, tok: usize, tags: &[Tag<'_>], line: usize) -> Vec<String> {
        let mut repaired = Vec::new();
        // Per label, how many of each prefix this token carries (only counts matter).
        let mut by_label: Vec<(&str, PrefixCounts)> = Vec::new();
        for t in tags.iter().filter(|t| t.prefix != 'O') {
            let i = match by_label.iter().position(|(l, _)| *l == t.label) {
                Some(i) => i,
                None => {
                    by_label.push((t.label, PrefixCounts::default()));
                    by_label.len() - 1
                }
            };
            let c = &mut by_label[i].1;
            c.all += 1;
            match t.prefix {
                'I' => c.cont += 1,
                'E' => {
                    c.cont += 1;
                    c.end += 1;
                }
                'S' => c.single += 1,
                _ => {}
            }
        }
        // Labels open but not on this token: close.
        if !self.open.is_empty() {
            let gone: Vec<String> = self
                .open
                .iter()
                .map(|(l, _)| l)
                .filter(|l| !by_label.iter().any(|(x, _)| x == l))
                .cloned()
                .collect();
            for l in gone {
                self.close_label(&l, 0, tok);
            }
        }
        for (label, counts) in by_label {
            let n_cont = counts.cont;
            let n_end = counts.end;
            let n_new = counts.all - n_cont;
            let n_single = counts.single;
            let have = self.open_of(label).map_or(0, |i| self.open[i].1.len());
            // IOB1's B- separates adjacent spans: it closes what it would continue.
            let keep = n_cont.min(have);
            self.close_label(label, keep, tok);
            let at = match self.open_of(label) {
                Some(i) => i,
                None => {
                    self.open.push((label.to_string(), Vec::new()));
                    self.open.len() - 1
                }
            };
            let entry = &mut self.open[at].1;
            for _ in keep..n_cont {
                entry.push(Open { start: tok, line });
                if self.scheme != TagScheme::Iob1 {
                    repaired.push(label.to_string());
                }
            }
            // E-: the innermost continuing spans end with this token.
            let mut ends = Vec::new();
            for _ in 0..n_end {
                if let Some(o) = entry.pop() {
                    ends.push(o);
                }
            }
            for _ in 0..n_new - n_single {
                entry.push(Open { start: tok, line });
            }
            if entry.is_empty() {
                self.open.remove(at);
            }
            for o in ends {
                self.closed.push(TokenSpan {
                    start: o.start,
                    end: tok + 1,
                    label: label.to_string(),
                    line: o.line,
                });
            }
            for _ in 0..n_single {
                self.closed.push(TokenSpan {
                    start: tok,
                    end: tok + 1,
                    label: label.to_string(),
                    line,
                });
            }
        }
        repaired
    }

    /// Closes the open spans of `label` beyond the first `keep`, ending before token `end`.
    fn close_label(&mut self, label: &str, keep: usize, end: usize) {
        let Some(at) = self.open_of(label) else {
            return;
        };
        let v = &mut self.open[at].1;
        while v.len() > keep {
            if let Some(o) = v.pop() {
                self.closed.push(TokenSpan {
                    start: o.start,
                    end,
                    label: label.to_string(),
                    line: o.line,
                });
            }
        }
        if v.is_empty() {
            self.open.remove(at);
        }
    }

    /// Where `label`'s open spans are in `open`.
    fn open_of(&self, label: &str) -> Option<usize> {
        self.open.iter().position(|(l, _)| l == label)
    }

    /// True while any span is open.
    pub fn in_entity(&self) -> bool {
        !self.open.is_empty()
    }

    /// Closes every open span before token `end` (a sentence or document break).
    pub fn close_all(&mut self, end: usize) {
        if self.open.is_empty() {
            return;
        }
        let labels: Vec<String> = self.open.iter().map(|(l, _)| l.clone()).collect();
        for l in labels {
            self.close_label(&l, 0, end);
        }
    }

    /// Takes the closed spans.
    pub fn take(&mut self) -> Vec<TokenSpan> {
        std::mem::take(&mut self.closed)
    }
}

/// `is_word_char` with a fast path for ASCII and the common Arabic letters and digits
/// (all alphabetic or numeric), which otherwise go through the slow Unicode table lookup.
fn word_char(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | '\u{0620}'..='\u{064A}' | '\u{0660}'..='\u{0669}' => {
            true
        }
        _ => is_word_char(c),
    }
}

/// How many tags of one label a token carries, by prefix (`E` counts in `cont` too).
#[derive(Debug, Default, Clone, Copy)]
struct PrefixCounts {
    all: usize,
    cont: usize,
    end: usize,
    single: usize,
}

/// A token of an exported document: code point range.
pub(crate) type Tok = (usize, usize);

/// Tokenises one document for export: lines are sentences; in each, whitespace separates
/// tokens, every punctuation/symbol grapheme is its own token, and (clitic mode) a word is
/// split after a proclitic where a span edge falls. Returns the tokens of each line.
pub(crate) fn tokenize(text: &str, spans: &[TaggedSpan], opts: &ExportOptions) -> Vec<Vec<Tok>> {
    // Span edges and the word's text matter only for clitic splitting.
    let clitics = opts.clitic_tokens;
    let edges: BTreeSet<usize> = if clitics {
        spans.iter().flat_map(|s| [s.start, s.end]).collect()
    } else {
        BTreeSet::new()
    };
    let mut lines = Vec::new();
    let mut cur: Vec<Tok> = Vec::new();
    let mut word: Option<usize> = None;
    let mut pos = 0usize;
    let mut word_text = String::new();
    let flush = |word: &mut Option<usize>, end: usize, cur: &mut Vec<Tok>, wt: &mut String| {
        if let Some(s) = word.take() {
            split_clitics(s, end, wt, &edges, opts, cur);
        }
        wt.clear();
    };
    for g in graphemes(text) {
        let mut chars = g.chars();
        let first = chars.next().unwrap_or(' ');
        let n = 1 + chars.count();
        if first == '\n' || (n > 1 && g.contains('\n')) {
            flush(&mut word, pos, &mut cur, &mut word_text);
            lines.push(std::mem::take(&mut cur));
        } else if first.is_whitespace() {
            flush(&mut word, pos, &mut cur, &mut word_text);
        } else if word_char(first) {
            if word.is_none() {
                word = Some(pos);
            }
            if clitics {
                word_text.push_str(g);
            }
        } else {
            flush(&mut word, pos, &mut cur, &mut word_text);
            cur.push((pos, pos + n));
        }
        pos += n;
    }
    flush(&mut word, pos, &mut cur, &mut word_text);
    lines.push(cur);
    lines.retain(|l| !l.is_empty());
    lines
}

fn split_clitics(
    start: usize,
    end: usize,
    word: &str,
    edges: &BTreeSet<usize>,
    opts: &ExportOptions,
    out: &mut Vec<Tok>,
) {
    let mut s = start;
    if opts.clitic_tokens {
        let mut cuts: Vec<usize> = proclitic_prefixes(word, opts.with_article)
            .into_iter()
            .map(|p| start + p)
            .filter(|c| edges.contains(c))
            .collect();
        cuts.sort_unstable();
        for c in cuts {
            if c > s && c < end {
                out.push((s, c));
                s = c;
            }
        }
    }
    out.push((s, end));
}

/// Tags for each token (outer spans first), with the spans that could not be placed.
/// One tag of a token: `prefix-label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TagCell<'s> {
    pub prefix: char,
    pub label: &'s str,
}

impl TagCell<'_> {
    /// Appends `P-LABEL` to `out`.
    pub fn push_to(&self, out: &mut String) {
        out.push(self.prefix);
        out.push('-');
        out.push_str(self.label);
    }
}

pub(crate) struct Tagged<'s> {
    /// Per line, per token: its tags (empty = `O`).
    pub tags: Vec<Vec<Vec<TagCell<'s>>>>,
    /// Spans left out: not on token edges, crossing a line, or (flat) overlapping.
    pub misaligned: Vec<(TaggedSpan, &'static str)>,
    pub written: usize,
}

/// Assigns tags to the tokens of `lines` for `spans` in `scheme`. With `flat`, a span that
/// overlaps one already placed is left out.
pub(crate) fn assign_tags<'s>(
    lines: &[Vec<Tok>],
    spans: &'s [TaggedSpan],
    scheme: TagScheme,
    flat: bool,
) -> Tagged<'s> {
    // Tokens come in text order and never overlap, so both their starts and their ends are
    // strictly increasing: a binary search finds the token starting (or ending) at an offset.
    let flat_toks: Vec<(Tok, (usize, usize))> = lines
        .iter()
        .enumerate()
        .flat_map(|(li, line)| line.iter().enumerate().map(move |(ti, &t)| (t, (li, ti))))
        .collect();
    let at_start = |s: usize| {
        flat_toks
            .binary_search_by_key(&s, |x| x.0.0)
            .ok()
            .map(|i| flat_toks[i].1)
    };
    let at_end = |e: usize| {
        flat_toks
            .binary_search_by_key(&e, |x| x.0.1)
            .ok()
            .map(|i| flat_toks[i].1)
    };
    let mut sorted: Vec<&TaggedSpan> = spans.iter().collect();
    sorted.sort_by(|a, b| {
        a.start
            .cmp(&b.start)
            .then(b.end.cmp(&a.end))
            .then(a.label.cmp(&b.label))
    });
    let mut tags: Vec<Vec<Vec<TagCell<'s>>>> =
        lines.iter().map(|l| vec![Vec::new(); l.len()]).collect();
    let mut misaligned = Vec::new();
    let mut placed: Vec<(usize, usize, usize, &str)> = Vec::new(); // line, first tok, last tok, label
    for sp in sorted {
        let (Some((l0, t0)), Some((l1, t1))) = (at_start(sp.start), at_end(sp.end)) else {
            misaligned.push((sp.clone(), "does not fall on token edges"));
            continue;
        };
        if l0 != l1 || t1 < t0 {
            misaligned.push((sp.clone(), "crosses a line break"));
            continue;
        }
        if flat
            && placed
                .iter()
                .any(|&(l, a, b, _)| l == l0 && a <= t1 && t0 <= b)
        {
            misaligned.push((sp.clone(), "overlaps another span and the format is flat"));
            continue;
        }
        let adjacent_same = placed
            .iter()
            .any(|&(l, _, b, lab)| l == l0 && b + 1 == t0 && lab == sp.label);
        placed.push((l0, t0, t1, sp.label.as_str()));
        for (t, cell) in tags[l0].iter_mut().enumerate().take(t1 + 1).skip(t0) {
            let p = match scheme {
                TagScheme::Iob2 => {
                    if t == t0 {
                        'B'
                    } else {
                        'I'
                    }
                }
                TagScheme::Iob1 => {
                    if t == t0 && adjacent_same {
                        'B'
                    } else {
                        'I'
                    }
                }
                TagScheme::Bioes => match (t == t0, t == t1) {
                    (true, true) => 'S',
                    (true, false) => 'B',
                    (false, true) => 'E',
                    (false, false) => 'I',
                },
            };
            cell.push(TagCell {
                prefix: p,
                label: sp.label.as_str(),
            });
        }
    }
    let written = placed.len();
    Tagged {
        tags,
        misaligned,
        written,
    }
}

/// A document's text with the domain's offset table, for the text of its tokens. Tokens are
/// asked for in text order, so the last position found is kept: the next one is reached by
/// walking forward over the characters between them, not from the index's checkpoint.
pub(crate) struct TokenText<'t> {
    text: &'t str,
    offsets: OffsetIndex,
    /// The last code point asked for, and its byte offset.
    cursor: std::cell::Cell<(usize, usize)>,
}

impl<'t> TokenText<'t> {
    pub fn new(text: &'t str) -> Self {
        TokenText {
            text,
            offsets: OffsetIndex::new(text),
            cursor: std::cell::Cell::new((0, 0)),
        }
    }

    /// The text of code points `[s, e)` (empty when out of range).
    pub fn slice(&self, s: usize, e: usize) -> &'t str {
        if s > e {
            return "";
        }
        match (self.byte_of(s), self.byte_of(e)) {
            (Some(a), Some(b)) => &self.text[a..b],
            _ => "",
        }
    }

    pub fn tok(&self, t: Tok) -> &'t str {
        self.slice(t.0, t.1)
    }

    /// Byte offset of code point `c` (the text's length for its end).
    fn byte_of(&self, c: usize) -> Option<usize> {
        let byte = self
            .offsets
            .char_to_byte_after(self.text, self.cursor.get(), c)?;
        self.cursor.set((c, byte));
        Some(byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(s: &str) -> Vec<Tag<'_>> {
        s.split_whitespace().filter_map(parse_tag).collect()
    }

    #[test]
    fn word_char_fast_path_matches_is_word_char() {
        for c in ('\u{0620}'..='\u{064A}').chain('\u{0660}'..='\u{0669}') {
            assert!(is_word_char(c), "{c:?}");
        }
        for c in (' '..='~').chain('\u{0600}'..='\u{0700}') {
            assert_eq!(word_char(c), is_word_char(c), "{c:?}");
        }
    }

    #[test]
    fn token_text_slices_by_code_points() {
        let text = "a جنيف 😀 €x";
        let t = TokenText::new(text);
        assert_eq!(t.tok((2, 6)), "جنيف");
        assert_eq!(t.slice(7, 8), "😀");
        assert_eq!(t.slice(9, 11), "€x");
        assert_eq!(t.slice(9, 12), "", "out of range");
        assert_eq!(t.slice(3, 2), "", "reversed");
        // Forward from the last position, backward through the index, and past the end.
        let long = "ab😀ج".repeat(50);
        let t = TokenText::new(&long);
        let chars: Vec<char> = long.chars().collect();
        for (s, e) in [
            (0, 3),
            (4, 9),
            (9, 9),
            (150, 200),
            (2, 7),
            (199, 200),
            (200, 200),
            (190, 201),
            (5, 80),
        ] {
            let want: String = chars
                .get(s..e)
                .map_or(String::new(), |c| c.iter().collect());
            assert_eq!(t.slice(s, e), want, "{s}..{e}");
        }
    }

    #[test]
    fn parse_tags() {
        assert_eq!(
            parse_tag("B-Population-Center").map(|t| t.label),
            Some("Population-Center")
        );
        assert_eq!(parse_tag("O").map(|t| t.prefix), Some('O'));
        assert!(parse_tag("Oالإصابة").is_none());
        assert!(parse_tag("NNP").is_none());
        assert_eq!(parse_tag("U-LOC").map(|t| t.prefix), Some('S'));
    }

    #[test]
    fn decoder_nested_wojood_style() {
        let mut d = TagDecoder::new(TagScheme::Iob2);
        let seq = [
            "B-OCC",
            "I-OCC B-ORG",
            "I-OCC I-ORG",
            "I-OCC I-ORG",
            "I-OCC",
            "I-OCC B-GPE",
            "O",
        ];
        for (i, t) in seq.iter().enumerate() {
            assert!(d.token(i, &tags(t), i + 1).is_empty());
        }
        d.close_all(seq.len());
        let mut got: Vec<(usize, usize, String)> = d
            .take()
            .into_iter()
            .map(|s| (s.start, s.end, s.label))
            .collect();
        got.sort();
        assert_eq!(
            got,
            vec![
                (0, 6, "OCC".into()),
                (1, 4, "ORG".into()),
                (5, 6, "GPE".into())
            ]
        );
    }

    #[test]
    fn decoder_repairs_orphan_i_and_handles_bioes() {
        let mut d = TagDecoder::new(TagScheme::Iob2);
        assert_eq!(d.token(0, &tags("O"), 1), Vec::<String>::new());
        assert_eq!(d.token(1, &tags("I-PER"), 2), vec!["PER".to_string()]);
        d.token(2, &tags("I-PER"), 3);
        d.token(3, &tags("B-PER"), 4);
        d.close_all(4);
        let got: Vec<(usize, usize)> = d.take().into_iter().map(|s| (s.start, s.end)).collect();
        assert_eq!(got, vec![(1, 3), (3, 4)]);

        let mut d = TagDecoder::new(TagScheme::Bioes);
        for (i, t) in ["S-LOC", "B-ORG", "E-ORG", "S-ORG"].iter().enumerate() {
            assert!(d.token(i, &tags(t), 1).is_empty());
        }
        d.close_all(4);
        let mut got: Vec<(usize, usize)> = d.take().into_iter().map(|s| (s.start, s.end)).collect();
        got.sort();
        assert_eq!(got, vec![(0, 1), (1, 3), (3, 4)]);
    }

    #[test]
    fn tokenizer_splits_punctuation_and_guided_clitics() {
        let text = "وصل إلى بجنيف، 5+5";
        let sp = vec![TaggedSpan::new(9, 13, "LOC")];
        let plain = tokenize(text, &sp, &ExportOptions::default());
        let opts = ExportOptions {
            clitic_tokens: true,
            ..Default::default()
        };
        let cl = tokenize(text, &sp, &opts);
        let show = |l: &Vec<Vec<Tok>>| -> Vec<String> {
            l[0].iter()
                .map(|&(s, e)| text.chars().skip(s).take(e - s).collect())
                .collect()
        };
        assert_eq!(show(&plain), ["وصل", "إلى", "بجنيف", "،", "5", "+", "5"]);
        assert_eq!(show(&cl), ["وصل", "إلى", "ب", "جنيف", "،", "5", "+", "5"]);
    }
}
