//! Keys seen once, in memory that does not grow with their number: the document ids an
//! import has seen, the file names a brat export has given, the task ids a Label Studio
//! export has given.
//!
//! Each key is kept as its 128-bit hash ([`crate::hash128`]).
//!
//! The hashes of the last [`RECENT_CAP`] keys are in a hash set. When it is full they are
//! sorted and written to an unnamed temporary file (a run), and runs of the same size are
//! merged, so there are at most log₂(n / cap) + 1 of them. A fixed 16 MiB bit filter holds
//! every hash written out; only a hash the filter may hold is looked up in the runs, one
//! 4 KiB block read per run, found through the first hash of each block (16 bytes per 256
//! keys). So a set of any size holds about 33 MiB, and one of fewer than [`RECENT_CAP`]
//! keys (nearly every import and export) never touches the disk (BENCHMARKS.md).

use std::collections::HashSet;
use std::fs::File;
use std::hash::Hash;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Keys held in the hash set before they go to disk: the most a table of 2¹⁹ buckets holds
/// (hashbrown fills 7/8), 8.9 MiB with its control bytes.
const RECENT_CAP: usize = (1 << 19) / 8 * 7;
/// Bits in the filter over the keys on disk (16 MiB): under 1% false hits up to ten million
/// keys, and a false hit costs only a block read per run.
const FILTER_BITS: usize = 1 << 27;
/// Hashes per block of a run, found through the block's first hash.
const BLOCK: usize = 256;
const KEY: usize = 16;

pub(super) struct SeenIds {
    recent: HashSet<u128>,
    cap: usize,
    filter_bits: usize,
    /// Ids written out, once the first run is.
    older: Option<Older>,
}

impl Default for SeenIds {
    fn default() -> Self {
        Self::with_limits(RECENT_CAP, FILTER_BITS)
    }
}

impl SeenIds {
    fn with_limits(cap: usize, filter_bits: usize) -> Self {
        SeenIds {
            recent: HashSet::new(),
            cap,
            filter_bits,
            older: None,
        }
    }

    /// True the first time `key` is seen; an error only when a run could not be read back.
    pub(super) fn insert<K: Hash + ?Sized>(&mut self, key: &K) -> io::Result<bool> {
        let h = crate::hash128(key);
        if self.recent.contains(&h) {
            return Ok(false);
        }
        if let Some(older) = &mut self.older
            && older.contains(h)?
        {
            return Ok(false);
        }
        self.recent.insert(h);
        if self.recent.len() >= self.cap {
            self.spill();
        }
        Ok(true)
    }

    /// Writes the hash set out as a run. If the temporary file cannot be made or written,
    /// the ids stay in memory and the next try waits for twice as many.
    fn spill(&mut self) {
        let bits = self.filter_bits;
        let older = self.older.get_or_insert_with(|| Older::new(bits));
        let mut sorted: Vec<u128> = self.recent.iter().copied().collect();
        sorted.sort_unstable();
        if older.add_run(&sorted).is_ok() {
            self.recent.clear();
            return;
        }
        // Nothing on disk yet: no filter to keep either.
        if older.runs.is_empty() {
            self.older = None;
        }
        self.cap = self.cap.saturating_mul(2);
    }

    #[cfg(test)]
    fn runs(&self) -> usize {
        self.older.as_ref().map_or(0, |o| o.runs.len())
    }
}

/// The ids written out: a filter over all of them, and the sorted runs.
struct Older {
    filter: Vec<u64>,
    /// Largest first: each at least twice the size of the next, as in a binary counter.
    runs: Vec<Run>,
    block: Vec<u8>,
}

impl Older {
    fn new(bits: usize) -> Self {
        Older {
            filter: vec![0; bits.div_ceil(64).max(1)],
            runs: Vec::new(),
            block: vec![0; BLOCK * KEY],
        }
    }

    /// Three bits of the filter, from three stretches of the (uniform) hash.
    fn probes(&self, h: u128) -> [usize; 3] {
        let m = self.filter.len() as u128 * 64;
        [h % m, (h >> 40) % m, (h >> 80) % m].map(|p| p as usize)
    }

    fn contains(&mut self, h: u128) -> io::Result<bool> {
        let filter = &self.filter;
        if !self
            .probes(h)
            .iter()
            .all(|&p| filter[p / 64] & 1 << (p % 64) != 0)
        {
            return Ok(false);
        }
        for run in &mut self.runs {
            if run.contains(h, &mut self.block)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Adds a sorted run, merging it with the last ones while they are no larger; the
    /// filter takes its hashes only once it is safely on disk.
    fn add_run(&mut self, sorted: &[u128]) -> io::Result<()> {
        let mut w = RunWriter::new()?;
        for &h in sorted {
            w.push(h)?;
        }
        let mut run = w.finish()?;
        for &h in sorted {
            for p in self.probes(h) {
                self.filter[p / 64] |= 1 << (p % 64);
            }
        }
        while let Some(last) = self.runs.last_mut()
            && last.len <= run.len
        {
            match merge(last, &mut run) {
                Ok(merged) => {
                    self.runs.pop();
                    run = merged;
                }
                // Both runs are whole: keep them apart.
                Err(_) => break,
            }
        }
        self.runs.push(run);
        Ok(())
    }
}

/// Sorted hashes in an unnamed temporary file (gone when closed), 16 little-endian bytes
/// each, with the first hash of every block kept in memory.
struct Run {
    file: File,
    len: usize,
    fences: Vec<u128>,
}

impl Run {
    fn contains(&mut self, h: u128, buf: &mut [u8]) -> io::Result<bool> {
        let b = self.fences.partition_point(|&f| f <= h);
        if b == 0 {
            return Ok(false);
        }
        let first = (b - 1) * BLOCK;
        let bytes = &mut buf[..(self.len - first).min(BLOCK) * KEY];
        self.file.seek(SeekFrom::Start((first * KEY) as u64))?;
        self.file.read_exact(bytes)?;
        let (mut lo, mut hi) = (0, bytes.len() / KEY);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match decode(&bytes[mid * KEY..][..KEY]).cmp(&h) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(true),
            }
        }
        Ok(false)
    }

    fn reader(&mut self) -> io::Result<impl Iterator<Item = io::Result<u128>> + '_> {
        self.file.seek(SeekFrom::Start(0))?;
        let mut r = BufReader::with_capacity(64 * 1024, &self.file);
        let mut left = self.len;
        Ok(std::iter::from_fn(move || {
            (left > 0).then(|| {
                left -= 1;
                let mut k = [0u8; KEY];
                r.read_exact(&mut k).map(|()| decode(&k))
            })
        }))
    }
}

fn decode(k: &[u8]) -> u128 {
    let mut a = [0u8; KEY];
    a.copy_from_slice(k);
    u128::from_le_bytes(a)
}

struct RunWriter {
    w: BufWriter<File>,
    len: usize,
    fences: Vec<u128>,
}

impl RunWriter {
    fn new() -> io::Result<Self> {
        Ok(RunWriter {
            w: BufWriter::with_capacity(64 * 1024, crate::spill::temp_file()?),
            len: 0,
            fences: Vec::new(),
        })
    }

    fn push(&mut self, h: u128) -> io::Result<()> {
        if self.len.is_multiple_of(BLOCK) {
            self.fences.push(h);
        }
        self.len += 1;
        self.w.write_all(&h.to_le_bytes())
    }

    fn finish(self) -> io::Result<Run> {
        Ok(Run {
            file: self
                .w
                .into_inner()
                .map_err(io::IntoInnerError::into_error)?,
            len: self.len,
            fences: self.fences,
        })
    }
}

/// One run holding both (whose hashes are all different).
fn merge(a: &mut Run, b: &mut Run) -> io::Result<Run> {
    let mut w = RunWriter::new()?;
    let mut a = a.reader()?.peekable();
    let mut b = b.reader()?.peekable();
    loop {
        let from_a = match (a.peek(), b.peek()) {
            (Some(Ok(x)), Some(Ok(y))) => x < y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
            // An error: take it from whichever side holds it.
            (Some(Err(_)), _) => true,
            (_, Some(Err(_))) => false,
        };
        let next = if from_a { a.next() } else { b.next() };
        if let Some(h) = next {
            w.push(h?)?;
        }
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<String> {
        // Ids that differ in one character or in length, and Arabic ones.
        (0..n)
            .map(|i| match i % 3 {
                0 => format!("doc-{i}"),
                1 => format!("وثيقة {i}"),
                _ => "x".repeat(i % 97) + &i.to_string(),
            })
            .collect()
    }

    #[test]
    fn ids_seen_are_told_apart_and_repeats_found() {
        let mut seen = SeenIds::default();
        let ids = ids(200_000);
        assert!(
            ids.iter().all(|id| seen.insert(id).is_ok_and(|new| new)),
            "no id is taken for another"
        );
        assert_eq!(seen.runs(), 0, "200,000 ids stay in memory");
        for id in ["doc-0", "وثيقة 1", &ids[2], &ids[199_999]] {
            assert!(!seen.insert(id).expect("in memory"), "{id} seen before");
        }
        assert!(seen.insert("doc-200000").expect("in memory"));
        // Another import's set is its own: the same ids are new to it.
        let mut other = SeenIds::default();
        assert!(other.insert("doc-0").expect("in memory"));
    }

    /// Many runs, and a filter so small that nearly every id is looked up in them: the
    /// answers are the same as a plain set's, for new ids, repeats of ids on disk (early,
    /// late, at a block's edge) and repeats of ids still in memory.
    #[test]
    fn ids_written_to_disk_are_still_found_and_new_ones_still_new() {
        for filter_bits in [64, 1 << 16] {
            let mut seen = SeenIds::with_limits(1000, filter_bits);
            let ids = ids(60_500);
            for id in &ids {
                assert!(seen.insert(id).expect("runs read back"), "{id} is new");
            }
            // 60 runs of 1000 written, merged as a binary counter: 60 = 32 + 16 + 8 + 4.
            assert_eq!(seen.runs(), 4, "filter {filter_bits}");
            let mut step = 0;
            for i in (0..ids.len())
                .step_by(97)
                .chain([0, 255, 256, 999, 1000, 60_499])
            {
                step += 1;
                assert!(!seen.insert(&ids[i]).expect("runs read back"), "{i} seen");
            }
            assert!(step > 600);
            for i in 0..2000 {
                let id = format!("new-{i}");
                assert!(seen.insert(&id).expect("runs read back"), "{id} is new");
                assert!(!seen.insert(&id).expect("runs read back"), "{id} now seen");
            }
        }
    }

    /// While no temporary file can be made the ids stay in memory, and every answer is
    /// still right; once files can be made again, the set goes to disk as before.
    #[test]
    fn ids_stay_in_memory_when_no_temporary_file_can_be_made() {
        let mut seen = SeenIds::with_limits(100, 1 << 12);
        let ids = ids(5_000);
        for (i, id) in ids.iter().enumerate() {
            crate::spill::fail_temp_files((500..2500).contains(&i));
            assert!(seen.insert(id).expect("runs read back"), "{id} is new");
        }
        crate::spill::fail_temp_files(false);
        assert!(seen.cap > 100, "the next try waited for more");
        assert!(seen.runs() > 0);
        for id in &ids {
            assert!(!seen.insert(id).expect("runs read back"), "{id} seen");
        }
        // Failing from the first spill on, no filter is kept for nothing on disk.
        let mut seen = SeenIds::with_limits(100, 1 << 12);
        crate::spill::fail_temp_files(true);
        for id in &ids[..1000] {
            assert!(seen.insert(id).expect("in memory"));
        }
        crate::spill::fail_temp_files(false);
        assert!(seen.older.is_none() && seen.recent.len() == 1000);
    }

    /// A stream with many repeats, against a set of the ids themselves.
    #[test]
    fn a_long_stream_with_repeats_agrees_with_a_plain_set() {
        let mut seen = SeenIds::with_limits(37, 4096);
        let mut plain = HashSet::new();
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..30_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let id = format!("d{}", x % 12_000);
            let new = seen.insert(&id).expect("runs read back");
            assert_eq!(new, plain.insert(id.clone()), "{id}");
        }
        assert!(seen.runs() >= 2);
    }
}
