//! Krippendorff's unitizing α (α_u, Krippendorff 1995, 2004 ch. 12), the measure INCEpTION
//! offers for spans (through DKPro Statistics' `KrippendorffAlphaUnitizingAgreement`, whose
//! definition this follows so that the numbers are the same): raters divide a continuum (the
//! text, in code points) into labelled units and the gaps between them; the disagreement of
//! two raters on a category sums, over every pair of their stretches that intersect, the
//! squared differences of where the two units begin and end (a unit against a gap that holds
//! it counts its length squared), and the expected disagreement is that of all the ways the
//! same units could be placed in the same gaps.
//!
//! A rater's units of one category may not overlap each other (a nested span of the same
//! label inside another is left out, the first by start then length kept).

use std::collections::BTreeSet;

/// A study: `raters` raters over the continuum `[0, len)`, each unit `(rater, start, end,
/// category)`.
#[derive(Debug, Clone, Default)]
pub struct UnitizingStudy<'a> {
    raters: usize,
    len: u64,
    units: Vec<(usize, u64, u64, &'a str)>,
}

/// A stretch of one rater's division of the continuum: a unit or a gap.
#[derive(Debug, Clone, Copy)]
struct Stretch {
    start: u64,
    end: u64,
    unit: bool,
}

impl<'a> UnitizingStudy<'a> {
    #[must_use]
    pub fn new(raters: usize, len: u64) -> Self {
        UnitizingStudy {
            raters,
            len,
            units: Vec::new(),
        }
    }

    /// Adds rater `rater`'s unit `[start, end)` of `category` (an empty one, or one past the
    /// continuum's end, is left out).
    pub fn add(&mut self, rater: usize, start: u64, end: u64, category: &'a str) {
        if start < end && end <= self.len && rater < self.raters {
            self.units.push((rater, start, end, category));
        }
    }

    fn categories(&self) -> BTreeSet<&'a str> {
        self.units.iter().map(|u| u.3).collect()
    }

    /// One rater's units of `category`, sorted, without overlaps.
    fn units_of(&self, rater: usize, category: &str) -> Vec<(u64, u64)> {
        let mut v: Vec<(u64, u64)> = self
            .units
            .iter()
            .filter(|u| u.0 == rater && u.3 == category)
            .map(|u| (u.1, u.2))
            .collect();
        v.sort_by_key(|&(s, e)| (s, std::cmp::Reverse(e)));
        let mut kept: Vec<(u64, u64)> = Vec::with_capacity(v.len());
        for u in v {
            if kept.last().is_none_or(|k| u.0 >= k.1) {
                kept.push(u);
            }
        }
        kept
    }

    /// A rater's division of the whole continuum into `category`'s units and gaps.
    fn stretches(&self, rater: usize, category: &str) -> Vec<Stretch> {
        let mut out = Vec::new();
        let mut pos = 0;
        for (s, e) in self.units_of(rater, category) {
            if s > pos {
                out.push(Stretch {
                    start: pos,
                    end: s,
                    unit: false,
                });
            }
            out.push(Stretch {
                start: s,
                end: e,
                unit: true,
            });
            pos = e;
        }
        if pos < self.len {
            out.push(Stretch {
                start: pos,
                end: self.len,
                unit: false,
            });
        }
        out
    }

    /// The observed disagreement on `category`.
    #[must_use]
    pub fn observed(&self, category: &str) -> f64 {
        let divisions: Vec<Vec<Stretch>> = (0..self.raters)
            .map(|r| self.stretches(r, category))
            .collect();
        let mut sum = 0.0;
        for (i, a) in divisions.iter().enumerate() {
            for b in &divisions[i + 1..] {
                // Every pair of stretches that intersect, once.
                let (mut x, mut y) = (0, 0);
                while x < a.len() && y < b.len() {
                    sum += distance(a[x], b[y]);
                    match a[x].end.cmp(&b[y].end) {
                        std::cmp::Ordering::Less => x += 1,
                        std::cmp::Ordering::Greater => y += 1,
                        std::cmp::Ordering::Equal => {
                            x += 1;
                            y += 1;
                        }
                    }
                }
            }
        }
        let (r, l) = (self.raters as f64, self.len as f64);
        2.0 * sum / (r * (r - 1.0) * l * l)
    }

    /// The disagreement on `category` expected by chance.
    #[must_use]
    pub fn expected(&self, category: &str) -> f64 {
        let units: Vec<u64> = (0..self.raters)
            .flat_map(|r| self.units_of(r, category))
            .map(|(s, e)| e - s)
            .collect();
        let n = units.len() as f64;
        let squared: f64 = units.iter().map(|&l| (l as f64) * (l as f64 - 1.0)).sum();
        // Every rater's gaps, ascending, with the sums of those from each one on.
        let mut gaps: Vec<u64> = (0..self.raters)
            .flat_map(|r| self.stretches(r, category))
            .filter(|s| !s.unit)
            .map(|s| s.end - s.start)
            .collect();
        gaps.sort_unstable();
        let mut tail = vec![0.0; gaps.len() + 1];
        for i in (0..gaps.len()).rev() {
            tail[i] = tail[i + 1] + gaps[i] as f64;
        }
        let mut sum = 0.0;
        for &l in &units {
            let lf = l as f64;
            let own = (n - 1.0) * (2.0 * lf * lf * lf - 3.0 * lf * lf + lf) / 3.0;
            // Σ over the gaps g ≥ l of (g − l + 1): the places the unit fits in them.
            let from = gaps.partition_point(|&g| g < l);
            let fits = tail[from] - (lf - 1.0) * (gaps.len() - from) as f64;
            sum += own + lf * lf * fits;
        }
        let (r, l) = (self.raters as f64, self.len as f64);
        sum * (2.0 / l) / (r * l * (r * l - 1.0) - squared)
    }

    /// α_u of one category: `None` when it is undefined (fewer than two raters, an empty
    /// continuum, no expected disagreement).
    #[must_use]
    pub fn category_alpha(&self, category: &str) -> Option<f64> {
        if !self.defined() {
            return None;
        }
        let (o, e) = (self.observed(category), self.expected(category));
        alpha(o, e)
    }

    /// α_u over every category (the mean observed over the mean expected disagreement).
    #[must_use]
    pub fn alpha(&self) -> Option<f64> {
        let cats = self.categories();
        if !self.defined() || cats.is_empty() {
            return None;
        }
        let k = cats.len() as f64;
        let o: f64 = cats.iter().map(|c| self.observed(c)).sum::<f64>() / k;
        let e: f64 = cats.iter().map(|c| self.expected(c)).sum::<f64>() / k;
        alpha(o, e)
    }

    fn defined(&self) -> bool {
        self.raters >= 2 && self.len > 0
    }
}

fn alpha(observed: f64, expected: f64) -> Option<f64> {
    (expected > 0.0 && expected.is_finite()).then(|| 1.0 - observed / expected)
}

/// The distance of two intersecting stretches of two raters: two units, the squared
/// differences of their starts and of their ends; a unit inside the other's gap, its length
/// squared; else 0.
fn distance(a: Stretch, b: Stretch) -> f64 {
    let sq = |x: i128| (x * x) as f64;
    let (s1, e1, s2, e2) = (
        i128::from(a.start),
        i128::from(a.end),
        i128::from(b.start),
        i128::from(b.end),
    );
    match (a.unit, b.unit) {
        (true, true) if s1 < e2 && s2 < e1 => sq(s1 - s2) + sq(e1 - e2),
        (true, false) if s1 >= s2 && e1 <= e2 => sq(e1 - s1),
        (false, true) if s2 >= s1 && e2 <= e1 => sq(e2 - s2),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Option<f64>, b: f64, tol: f64) {
        let a = a.expect("defined");
        assert!((a - b).abs() <= tol, "{a} is not {b} ± {tol}");
    }

    /// Krippendorff (2004), Content Analysis, 2nd ed., p. 254: two observers over the
    /// continuum [150, 450) with categories c and k. The published values are the ones
    /// DKPro Statistics' Krippendorff2004Test checks (α_u = 0.8591; c: D_o = 0.0144,
    /// D_e = 0.0532, α = 0.7286; k: D_o = 0, D_e = 0.0490, α = 1). The continuum is moved to
    /// start at 0 (only differences of positions count).
    fn krippendorff_2004() -> UnitizingStudy<'static> {
        let mut s = UnitizingStudy::new(2, 300);
        for (start, len, rater, cat) in [
            (225, 70, 0, "c"),
            (370, 30, 0, "c"),
            (220, 80, 1, "c"),
            (355, 20, 1, "c"),
            (400, 20, 1, "c"),
            (180, 60, 0, "k"),
            (300, 50, 0, "k"),
            (180, 60, 1, "k"),
            (300, 50, 1, "k"),
        ] {
            s.add(rater, start - 150, start - 150 + len, cat);
        }
        s
    }

    #[test]
    fn krippendorffs_2004_example() {
        let s = krippendorff_2004();
        assert!(
            (s.observed("c") - 0.0144).abs() < 1e-4,
            "{}",
            s.observed("c")
        );
        assert!(
            (s.expected("c") - 0.0532).abs() < 1e-4,
            "{}",
            s.expected("c")
        );
        close(s.category_alpha("c"), 0.7286, 1e-4);
        assert_eq!(s.observed("k"), 0.0);
        assert!(
            (s.expected("k") - 0.0490).abs() < 1e-4,
            "{}",
            s.expected("k")
        );
        close(s.category_alpha("k"), 1.0, 1e-12);
        close(s.alpha(), 0.8591, 5e-4);
    }

    /// Krippendorff (1995), Sociological Methodology 25, p. 57: four pairs of coders over
    /// 24 positions (categories A–D), as DKPro Statistics' Krippendorff1995Test reproduces
    /// them; the observed disagreements there are 0.03125, 2.26736, 0.02777 and 0.38715.
    #[test]
    fn krippendorffs_1995_observed_disagreements() {
        let mut s = UnitizingStudy::new(2, 24);
        let units: [(u64, u64, usize, &str); 31] = [
            (2, 8, 0, "A"),
            (14, 6, 0, "A"),
            (4, 4, 1, "A"),
            (15, 2, 1, "A"),
            (0, 18, 0, "B"),
            (0, 2, 1, "B"),
            (2, 1, 1, "B"),
            (3, 1, 1, "B"),
            (4, 1, 1, "B"),
            (5, 1, 1, "B"),
            (6, 3, 1, "B"),
            (9, 1, 1, "B"),
            (2, 6, 0, "C"),
            (10, 2, 0, "C"),
            (14, 4, 0, "C"),
            (20, 2, 0, "C"),
            (0, 2, 1, "C"),
            (4, 4, 1, "C"),
            (10, 4, 1, "C"),
            (16, 2, 1, "C"),
            (20, 2, 1, "C"),
            (0, 2, 0, "D"),
            (2, 8, 0, "D"),
            (10, 4, 0, "D"),
            (14, 6, 0, "D"),
            (20, 4, 0, "D"),
            (0, 4, 1, "D"),
            (4, 4, 1, "D"),
            (8, 7, 1, "D"),
            (15, 2, 1, "D"),
            (17, 7, 1, "D"),
        ];
        for (start, len, rater, cat) in units {
            s.add(rater, start, start + len, cat);
        }
        for (cat, d_o) in [
            ("A", 0.03125),
            ("B", 2.26736),
            ("C", 0.02777),
            ("D", 0.38715),
        ] {
            assert!(
                (s.observed(cat) - d_o).abs() < 1e-5,
                "{cat}: {}",
                s.observed(cat)
            );
        }
    }

    /// By hand: a continuum of 10, rater 0 has X on [2, 5), rater 1 on [3, 5). Intersecting
    /// stretches: gap[0,2)–gap[0,3): 0; unit[2,5)–gap[0,3): not inside, 0; unit[2,5)–
    /// unit[3,5): 1² + 0² = 1; gap[5,10)–gap[5,10): 0. D_o = 2·1 / (2·1·10²) = 1/100.
    /// Expected: units of lengths 3 and 2 (N = 2; Σ l(l−1) = 6 + 2 = 8); gaps 2, 5, 3, 5.
    /// For l = 3: (1)(54 − 27 + 3)/3 = 10, and gaps ≥ 3 are 3, 5, 5: (1 + 3 + 3)·9 = 63.
    /// For l = 2: (1)(16 − 12 + 2)/3 = 2, and gaps ≥ 2 are all four: (1 + 4 + 2 + 4)·4 = 44.
    /// D_e = (10 + 63 + 2 + 44)·(2/10) / (2·10·19 − 8) = 23.8 / 372. α = 1 − (1/100)/(23.8/372)
    /// = 1 − 372/2380 = 1 − 93/595 = 502/595.
    #[test]
    fn a_small_case_worked_by_hand() {
        let mut s = UnitizingStudy::new(2, 10);
        s.add(0, 2, 5, "X");
        s.add(1, 3, 5, "X");
        assert!((s.observed("X") - 0.01).abs() < 1e-15);
        assert!((s.expected("X") - 23.8 / 372.0).abs() < 1e-15);
        close(s.alpha(), 502.0 / 595.0, 1e-12);
    }

    #[test]
    fn edge_cases_are_undefined_or_perfect() {
        // The same units: α_u = 1.
        let mut s = UnitizingStudy::new(3, 20);
        for r in 0..3 {
            s.add(r, 2, 6, "PER");
            s.add(r, 10, 12, "LOC");
        }
        close(s.alpha(), 1.0, 1e-12);
        // One rater, no units, an empty continuum: undefined.
        let mut one = UnitizingStudy::new(1, 20);
        one.add(0, 2, 6, "PER");
        assert_eq!(one.alpha(), None);
        assert_eq!(UnitizingStudy::new(2, 20).alpha(), None);
        assert_eq!(UnitizingStudy::new(2, 0).alpha(), None);
        // Every unit in a different place: no agreement beyond chance, below zero.
        let mut apart = UnitizingStudy::new(2, 20);
        apart.add(0, 0, 5, "X");
        apart.add(1, 10, 15, "X");
        assert!(
            apart.alpha().is_some_and(|a| a < 0.0),
            "{:?}",
            apart.alpha()
        );
        // A nested unit of the same category is left out.
        let mut nested = UnitizingStudy::new(2, 20);
        nested.add(0, 2, 10, "X");
        nested.add(0, 4, 6, "X");
        nested.add(1, 2, 10, "X");
        close(nested.alpha(), 1.0, 1e-12);
    }
}
