//! A queue that stays small on any input: records kept in memory up to a bound, and every
//! earlier one in an unnamed temporary file, read back in the order they came. Without a
//! temporary file the records stay in memory (and the next try waits for twice as many).

use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, SeekFrom, Write};

/// An unnamed temporary file (gone when closed).
pub(crate) fn temp_file() -> io::Result<File> {
    #[cfg(test)]
    if FAIL_TEMP_FILES.get() {
        return Err(io::Error::other("no temporary file (test)"));
    }
    tempfile::tempfile()
}

#[cfg(test)]
thread_local! {
    static FAIL_TEMP_FILES: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Makes [`temp_file`] fail on this thread, to test what happens without temporary files.
#[cfg(test)]
pub(crate) fn fail_temp_files(fail: bool) {
    FAIL_TEMP_FILES.set(fail);
}

/// Whether a test wants the write of record `i` of `n` to fail halfway (never outside
/// tests).
#[cfg(test)]
fn write_fails(i: usize, n: usize) -> bool {
    FAIL_TEMP_FILES.get() && i == n / 2
}

#[cfg(not(test))]
fn write_fails(_: usize, _: usize) -> bool {
    false
}

/// Records in the order pushed: the latest in memory, the earlier ones on disk, one JSON
/// line each.
pub(crate) struct Spill<T> {
    memory: Vec<T>,
    /// What the records in memory take, as [`Spill::push`] was told.
    bytes: usize,
    /// Spill to disk past this many bytes in memory.
    limit: usize,
    file: Option<File>,
    /// How many bytes of `file` hold whole records (a failed write is cut back to this).
    on_disk: u64,
}

impl<T: Serialize + DeserializeOwned> Spill<T> {
    /// What is kept in memory before it goes to disk.
    pub(crate) const LIMIT: usize = 8 << 20;

    pub(crate) fn new(limit: usize) -> Self {
        Spill {
            memory: Vec::new(),
            bytes: 0,
            limit,
            file: None,
            on_disk: 0,
        }
    }

    /// Adds a record that takes about `bytes` in memory.
    pub(crate) fn push(&mut self, item: T, bytes: usize) {
        self.memory.push(item);
        self.bytes += bytes;
        if self.bytes > self.limit {
            match self.write_out() {
                Ok(()) => {
                    self.memory.clear();
                    self.bytes = 0;
                }
                // Kept in memory; the next try waits for twice as many.
                Err(_) => self.limit = self.limit.saturating_mul(2),
            }
        }
    }

    /// Appends the records in memory to the file; on failure the file is cut back to its
    /// whole records, and the memory keeps them all.
    fn write_out(&mut self) -> io::Result<()> {
        let file = match &mut self.file {
            Some(f) => f,
            none => none.insert(temp_file()?),
        };
        let written = (|| {
            let mut w = BufWriter::with_capacity(1 << 20, &mut *file);
            for (i, item) in self.memory.iter().enumerate() {
                serde_json::to_writer(&mut w, item)?;
                w.write_all(b"\n")?;
                if write_fails(i, self.memory.len()) {
                    w.flush()?;
                    return Err(io::Error::other("disk full (test)"));
                }
            }
            w.flush()?;
            drop(w);
            file.stream_position()
        })();
        match written {
            Ok(end) => {
                self.on_disk = end;
                Ok(())
            }
            Err(e) => {
                file.set_len(self.on_disk)?;
                file.seek(SeekFrom::Start(self.on_disk))?;
                Err(e)
            }
        }
    }

    /// Every record in the order pushed; one that cannot be read back is an error.
    pub(crate) fn drain(self) -> io::Result<impl Iterator<Item = io::Result<T>>> {
        let on_disk = match self.file {
            Some(mut f) => {
                f.seek(SeekFrom::Start(0))?;
                let r = BufReader::with_capacity(1 << 20, io::Read::take(f, self.on_disk));
                Some(r.lines().map(|l| {
                    let l = l?;
                    serde_json::from_str(&l).map_err(io::Error::other)
                }))
            }
            None => None,
        };
        Ok(on_disk
            .into_iter()
            .flatten()
            .chain(self.memory.into_iter().map(Ok)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<(String, u32)> {
        (0..n)
            .map(|i| (format!("سجل {i} \"\n\\"), i as u32))
            .collect()
    }

    fn round_trip(limit: usize, n: usize) -> (Vec<(String, u32)>, bool) {
        let mut s = Spill::new(limit);
        for it in items(n) {
            let b = it.0.len() + 8;
            s.push(it, b);
        }
        let spilled = s.file.is_some();
        let back: Vec<(String, u32)> = s
            .drain()
            .expect("drain")
            .collect::<io::Result<_>>()
            .expect("read back");
        (back, spilled)
    }

    #[test]
    fn records_come_back_in_order_from_disk_and_memory() {
        for (limit, n) in [
            (1, 1),
            (10, 0),
            (100, 1_000),
            (1 << 20, 1_000),
            (4_000, 20_000),
        ] {
            let (back, spilled) = round_trip(limit, n);
            assert_eq!(back, items(n), "limit {limit}, {n} records");
            assert_eq!(spilled, n * 20 > limit, "limit {limit}, {n} records");
        }
    }

    #[test]
    fn records_stay_in_memory_when_no_temporary_file_can_be_made() {
        fail_temp_files(true);
        let (back, spilled) = round_trip(100, 5_000);
        fail_temp_files(false);
        assert!(!spilled);
        assert_eq!(back, items(5_000));
        // A temporary file that fails halfway through a write, after some records went to
        // disk: what it half wrote is cut off, and nothing is lost.
        let mut s = Spill::new(100);
        for (i, it) in items(5_000).into_iter().enumerate() {
            fail_temp_files(i % 1_000 > 500);
            let b = it.0.len() + 8;
            s.push(it, b);
        }
        fail_temp_files(false);
        let back: Vec<(String, u32)> = s
            .drain()
            .expect("drain")
            .collect::<io::Result<_>>()
            .expect("read back");
        assert_eq!(back, items(5_000));
    }
}
