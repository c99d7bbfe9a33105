//! CoNLL token-per-line files with IOB2 (default), IOB1 or BIOES tags.
//!
//! Import. A line is `token TAG [TAG...]`, separated by spaces, or by tabs when the line
//! holds a tab; a trailing `\r` is dropped and a BOM at the start of the file too. A blank
//! line (or one holding only spaces/tabs) ends a sentence; `-DOCSTART-` starts a document.
//! A document's text is its tokens joined by one space, sentences joined by `\n`; spans
//! cover token ranges. Tags: by default the trailing run of tag-looking columns after the
//! token (several = nested spans, Wojood); columns between the token and the tags are
//! POS-like columns (ASCII, ignored; only the last tag counts then) or, when not ASCII, part
//! of a token holding a space (ANERcorp; kept, warned). `tag_column` picks one column.
//!
//! Quirks handled: an empty token (` O`) is skipped with a warning; a space before a token
//! (` فيرسلاين B-PERS`) is dropped with a warning; two lines run together
//! (`. Oالإصابة O`: a tag glued to the next token) are split in two with a warning; `I-`
//! without `B-` starts a span (counted in `repaired`, warned); Wojood's `$#$ O` marks a line
//! break of the source text and becomes `\n`, not a token.
//!
//! Documents: if the file's first non-blank line is `-DOCSTART-`, documents are exactly
//! the `-DOCSTART-` sections. Otherwise (ANERcorp, NewsFANE, Wojood) a document is cut at
//! the first sentence end once it holds [`ImportOptions::max_doc_tokens`](super::ImportOptions)
//! tokens. The file's own breaks come first: a blank line or `$#$` always ends a document that
//! long. A `.`/`!`/`?`/`؟` token outside any entity ends one only in a run of lines with no
//! break of its own: when no blank line, `$#$`, `-DOCSTART-` or name line comes within
//! `max_doc_tokens` lines after it (ANERcorp has none at all); each such cut is a
//! [`ProblemKind::DocumentCut`] warning naming the line of the token.
//! A `# name = NAME` line names the next document (the one it is in if that has no token
//! yet, else it starts one); other documents are named `stem-N` (N from 1 in each file,
//! counting every document). A token line `# TAG` stays a token.
//!
//! Export ([`ConllDialect::Conll2003`], the default). `-DOCSTART- O`, `# name = NAME` (line
//! breaks in the name written as spaces) and a blank line start each document, so the name
//! line is part of the `-DOCSTART-` block that readers skipping it (or `#` comment lines, as
//! CoNLL-U readers do) leave out; each text line is a sentence followed by a blank line; tokens
//! come from [`tokens::tokenize`]; nested spans give several tag columns, outer span first,
//! separated by spaces. Spans off token edges are reported. [`ConllDialect::Tab`] is the same
//! with TAB separators. [`ConllDialect::Doccano`] writes what doccano's CoNLL import reads:
//! `token<TAB>TAG` lines only, a blank line after each sentence (and so between documents),
//! no `-DOCSTART-` and no name line; a nested span is not written (reported). CoNLL has no
//! relations and no document labels: a document's are not written, and reported as left out
//! (one problem per document for each, with how many).

use super::tokens::{self, Tag, TagDecoder, parse_tag};
use super::{
    Candidate, ConllDialect, ExportOptions, ExportReport, FormatError, ImportCtx, LineReader,
    Problem, ProblemKind, check_export_cancel, stem, werr,
};
use crate::domain::AnnotatedDocument;
use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

/// One token as read from a line.
#[derive(Debug, PartialEq, Eq)]
struct ParsedToken<'a> {
    token: Cow<'a, str>,
    tags: Vec<Tag<'a>>,
}

#[derive(Debug, PartialEq, Eq)]
enum LineParse<'a> {
    Tokens {
        toks: Vec<ParsedToken<'a>>,
        merged: bool,
        with_space: bool,
    },
    Error(ProblemKind, String),
}

fn is_pos_like(f: &str) -> bool {
    f.bytes().all(|b| b.is_ascii_graphic())
}

/// A field that is a tag glued to the next token: (tag, rest).
fn glued_tag(f: &str) -> Option<(&str, &str)> {
    let cut = f.find(|c: char| !c.is_ascii())?;
    let (p, rest) = f.split_at(cut);
    (!p.is_empty() && parse_tag(p).is_some()).then_some((p, rest))
}

fn parse_fields<'a>(
    fields: &[&'a str],
    leading_ws: bool,
    tag_column: Option<usize>,
) -> LineParse<'a> {
    if let Some(k) = tag_column {
        let Some(t) = fields.get(k) else {
            return LineParse::Error(ProblemKind::BadTag, format!("no column {k} for the tag"));
        };
        let Some(tag) = parse_tag(t) else {
            return LineParse::Error(ProblemKind::BadTag, format!("{t:?} is not a tag"));
        };
        // The token is the first field present (a space before it is dropped, and warned).
        let token = fields.first().copied().unwrap_or_default();
        return LineParse::Tokens {
            toks: vec![ParsedToken {
                token: Cow::Borrowed(token),
                tags: vec![tag],
            }],
            merged: false,
            with_space: false,
        };
    }
    let min_start = usize::from(!leading_ws);
    let mut run = fields.len();
    while run > min_start && parse_tag(fields[run - 1]).is_some() {
        run -= 1;
    }
    if run == fields.len() {
        return LineParse::Error(ProblemKind::BadTag, "no tag on this line".into());
    }
    let tags: Vec<Tag<'a>> = fields[run..].iter().filter_map(|f| parse_tag(f)).collect();
    let head = &fields[..run];
    // Two lines run together: a middle field is a tag glued to the next token.
    if head.len() >= 2 {
        for i in 1..head.len() {
            if let Some((tag, rest)) = glued_tag(head[i]) {
                let mut first: Vec<&str> = head[..i].to_vec();
                first.push(tag);
                let mut second: Vec<&str> = vec![rest];
                second.extend_from_slice(&head[i + 1..]);
                second.extend_from_slice(&fields[run..]);
                let (a, b) = (
                    parse_fields(&first, leading_ws, None),
                    parse_fields(&second, false, None),
                );
                if let (
                    LineParse::Tokens {
                        toks: mut ta,
                        with_space: wa,
                        ..
                    },
                    LineParse::Tokens {
                        toks: tb,
                        with_space: wb,
                        ..
                    },
                ) = (a, b)
                {
                    ta.extend(tb);
                    return LineParse::Tokens {
                        toks: ta,
                        merged: true,
                        with_space: wa || wb,
                    };
                }
            }
        }
    }
    if head.len() <= 1 {
        let token = head.first().copied().unwrap_or_default();
        return LineParse::Tokens {
            toks: vec![ParsedToken {
                token: Cow::Borrowed(token),
                tags,
            }],
            merged: false,
            with_space: false,
        };
    }
    if head[1..].iter().all(|f| is_pos_like(f)) {
        // token POS ... TAG: only the last tag counts.
        let tags = tags.into_iter().last().into_iter().collect();
        return LineParse::Tokens {
            toks: vec![ParsedToken {
                token: Cow::Borrowed(head[0]),
                tags,
            }],
            merged: false,
            with_space: false,
        };
    }
    LineParse::Tokens {
        toks: vec![ParsedToken {
            token: Cow::Owned(head.join(" ")),
            tags,
        }],
        merged: false,
        with_space: true,
    }
}

/// Whether the line's token column begins with a space that is not the whole column: the
/// token loses it (fields are split on and trimmed of spaces), so the import warns.
fn leading_space(line: &str) -> bool {
    let first = line.split('\t').next().unwrap_or_default();
    first.starts_with(' ') && !first.trim_matches(' ').is_empty()
}

/// The document name a `# name = NAME` comment line gives (empty: none).
fn name_comment(line: &str) -> Option<&str> {
    let rest = line.strip_prefix("# name =")?;
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

fn parse_line(line: &str, tag_column: Option<usize>) -> LineParse<'_> {
    if line.contains('\t') {
        let fields: Vec<&str> = line.split('\t').map(|f| f.trim_matches(' ')).collect();
        let leading_ws = fields.first().is_some_and(|f| f.is_empty());
        let rest: Vec<&str> = fields.iter().copied().filter(|f| !f.is_empty()).collect();
        parse_fields(&rest, leading_ws, tag_column)
    } else {
        let leading_ws = line.starts_with(' ');
        let fields: Vec<&str> = line.split(' ').filter(|f| !f.is_empty()).collect();
        parse_fields(&fields, leading_ws, tag_column)
    }
}

/// The document being built.
struct DocState {
    text: String,
    chars: usize,
    tokens: Vec<(usize, usize)>,
    decoder: TagDecoder,
    pending_break: bool,
    first_line: usize,
    /// From a `# name = NAME` line.
    name: Option<String>,
}

impl DocState {
    fn new(ctx: &ImportCtx<'_>) -> Self {
        DocState {
            text: String::new(),
            chars: 0,
            tokens: Vec::new(),
            decoder: TagDecoder::new(ctx.opts.scheme),
            pending_break: false,
            first_line: 0,
            name: None,
        }
    }

    fn sentence_break(&mut self) {
        self.decoder.close_all(self.tokens.len());
        self.pending_break = true;
    }
}

/// What an import keeps from line to line besides the document being built.
struct Importer<'f> {
    file: &'f Path,
    base: String,
    max: usize,
    /// `Some(true)` when documents are `-DOCSTART-` sections, decided at the first line.
    docstart_mode: Option<bool>,
    doc: DocState,
    n_doc: usize,
    /// Lines that break a run ([`break_lines`]), read when a cut at a full stop is first
    /// considered; with the index of the first one not yet passed.
    breaks: Option<(Vec<usize>, usize)>,
}

type Sink<'s> = dyn FnMut(AnnotatedDocument) -> Result<(), FormatError> + 's;

impl Importer<'_> {
    fn finish(&mut self, ctx: &mut ImportCtx<'_>, sink: &mut Sink<'_>) -> Result<(), FormatError> {
        finish(
            self.file,
            ctx,
            &self.base,
            &mut self.n_doc,
            &mut self.doc,
            sink,
        )
    }

    /// A `# name = NAME` line names the next document: the one being read if it has no token
    /// yet, else (the line is inside a document) one that starts here.
    fn name(
        &mut self,
        ctx: &mut ImportCtx<'_>,
        sink: &mut Sink<'_>,
        name: &str,
    ) -> Result<(), FormatError> {
        if !self.doc.tokens.is_empty() {
            self.finish(ctx, sink)?;
        }
        self.doc.name = (!name.trim().is_empty()).then(|| name.to_string());
        Ok(())
    }

    /// A sentence end in a file without `-DOCSTART-`: cut the document once it is long enough.
    fn cut_if_long(
        &mut self,
        ctx: &mut ImportCtx<'_>,
        sink: &mut Sink<'_>,
    ) -> Result<(), FormatError> {
        if self.docstart_mode == Some(false) && self.max > 0 && self.doc.tokens.len() >= self.max {
            self.finish(ctx, sink)?;
        }
        Ok(())
    }

    /// A sentence-ending token (outside any entity) on line `lno` of a file without
    /// `-DOCSTART-`: cut a long document here only when the file has no break of its own
    /// within `max` lines, and say so.
    fn cut_at_stop(
        &mut self,
        ctx: &mut ImportCtx<'_>,
        sink: &mut Sink<'_>,
        lno: usize,
        token: &str,
    ) -> Result<(), FormatError> {
        if !(self.docstart_mode == Some(false) && self.max > 0 && self.doc.tokens.len() >= self.max)
        {
            return Ok(());
        }
        if self.breaks.is_none() {
            self.breaks = Some((break_lines(self.file, ctx)?, 0));
        }
        if let Some((breaks, next)) = &mut self.breaks {
            while breaks.get(*next).is_some_and(|&b| b <= lno) {
                *next += 1;
            }
            if breaks.get(*next).is_some_and(|&b| b - lno <= self.max) {
                // The file breaks the run soon: the document ends there.
                return Ok(());
            }
        }
        ctx.warn(
            self.file,
            Some(lno),
            ProblemKind::DocumentCut,
            format!(
                "document cut after {token:?} at {} tokens: no blank line within {} lines \
                 (documents end at the file's own blank lines where it has them)",
                self.doc.tokens.len(),
                self.max
            ),
        );
        self.finish(ctx, sink)
    }

    fn token(
        &mut self,
        ctx: &mut ImportCtx<'_>,
        sink: &mut Sink<'_>,
        lno: usize,
        token: &str,
        tags: &[Tag<'_>],
    ) -> Result<(), FormatError> {
        if token.is_empty() {
            ctx.warn(
                self.file,
                Some(lno),
                ProblemKind::EmptyToken,
                "empty token; skipped",
            );
            return Ok(());
        }
        let doc = &mut self.doc;
        if token == "$#$" && tags.iter().all(|t| t.prefix == 'O') {
            // Wojood's marker for a line break in the source text.
            doc.sentence_break();
            return self.cut_if_long(ctx, sink);
        }
        if doc.tokens.is_empty() {
            doc.first_line = lno;
        } else if doc.pending_break {
            doc.text.push('\n');
            doc.chars += 1;
        } else {
            doc.text.push(' ');
            doc.chars += 1;
        }
        doc.pending_break = false;
        let n = token.chars().count();
        doc.text.push_str(token);
        let idx = doc.tokens.len();
        doc.tokens.push((doc.chars, doc.chars + n));
        doc.chars += n;
        for label in doc.decoder.token(idx, tags, lno) {
            ctx.report.repaired += 1;
            ctx.warn(
                self.file,
                Some(lno),
                ProblemKind::Repaired,
                format!("I-{label} without B-{label}: starts an entity"),
            );
        }
        let sentence_end = matches!(token, "." | "!" | "?" | "؟");
        if sentence_end && !self.doc.decoder.in_entity() {
            self.cut_at_stop(ctx, sink, lno, token)?;
        }
        Ok(())
    }
}

/// The 1-based numbers of the lines of `file` that break a run of token lines, as the import
/// reads them: blank (spaces and tabs only, after a `\r`), Wojood's `$#$` marker with `O`
/// tags, `-DOCSTART-`, and `# name =`. A pass over the bytes (invalid UTF-8 included), not
/// counted as progress.
fn break_lines(file: &Path, ctx: &ImportCtx<'_>) -> Result<Vec<usize>, FormatError> {
    use std::io::BufRead;
    let io = |e| FormatError::io(file, e);
    let f = std::fs::File::open(file).map_err(io)?;
    let mut r = std::io::BufReader::with_capacity(1 << 16, f);
    let mut buf = Vec::new();
    let mut out = Vec::new();
    let mut no = 0usize;
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf).map_err(io)? == 0 {
            break;
        }
        no += 1;
        if no.is_multiple_of(65_536) {
            ctx.check_cancel()?;
        }
        let l = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let l = if no == 1 {
            l.strip_prefix("\u{FEFF}".as_bytes()).unwrap_or(l)
        } else {
            l
        };
        if is_break_line(l) {
            out.push(no);
        }
    }
    Ok(out)
}

fn is_break_line(l: &[u8]) -> bool {
    if l.iter().all(|&b| b == b' ' || b == b'\t')
        || l.starts_with(b"-DOCSTART-")
        || l.starts_with(b"# name =")
    {
        return true;
    }
    let mut fields = l
        .split(|&b| b == b' ' || b == b'\t')
        .filter(|f| !f.is_empty());
    fields.next() == Some(b"$#$".as_slice()) && {
        let mut tags = fields.peekable();
        tags.peek().is_some() && tags.all(|t| t == b"O")
    }
}

/// The common line `token TAG` (one space, no tab, no NUL): split without allocating.
fn simple_line(line: &str) -> Option<(&str, Tag<'_>)> {
    let bytes = line.as_bytes();
    let mut space = None;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b' ' if space.is_none() => space = Some(i),
            b' ' | b'\t' | 0 => return None,
            _ => {}
        }
    }
    let i = space?;
    if i == 0 {
        return None;
    }
    Some((&line[..i], parse_tag(&line[i + 1..])?))
}

pub(crate) fn import_file(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut Sink<'_>,
) -> Result<(), FormatError> {
    let mut r = LineReader::open(file, true)?;
    let tag_column = ctx.opts.tag_column;
    let mut im = Importer {
        file,
        base: stem(file),
        max: ctx.opts.max_doc_tokens,
        docstart_mode: None,
        doc: DocState::new(ctx),
        n_doc: 0,
        breaks: None,
    };
    let mut last_line_no_newline = None;
    while let Some(l) = r.next_line(ctx)? {
        let lno = l.no;
        last_line_no_newline = (!l.had_newline).then_some(lno);
        let line = l.text.strip_suffix('\r').unwrap_or(l.text);
        if line.trim_matches([' ', '\t']).is_empty() {
            im.doc.sentence_break();
            im.cut_if_long(ctx, sink)?;
            continue;
        }
        if let Some(name) = name_comment(line) {
            im.name(ctx, sink, name)?;
            continue;
        }
        if line.starts_with("-DOCSTART-") {
            if im.docstart_mode.is_none() {
                im.docstart_mode = Some(true);
            }
            im.finish(ctx, sink)?;
            continue;
        }
        if im.docstart_mode.is_none() {
            im.docstart_mode = Some(false);
        }
        if tag_column.is_none()
            && let Some((token, tag)) = simple_line(line)
        {
            im.token(ctx, sink, lno, token, &[tag])?;
            continue;
        }
        if let Some(b) = line.find('\0') {
            let byte = l.start + b as u64;
            ctx.error(
                file,
                Some(lno),
                ProblemKind::Nul,
                format!("NUL byte at byte {byte}; line skipped"),
            );
            continue;
        }
        let (toks, merged, with_space) = match parse_line(line, tag_column) {
            LineParse::Tokens {
                toks,
                merged,
                with_space,
            } => (toks, merged, with_space),
            LineParse::Error(kind, msg) => {
                ctx.error(file, Some(lno), kind, format!("{msg}; line skipped"));
                continue;
            }
        };
        if leading_space(line)
            && let Some(t) = toks.first()
            && !t.token.is_empty()
        {
            ctx.warn(
                file,
                Some(lno),
                ProblemKind::LeadingSpace,
                format!(
                    "token {:?} begins with a space; the space is dropped",
                    t.token
                ),
            );
        }
        if merged {
            ctx.warn(
                file,
                Some(lno),
                ProblemKind::MissingNewline,
                format!("two lines run together in {line:?}; split into two tokens"),
            );
        }
        if with_space {
            ctx.warn(
                file,
                Some(lno),
                ProblemKind::TokenWithSpace,
                format!(
                    "token {:?} holds a space; kept",
                    toks.first().map_or("", |t| t.token.as_ref())
                ),
            );
        }
        for t in toks {
            im.token(ctx, sink, lno, &t.token, &t.tags)?;
        }
    }
    im.finish(ctx, sink)?;
    if let Some(l) = last_line_no_newline {
        ctx.warn(
            file,
            Some(l),
            ProblemKind::NoFinalNewline,
            "the file does not end with a newline",
        );
    }
    Ok(())
}

fn finish(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    base: &str,
    n_doc: &mut usize,
    doc: &mut DocState,
    sink: &mut Sink<'_>,
) -> Result<(), FormatError> {
    // The next document is likely about as long as this one: size it so, once.
    let mut next = DocState::new(ctx);
    next.text.reserve(doc.text.len() + doc.text.len() / 8);
    next.tokens.reserve(doc.tokens.len() + doc.tokens.len() / 8);
    let mut d = std::mem::replace(doc, next);
    if d.tokens.is_empty() {
        // A name line before `-DOCSTART-`, or a document without tokens: the name is the
        // next document's.
        doc.name = d.name;
        return Ok(());
    }
    d.decoder.close_all(d.tokens.len());
    let cands: Vec<Candidate> = d
        .decoder
        .take()
        .into_iter()
        .map(|s| Candidate {
            start: d.tokens[s.start].0,
            end: d.tokens[s.end - 1].1,
            label: s.label,
            expected: None,
            line: Some(s.line),
        })
        .collect();
    *n_doc += 1;
    let out = AnnotatedDocument {
        name: d.name.unwrap_or_else(|| format!("{base}-{n_doc}")),
        text: d.text,
        ..Default::default()
    };
    ctx.finish_doc(file, Some(d.first_line), out, cands, sink)
}

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    w: &mut dyn Write,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let mut report = ExportReport::default();
    let mut buf = String::new();
    for doc in docs {
        check_export_cancel(opts)?;
        let bytes = tokens::TokenText::new(&doc.text);
        let lines = tokens::tokenize(&doc.text, &doc.spans, opts);
        let dialect = opts.conll_dialect;
        // doccano reads exactly two columns: a nested span has no column to go in.
        let flat = dialect == ConllDialect::Doccano;
        let sep = if dialect == ConllDialect::Conll2003 {
            ' '
        } else {
            '\t'
        };
        let tagged = tokens::assign_tags(&lines, &doc.spans, opts.scheme, flat);
        for (sp, why) in tagged.misaligned {
            let msg = format!(
                "document {:?}: span [{}, {}) {} {:?} {why}; not written",
                doc.name,
                sp.start,
                sp.end,
                sp.label,
                bytes.slice(sp.start, sp.end)
            );
            report
                .misaligned
                .push(Problem::new(out, None, ProblemKind::Misaligned, msg));
        }
        if !doc.relations.is_empty() {
            let n = doc.relations.len();
            report.relations_left(
                out,
                n,
                format!(
                    "document {:?}: {n} relation(s) not written: CoNLL has no relations",
                    doc.name
                ),
            );
        }
        if !doc.doc_labels.is_empty() {
            let n = doc.doc_labels.len();
            report.doc_labels_left(
                out,
                n,
                format!(
                    "document {:?}: {n} document label(s) not written ({}): CoNLL has no \
                     document labels",
                    doc.name,
                    doc.doc_labels.join(", ")
                ),
            );
        }
        buf.clear();
        if dialect != ConllDialect::Doccano {
            buf.push_str("-DOCSTART-");
            buf.push(sep);
            buf.push_str("O\n# name = ");
            // One line: a line break in a name would end the comment.
            buf.extend(
                doc.name
                    .chars()
                    .map(|c| if c == '\n' || c == '\r' { ' ' } else { c }),
            );
            buf.push_str("\n\n");
        }
        for (line, tags) in lines.iter().zip(&tagged.tags) {
            for (&tok, t) in line.iter().zip(tags) {
                buf.push_str(bytes.tok(tok));
                if t.is_empty() {
                    buf.push(sep);
                    buf.push('O');
                }
                for tag in t {
                    buf.push(sep);
                    tag.push_to(&mut buf);
                }
                buf.push('\n');
            }
            buf.push('\n');
        }
        w.write_all(buf.as_bytes()).map_err(werr(out))?;
        report.documents += 1;
        report.spans += tagged.written;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(line: &str) -> Vec<(String, Vec<String>)> {
        match parse_line(line, None) {
            LineParse::Tokens { toks, .. } => toks
                .into_iter()
                .map(|t| {
                    (
                        t.token.into_owned(),
                        t.tags
                            .into_iter()
                            .map(|t| format!("{}-{}", t.prefix, t.label))
                            .collect(),
                    )
                })
                .collect(),
            LineParse::Error(_, m) => panic!("{m}"),
        }
    }

    #[test]
    fn the_fast_path_reads_lines_as_the_general_parser_does() {
        let lines = [
            "ألمانيا B-LOC",
            "B-LOC O",
            "O O",
            "tok I_PER",
            "Oالإصابة O",
            "، O",
            "x S-ORG",
            // Not for the fast path: the general parser decides.
            " O",
            "tok  O",
            "tok O ",
            "tok NNP O",
            "tok\tO",
            "a\0b O",
            "tok",
            "tok NOTATAG",
        ];
        let mut fast = 0;
        for line in lines {
            if let Some((token, tag)) = simple_line(line) {
                fast += 1;
                assert_eq!(
                    parse_line(line, None),
                    LineParse::Tokens {
                        toks: vec![ParsedToken {
                            token: Cow::Borrowed(token),
                            tags: vec![tag],
                        }],
                        merged: false,
                        with_space: false,
                    },
                    "{line:?}"
                );
            }
        }
        assert_eq!(fast, 7);
    }

    #[test]
    fn line_shapes() {
        assert_eq!(
            toks("ألمانيا B-LOC"),
            vec![("ألمانيا".into(), vec!["B-LOC".into()])]
        );
        assert_eq!(
            toks("\u{200E}د\tB-Media"),
            vec![("\u{200E}د".into(), vec!["B-Media".into()])]
        );
        assert_eq!(toks(" O"), vec![(String::new(), vec!["O-".into()])]);
        assert_eq!(toks("فلسطين I-ORG I-ORG B-GPE").len(), 1);
        assert_eq!(toks("فلسطين I-ORG I-ORG B-GPE")[0].1.len(), 3);
        assert_eq!(
            toks("الأمن\u{200F}1706 \u{200F} I-ORG")[0].0,
            "الأمن\u{200F}1706 \u{200F}"
        );
        assert_eq!(
            toks("EU NNP B-NP B-ORG"),
            vec![("EU".into(), vec!["B-ORG".into()])]
        );
        let merged = toks(". Oالإصابة O");
        assert_eq!(
            merged,
            vec![
                (".".into(), vec!["O-".into()]),
                ("الإصابة".into(), vec!["O-".into()])
            ]
        );
        assert!(matches!(
            parse_line("word", None),
            LineParse::Error(ProblemKind::BadTag, _)
        ));
    }
}
