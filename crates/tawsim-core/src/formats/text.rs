//! Plain UTF-8 text. Import: one file = one document (or one per line / paragraph with
//! [`Split`]); CRLF becomes LF and a leading BOM is dropped, before any offsets exist.
//! Documents are named after the file stem (`stem-LINE` when split); meta holds `source`.
//! Export: the documents' texts, separated by a blank line (spans are not written).

use super::{
    Candidate, ExportOptions, ExportReport, FormatError, ImportCtx, LineReader, ProblemKind, Split,
    check_export_cancel, stem, werr,
};
use crate::domain::AnnotatedDocument;
use std::io::Write;
use std::path::Path;

pub(crate) fn import_file(
    file: &Path,
    ctx: &mut ImportCtx<'_>,
    sink: &mut dyn FnMut(AnnotatedDocument) -> Result<(), FormatError>,
) -> Result<(), FormatError> {
    let mut r = LineReader::open(file, true)?;
    let split = ctx.opts.split;
    let base = stem(file);
    let mut buf = String::new();
    let mut first_line = 1usize;
    let mut nul_reported = false;
    let make = |name: String, text: String| {
        let mut meta = crate::domain::Meta::new();
        meta.insert("source".into(), file.display().to_string().into());
        AnnotatedDocument {
            name,
            text,
            meta,
            ..Default::default()
        }
    };
    while let Some(l) = r.next_line(ctx)? {
        let line = l.text.strip_suffix('\r').unwrap_or(l.text).to_string();
        let lno = l.no;
        let had_nl = l.had_newline;
        if !nul_reported && line.contains('\0') {
            nul_reported = true;
            ctx.warn(
                file,
                Some(lno),
                ProblemKind::Nul,
                "the text contains a NUL byte (kept)",
            );
        }
        match split {
            Split::Whole => {
                buf.push_str(&line);
                if had_nl {
                    buf.push('\n');
                }
            }
            Split::Lines => {
                if line.trim().is_empty() {
                    continue;
                }
                let doc = make(format!("{base}-{lno}"), line);
                ctx.finish_doc(file, Some(lno), doc, Vec::<Candidate>::new(), sink)?;
            }
            Split::Paragraphs => {
                if line.trim().is_empty() {
                    if !buf.is_empty() {
                        let doc = make(format!("{base}-{first_line}"), std::mem::take(&mut buf));
                        ctx.finish_doc(file, Some(first_line), doc, Vec::new(), sink)?;
                    }
                    continue;
                }
                if buf.is_empty() {
                    first_line = lno;
                } else {
                    buf.push('\n');
                }
                buf.push_str(&line);
            }
        }
    }
    match split {
        Split::Whole => {
            let doc = make(base, buf);
            ctx.finish_doc(file, None, doc, Vec::new(), sink)?;
        }
        Split::Paragraphs if !buf.is_empty() => {
            let doc = make(format!("{base}-{first_line}"), buf);
            ctx.finish_doc(file, Some(first_line), doc, Vec::new(), sink)?;
        }
        _ => {}
    }
    Ok(())
}

pub(crate) fn export(
    docs: &mut dyn Iterator<Item = AnnotatedDocument>,
    w: &mut dyn Write,
    out: &Path,
    opts: &ExportOptions,
) -> Result<ExportReport, FormatError> {
    let mut report = ExportReport::default();
    for doc in docs {
        check_export_cancel(opts)?;
        if report.documents > 0 {
            w.write_all(b"\n\n").map_err(werr(out))?;
        }
        w.write_all(doc.text.as_bytes()).map_err(werr(out))?;
        report.documents += 1;
    }
    Ok(report)
}
