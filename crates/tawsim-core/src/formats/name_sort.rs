//! File names in natural order ([`natural_cmp`](super::natural_cmp)), in memory that does
//! not grow with their number: a brat folder of millions of documents is listed without
//! holding every name. Up to [`RUN`] names are sorted in memory; past that each full batch
//! is sorted and written to an unnamed temporary file (a run), and the runs are merged when
//! the names are read back, a name at a time.

use super::natural_cmp;
use crate::spill::temp_file;
use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Names sorted in memory at once (about 8 MiB of short names).
const RUN: usize = 1 << 17;

pub(super) struct NameSort {
    names: Vec<OsString>,
    runs: Vec<File>,
    run: usize,
}

impl Default for NameSort {
    fn default() -> Self {
        Self::with_run(RUN)
    }
}

impl NameSort {
    fn with_run(run: usize) -> Self {
        NameSort {
            names: Vec::new(),
            runs: Vec::new(),
            run: run.max(1),
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.names.is_empty() && self.runs.is_empty()
    }

    /// If a batch cannot be written to a temporary file, its names stay in memory and the
    /// next try waits for twice as many: the listing goes on either way.
    pub(super) fn push(&mut self, name: OsString) {
        self.names.push(name);
        if self.names.len() >= self.run {
            self.names.sort_by(cmp);
            match self.write_run() {
                Ok(f) => {
                    self.names.clear();
                    self.runs.push(f);
                }
                Err(_) => self.run = self.run.saturating_mul(2),
            }
        }
    }

    fn write_run(&self) -> io::Result<File> {
        let mut w = BufWriter::with_capacity(64 * 1024, temp_file()?);
        for n in &self.names {
            let bytes = n.as_encoded_bytes();
            let len = u32::try_from(bytes.len()).map_err(io::Error::other)?;
            w.write_all(&len.to_le_bytes())?;
            w.write_all(bytes)?;
        }
        let mut f = w.into_inner().map_err(io::IntoInnerError::into_error)?;
        f.seek(SeekFrom::Start(0))?;
        Ok(f)
    }

    /// Every name pushed, in natural order.
    pub(super) fn sorted(mut self) -> io::Result<impl Iterator<Item = io::Result<OsString>>> {
        self.names.sort_by(cmp);
        let mut sources: Vec<Source> = vec![Source::Memory(self.names.into_iter())];
        sources.extend(
            self.runs
                .into_iter()
                .map(|f| Source::Run(BufReader::with_capacity(64 * 1024, f))),
        );
        let mut heads = BinaryHeap::new();
        for (at, s) in sources.iter_mut().enumerate() {
            if let Some(name) = s.next()? {
                heads.push(Head { name, at });
            }
        }
        Ok(std::iter::from_fn(move || {
            let Head { name, at } = heads.pop()?;
            match sources[at].next() {
                Ok(Some(next)) => heads.push(Head { name: next, at }),
                Ok(None) => {}
                Err(e) => return Some(Err(e)),
            }
            Some(Ok(name))
        }))
    }
}

fn cmp(a: &OsString, b: &OsString) -> Ordering {
    natural_cmp(Path::new(a), Path::new(b))
}

enum Source {
    Memory(std::vec::IntoIter<OsString>),
    Run(BufReader<File>),
}

impl Source {
    fn next(&mut self) -> io::Result<Option<OsString>> {
        let r = match self {
            Source::Memory(it) => return Ok(it.next()),
            Source::Run(r) => r,
        };
        let mut len = [0u8; 4];
        match r.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
            Err(e) => return Err(e),
        }
        let mut bytes = vec![0; u32::from_le_bytes(len) as usize];
        r.read_exact(&mut bytes)?;
        from_bytes(bytes).map(Some)
    }
}

#[cfg(unix)]
fn from_bytes(bytes: Vec<u8>) -> io::Result<OsString> {
    use std::os::unix::ffi::OsStringExt;
    Ok(OsString::from_vec(bytes))
}

/// Elsewhere a name comes back only if it is Unicode (the encoded bytes of any other name
/// cannot be turned back into one without `unsafe`).
#[cfg(not(unix))]
fn from_bytes(bytes: Vec<u8>) -> io::Result<OsString> {
    String::from_utf8(bytes)
        .map(OsString::from)
        .map_err(|_| io::Error::other("a file name that is not Unicode"))
}

/// The smallest name first (the heap is a max-heap).
struct Head {
    name: OsString,
    at: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp(&other.name, &self.name).then_with(|| other.at.cmp(&self.at))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<OsString> {
        // Numbered, zero-padded, Arabic, digits of other scripts, and names equal in value.
        let mut x: u64 = 0x2545_F491_4F6C_DD1D;
        (0..5_000)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                OsString::from(match x % 5 {
                    0 => format!("ANERCorp-{}.txt", x % 2000),
                    1 => format!("وثيقة-{}.txt", i),
                    2 => format!("doc-{:05}.txt", x % 3000),
                    3 => format!("خبر ٣{}.txt", x % 100),
                    _ => format!("a-{i}-b{}.txt", x % 7),
                })
            })
            .collect()
    }

    #[test]
    fn names_come_back_in_natural_order_through_runs_as_in_memory() {
        let all = names();
        let mut expected = all.clone();
        expected.sort_by(cmp);
        for run in [1, 7, 64, 1000, 4999, 5000, RUN] {
            let mut s = NameSort::with_run(run);
            assert!(s.is_empty());
            for n in &all {
                s.push(n.clone());
            }
            assert!(!s.is_empty());
            let got: Vec<OsString> = s
                .sorted()
                .expect("runs read")
                .collect::<io::Result<_>>()
                .expect("runs read");
            assert_eq!(got, expected, "runs of {run}");
        }
        // Natural order, not byte order.
        let mut s = NameSort::with_run(2);
        for n in ["a-10.txt", "a-2.txt", "a-1.txt", "a-02.txt"] {
            s.push(n.into());
        }
        let got: Vec<OsString> = s.sorted().expect("runs read").flatten().collect();
        assert_eq!(got, ["a-1.txt", "a-02.txt", "a-2.txt", "a-10.txt"]);
    }

    /// While no temporary file can be made the names stay in memory; none is lost, and the
    /// runs written before and after still merge with them.
    #[test]
    fn names_stay_in_memory_when_no_temporary_file_can_be_made() {
        let all = names();
        let mut expected = all.clone();
        expected.sort_by(cmp);
        let mut s = NameSort::with_run(100);
        for (i, n) in all.iter().enumerate() {
            crate::spill::fail_temp_files((1000..3000).contains(&i));
            s.push(n.clone());
        }
        crate::spill::fail_temp_files(false);
        assert!(s.run > 100, "the next try waited for more");
        assert!(!s.runs.is_empty() && !s.names.is_empty());
        let got: Vec<OsString> = s
            .sorted()
            .expect("runs read")
            .collect::<io::Result<_>>()
            .expect("runs read");
        assert_eq!(got, expected);
    }
}
