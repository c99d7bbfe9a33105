//! Reading input files: a line reader over bytes that checks UTF-8 and tracks line numbers,
//! and a whole-file UTF-8 read, both naming the file and line of invalid bytes.

use super::{FormatError, ImportCtx, ProblemKind};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// A line-by-line reader over bytes that checks UTF-8, tracks line numbers and byte
/// positions, drops a leading BOM (when asked), and reports progress and cancellation.
pub(crate) struct LineReader<'p> {
    inner: BufReader<Box<dyn Read>>,
    pub file: &'p Path,
    buf: Vec<u8>,
    /// Bytes of the read buffer holding the line last returned, consumed on the next call.
    pending: usize,
    /// 1-based number of the line last returned.
    pub line: usize,
    /// Byte offset of the start of the line last returned.
    pub line_start: u64,
    pos: u64,
    strip_bom: bool,
    /// Whether the line last returned ended with `\n`.
    pub had_newline: bool,
    /// Whether the file began with a BOM (dropped).
    pub had_bom: bool,
    /// Bytes of a BOM at the start of the current line (dropped): 3 or 0.
    bom: usize,
}

impl<'p> LineReader<'p> {
    pub fn open(file: &'p Path, strip_bom: bool) -> Result<Self, FormatError> {
        let f = std::fs::File::open(file).map_err(|e| FormatError::io(file, e))?;
        Ok(Self::from_reader(Box::new(f), file, strip_bom))
    }

    pub fn from_reader(r: Box<dyn Read>, file: &'p Path, strip_bom: bool) -> Self {
        LineReader {
            inner: BufReader::with_capacity(1 << 16, r),
            file,
            buf: Vec::new(),
            pending: 0,
            line: 0,
            line_start: 0,
            pos: 0,
            strip_bom,
            had_newline: true,
            had_bom: false,
            bom: 0,
        }
    }

    /// The next line without its `\n` (a `\r` before it is kept: callers decide), or
    /// `None` at the end of the file. A line that is not valid UTF-8 stops a strict import
    /// with [`FormatError::InvalidUtf8`]; a lenient one lists it (file, line and byte) as
    /// [`ProblemKind::Unreadable`] and reads on.
    pub fn next_line(&mut self, ctx: &mut ImportCtx<'_>) -> Result<Option<Line<'_>>, FormatError> {
        loop {
            if !self.advance(ctx)? {
                return Ok(None);
            }
            if !ctx.opts.lenient {
                break;
            }
            let Err(e) = crate::utf8(self.bytes()) else {
                break;
            };
            let byte = self.bad_byte(&e);
            ctx.error(
                self.file,
                Some(self.line),
                ProblemKind::Unreadable,
                format!("invalid UTF-8 at byte {byte}; line skipped"),
            );
        }
        match crate::utf8(self.bytes()) {
            Ok(text) => Ok(Some(Line {
                text,
                no: self.line,
                start: self.line_start,
                had_newline: self.had_newline,
            })),
            Err(e) => Err(FormatError::InvalidUtf8 {
                file: self.file.to_path_buf(),
                line: self.line,
                byte: self.bad_byte(&e),
            }),
        }
    }

    /// Moves to the next line (false at the end of the file), without checking its UTF-8.
    fn advance(&mut self, ctx: &ImportCtx<'_>) -> Result<bool, FormatError> {
        ctx.check_cancel()?;
        // The line returned last time was borrowed from the read buffer: consume it now.
        self.inner.consume(std::mem::take(&mut self.pending));
        let io = |e| FormatError::io(self.file, e);
        // A whole line in the read buffer is borrowed from it; one that straddles the
        // buffer's end (or a last line without '\n') is copied together into `buf`.
        let in_buffer = {
            let avail = self.inner.fill_buf().map_err(io)?;
            avail.iter().position(|&b| b == b'\n')
        };
        let n = match in_buffer {
            Some(i) => {
                self.pending = i + 1;
                i + 1
            }
            None => {
                self.buf.clear();
                self.inner.read_until(b'\n', &mut self.buf).map_err(io)?
            }
        };
        if n == 0 {
            return Ok(false);
        }
        ctx.add_progress(n as u64);
        self.line += 1;
        self.line_start = self.pos;
        self.pos += n as u64;
        self.had_newline = self.raw().last() == Some(&b'\n');
        self.bom = 0;
        if self.line == 1 && self.strip_bom && self.raw().starts_with(b"\xEF\xBB\xBF") {
            self.bom = 3;
            self.had_bom = true;
        }
        Ok(true)
    }

    /// The current line's bytes as read, `\n` included.
    fn raw(&self) -> &[u8] {
        if self.pending > 0 {
            &self.inner.buffer()[..self.pending]
        } else {
            &self.buf
        }
    }

    /// The current line's bytes without its `\n` and a dropped BOM.
    fn bytes(&self) -> &[u8] {
        let raw = self.raw();
        let end = raw.len() - usize::from(self.had_newline);
        raw.get(self.bom..end).unwrap_or_default()
    }

    /// The file offset of the first invalid byte of the current line.
    fn bad_byte(&self, e: &std::str::Utf8Error) -> u64 {
        self.line_start + (self.bom + e.valid_up_to()) as u64
    }
}

/// One line from a [`LineReader`].
pub(crate) struct Line<'a> {
    pub text: &'a str,
    /// 1-based line number.
    pub no: usize,
    /// Byte offset of the line in the file.
    pub start: u64,
    pub had_newline: bool,
}

/// Reads a whole (single-JSON or brat) file as UTF-8, reporting invalid bytes by position.
pub(crate) fn read_utf8(file: &Path, ctx: &ImportCtx<'_>) -> Result<String, FormatError> {
    ctx.check_cancel()?;
    let bytes = read_bytes(file).map_err(|e| FormatError::io(file, e))?;
    utf8_string(file, bytes, ctx)
}

/// A whole file's bytes. Not `fs::read`, whose size hint costs a `statx` per file: a brat
/// folder is hundreds of thousands of small files, and the buffer grows as it fills anyway.
pub(crate) fn read_bytes(file: &Path) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(4096);
    std::fs::File::open(file)?
        .take(u64::MAX)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `file`'s bytes as UTF-8 (counted as read), or the first invalid byte by line and offset.
pub(crate) fn utf8_string(
    file: &Path,
    bytes: Vec<u8>,
    ctx: &ImportCtx<'_>,
) -> Result<String, FormatError> {
    ctx.add_progress(bytes.len() as u64);
    String::from_utf8(bytes).map_err(|e| {
        let byte = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        let line = bytes[..byte].iter().filter(|&&b| b == b'\n').count() + 1;
        FormatError::InvalidUtf8 {
            file: file.to_path_buf(),
            line,
            byte: byte as u64,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::ImportOptions;

    #[test]
    fn lines_read_the_same_whether_borrowed_or_straddling_the_read_buffer() {
        // Lines of every length up to ~3 KB (many straddle the 64 KB buffer's end), Arabic
        // and CRLF mixed, a BOM first, and a last line without '\n'.
        let mut text = String::from("\u{FEFF}");
        for i in 0..400 {
            let word = if i % 3 == 0 { "جنيف" } else { "ab" };
            text.push_str(&word.repeat(i * 3 % 700 + 1));
            text.push_str(if i % 5 == 0 { "\r\n" } else { "\n" });
        }
        text.push_str("آخر");
        let opts = ImportOptions::default();
        let mut ctx = ImportCtx::new(&opts);
        let path = Path::new("mem.txt");
        let mut r =
            LineReader::from_reader(Box::new(std::io::Cursor::new(text.clone())), path, true);
        let body = &text["\u{FEFF}".len()..];
        let mut start = "\u{FEFF}".len() as u64;
        for (k, want) in body.split('\n').enumerate() {
            let line = r.next_line(&mut ctx).expect("read").expect("a line");
            assert_eq!(line.text, want, "line {}", k + 1);
            assert_eq!(line.no, k + 1);
            assert_eq!(line.had_newline, k < 400);
            if k > 0 {
                assert_eq!(line.start, start);
            }
            start += want.len() as u64 + 1;
        }
        assert!(r.next_line(&mut ctx).expect("read").is_none());
        assert!(r.had_bom);
    }

    /// Lines 2 and 4 hold invalid UTF-8; a BOM first, a CRLF line, no final newline.
    fn reader_over(bytes: &[u8]) -> LineReader<'static> {
        let cursor = std::io::Cursor::new(bytes.to_vec());
        LineReader::from_reader(Box::new(cursor), Path::new("bad.txt"), true)
    }

    const BAD: &[u8] = b"\xEF\xBB\xBFone\nt\xFFo\nthree\r\nfo\xC3ur\nfive";

    #[test]
    fn a_strict_reader_stops_at_invalid_utf8_naming_file_line_and_byte() {
        let opts = ImportOptions::default();
        let mut ctx = ImportCtx::new(&opts);
        let mut r = reader_over(BAD);
        let first = r
            .next_line(&mut ctx)
            .expect("read")
            .map(|l| l.text.to_string());
        assert_eq!(first.as_deref(), Some("one"));
        match r.next_line(&mut ctx).map(|l| l.map(|l| l.no)) {
            Err(FormatError::InvalidUtf8 { file, line, byte }) => {
                assert_eq!((file.as_path(), line, byte), (Path::new("bad.txt"), 2, 8));
            }
            other => panic!("expected invalid UTF-8, got {other:?}"),
        }
        assert!(ctx.report.errors.is_empty());
    }

    #[test]
    fn a_lenient_reader_skips_and_lists_invalid_lines_and_reads_on() {
        let opts = ImportOptions {
            lenient: true,
            ..ImportOptions::default()
        };
        let mut ctx = ImportCtx::new(&opts);
        let mut r = reader_over(BAD);
        let mut got = Vec::new();
        while let Some(l) = r.next_line(&mut ctx).expect("lenient reads on") {
            got.push((l.no, l.text.to_string(), l.start, l.had_newline));
        }
        assert_eq!(
            got,
            [
                (1, "one".to_string(), 0, true),
                (3, "three\r".to_string(), 11, true),
                (5, "five".to_string(), 24, false),
            ]
        );
        let errors: Vec<String> = ctx.report.errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "bad.txt:2: invalid UTF-8 at byte 8; line skipped",
                "bad.txt:4: invalid UTF-8 at byte 20; line skipped",
            ]
        );
        assert!(
            ctx.report
                .errors
                .iter()
                .all(|p| p.kind == ProblemKind::Unreadable)
        );
    }
}
