//! Reviewing suggestions in the session: the open document's suggestions that this
//! annotator has not accepted, rejected or covered with a span, one at a time (the current
//! suggestion), accepted (a span at its range, with its label or another), rejected (an
//! edit of the layer, kept in the project) or all accepted at once (one undo step).

use super::{Session, ViewRequest};
use crate::domain::{DocStatus, Edit, LabelId, OverlapPolicy, Span};
use crate::job::Job;
use crate::store::{Store, StoredSuggestion};
use std::path::PathBuf;

impl<S: Store> Session<S> {
    /// The open document's suggestions still open to this annotator, by start: over no
    /// span of the layer, not rejected by it; one per range and label (the first source's).
    #[must_use]
    pub fn open_suggestions(&self) -> Vec<&StoredSuggestion> {
        let Some(doc) = &self.doc else {
            return Vec::new();
        };
        if self.viewing.is_some() {
            return Vec::new();
        }
        let mut seen = std::collections::HashSet::new();
        doc.suggestions
            .iter()
            .filter(|s| {
                !doc.ann.rejected.contains(&s.span)
                    && doc
                        .ann
                        .spans
                        .overlapping(s.span.start, s.span.end)
                        .next()
                        .is_none()
                    && seen.insert(s.span)
            })
            .collect()
    }

    /// The suggestion being reviewed, while it is still open.
    #[must_use]
    pub fn current_suggestion(&self) -> Option<&StoredSuggestion> {
        let at = self.selected_suggestion?;
        self.open_suggestions().into_iter().find(|s| s.span == at)
    }

    /// Reads the open document's suggestions again (after a source was run). A team
    /// project's document that is on its way from the server is opened again when it is
    /// there.
    pub(super) fn load_suggestions(&mut self) {
        let (Some(p), Some(doc)) = (self.project.as_mut(), self.doc.as_mut()) else {
            return;
        };
        if self.viewing.is_some() {
            return;
        }
        if !p.ready(doc.id, None) {
            self.loading = Some(doc.id);
            return;
        }
        match p.suggestions(doc.id) {
            Ok(s) => doc.suggestions = s,
            Err(e) => self.status = format!("Suggestions not read: {e}"),
        }
    }

    /// Makes the next open suggestion (`back`: the previous) the current one, after the
    /// current one, or after `from` (a position in the text), wrapping around.
    pub(super) fn step_suggestion(&mut self, back: bool, from: Option<usize>) {
        let open: Vec<Span> = self.open_suggestions().iter().map(|s| s.span).collect();
        if open.is_empty() {
            self.selected_suggestion = None;
            self.status = "No open suggestion in this document".into();
            return;
        }
        let here = self.selected_suggestion;
        let next = if back {
            let before = |s: &Span| match (here, from) {
                (Some(h), _) => *s < h,
                (None, Some(p)) => s.start < p,
                (None, None) => false,
            };
            open.iter().rev().find(|s| before(s)).or(open.last())
        } else {
            let after = |s: &Span| match (here, from) {
                (Some(h), _) => *s > h,
                (None, Some(p)) => s.start >= p,
                (None, None) => true,
            };
            open.iter().find(|s| after(s)).or(open.first())
        };
        if let Some(&s) = next {
            self.show_suggestion(s, open.len());
        }
    }

    fn show_suggestion(&mut self, s: Span, open: usize) {
        self.selected_suggestion = Some(s);
        self.selected_span = None;
        self.view_requests.push(ViewRequest::ClearSelection);
        self.view_requests.push(ViewRequest::ScrollTo(s.start));
        let source = self
            .current_suggestion()
            .map(|c| c.source.clone())
            .unwrap_or_default();
        let label = self
            .labels()
            .get(s.label)
            .map_or_else(String::new, |l| l.name.clone());
        self.status = format!(
            "Suggestion «{}» {label} from {source} ({open} open): Enter accepts, X rejects, a label key accepts it as that label",
            self.span_text(s)
        );
    }

    /// The suggestion Enter or X acts on: the current one; else the one under `from` (the
    /// caret) or the first open one after it.
    fn target_suggestion(&self, from: Option<usize>) -> Option<Span> {
        if let Some(c) = self.current_suggestion() {
            return Some(c.span);
        }
        let open = self.open_suggestions();
        let from = from?;
        open.iter()
            .find(|s| s.span.end > from)
            .or(open.first())
            .map(|s| s.span)
    }

    /// Accepts the current suggestion (or the next one after `from`) as a span, with
    /// `label` instead of its own when given; the next open suggestion becomes current.
    /// True when a span was added.
    pub(super) fn accept_suggestion(
        &mut self,
        label: Option<LabelId>,
        from: Option<usize>,
    ) -> bool {
        let Some(s) = self
            .target_suggestion(from)
            .or_else(|| self.open_suggestions().first().map(|s| s.span))
        else {
            self.status = "No open suggestion in this document".into();
            return false;
        };
        let span = label.map_or(s, |l| s.with_label(l));
        let Some(doc) = &self.doc else { return false };
        if !self.edit(Edit::add_span_starting(span, doc.ann.status)) {
            return false;
        }
        let text = self.span_text(span);
        self.after_review(s);
        self.status = format!("Accepted «{text}»; {}", self.status);
        true
    }

    /// Rejects the current suggestion (or the next one after `from`): this annotator is not
    /// shown it again. Undoable like any edit.
    pub(super) fn reject_suggestion(&mut self, from: Option<usize>) -> bool {
        let Some(s) = self.target_suggestion(from) else {
            self.status = "No suggestion to reject: F9 goes to the next one".into();
            return false;
        };
        if !self.edit(Edit::Reject { span: s }) {
            return false;
        }
        // A rejection adds no span: nothing is selected after it.
        self.selected_span = None;
        let text = self.span_text(s);
        self.after_review(s);
        self.status = format!("Rejected «{text}»; {}", self.status);
        true
    }

    /// After a suggestion was settled: the next open one becomes current.
    fn after_review(&mut self, settled: Span) {
        self.selected_suggestion = Some(settled);
        let open: Vec<Span> = self.open_suggestions().iter().map(|s| s.span).collect();
        match open.iter().find(|s| **s > settled).or(open.first()) {
            Some(&next) => self.show_suggestion(next, open.len()),
            None => {
                self.selected_suggestion = None;
                self.status = "no open suggestion left in this document".into();
            }
        }
    }

    /// Accepts every open suggestion of the document in one edit (one undo step); where
    /// they overlap and the project forbids overlaps, the first (the longest at a start)
    /// wins.
    pub(super) fn accept_all_suggestions(&mut self) {
        let policy = self.settings().map_or(OverlapPolicy::Forbid, |s| s.overlap);
        let mut open: Vec<Span> = self.open_suggestions().iter().map(|s| s.span).collect();
        open.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut taken: Vec<Span> = Vec::new();
        for s in open {
            let clash = taken.iter().any(|t| {
                t.overlaps(s)
                    && (policy == OverlapPolicy::Forbid || (t.start, t.end) == (s.start, s.end))
            });
            if !clash {
                taken.push(s);
            }
        }
        if taken.is_empty() {
            self.status = "No open suggestion in this document".into();
            return;
        }
        let n = taken.len();
        let mut edits: Vec<Edit> = taken
            .into_iter()
            .map(|span| Edit::AddSpan { span })
            .collect();
        if self.doc.as_ref().map(|d| d.ann.status) == Some(DocStatus::New) {
            edits.push(Edit::SetStatus {
                from: DocStatus::New,
                to: DocStatus::InProgress,
            });
        }
        if self.edit(Edit::Batch { edits }) {
            self.selected_suggestion = None;
            self.selected_span = None;
            self.status = format!("Accepted {n} suggestion(s) (one undo step)");
        }
    }

    /// Sends every document to a model server (the Label Studio ML backend protocol) on a
    /// background thread and keeps its predictions as source `model`; documents that got
    /// no usable answer are listed in the report.
    pub fn start_model_server(&mut self, url: String) {
        if self.job.is_some() {
            self.status = "Another background job is running".into();
            return;
        }
        let Some(p) = &self.project else { return };
        let mut worker = match p.worker() {
            Ok(w) => w,
            Err(e) => return self.fail(e),
        };
        let total = self.docs.len() as u64;
        let title = format!("Asking the model server {url}");
        self.job = Some(Job::spawn(title, total, move |pr| {
            let run = crate::model_server::predict_into(
                &mut worker,
                &url,
                "model",
                &crate::model_server::ServerOptions::default(),
                Some(&*pr.done),
                Some(&*pr.cancel),
            )
            .map_err(|e| pr.failed(e))?;
            let mut msg = format!(
                "{} suggestion(s) in {} of {} document(s) from the model server kept as source model: F9 goes to the next",
                run.kept, run.suggested, run.documents
            );
            if !run.problems.is_empty() {
                msg.push_str(&format!(
                    "; {} document(s) got no usable answer",
                    run.problems.len()
                ));
                for p in &run.problems {
                    msg.push('\n');
                    msg.push_str(p);
                }
            }
            Ok(msg)
        }));
    }

    /// Runs a gazetteer or Prodigy patterns file over the whole project on a background
    /// thread and keeps the matches as source `source` (the file's name when `None`).
    pub fn start_suggest(&mut self, patterns: PathBuf, source: Option<String>) {
        if self.job.is_some() {
            self.status = "Another background job is running".into();
            return;
        }
        let Some(p) = &self.project else { return };
        let pats = match crate::suggest::read_patterns(&patterns) {
            Ok(p) => p,
            Err(e) => {
                self.error = Some(e);
                return;
            }
        };
        let mut worker = match p.worker() {
            Ok(w) => w,
            Err(e) => return self.fail(e),
        };
        let source = source.filter(|s| !s.trim().is_empty()).unwrap_or_else(|| {
            patterns
                .file_stem()
                .map_or_else(|| "patterns".into(), |s| s.to_string_lossy().into_owned())
        });
        let article = p.settings().article_is_proclitic;
        let total = self.docs.len() as u64;
        let title = format!("Suggesting from {}", patterns.display());
        let n = pats.len();
        self.job = Some(Job::spawn(title, total, move |pr| {
            let m = crate::suggest::Matcher::new(pats, article);
            let origin = patterns.display().to_string();
            let found = crate::suggest::into_project(
                &mut worker,
                &m,
                &source,
                &origin,
                Some(&*pr.done),
                Some(&*pr.cancel),
            )
            .map_err(|e| pr.failed(e))?;
            Ok(format!(
                "{} suggestion(s) in {} of {} document(s) from {n} pattern(s) kept as source {source}: F9 goes to the next",
                found.spans, found.suggested, found.documents
            ))
        }));
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{DocId, OverlapPolicy};
    use crate::session::{Session, SessionOp};

    const TEXT: &str = "زار غسان سلامة جنيف ثم ليبيا ثم جنيف";

    fn cp(needle: &str, nth: usize) -> (usize, usize) {
        let b = TEXT.match_indices(needle).nth(nth).expect("needle").0;
        let s = TEXT[..b].chars().count();
        (s, s + needle.chars().count())
    }

    /// A session on one document with three suggestions from "places" (جنيف twice, ليبيا)
    /// and one from "people" over غسان سلامة and, overlapping it, سلامة alone.
    fn reviewing() -> (tempfile::TempDir, Session) {
        let dir = tempfile::tempdir().expect("tmp");
        let src = dir.path().join("a.txt");
        std::fs::write(&src, TEXT).expect("write");
        let path = dir.path().join("p.tawsim");
        let (mut p, _) = crate::ops::import_new(
            &path,
            &[src],
            None,
            &crate::formats::ImportOptions::default(),
        )
        .expect("import");
        let doc = DocId(1);
        let row = |(s, e): (usize, usize), l: &str| Ok((doc, s, e, l.to_string(), None));
        p.replace_suggestions(
            "places",
            "patterns",
            "",
            vec![
                row(cp("جنيف", 0), "LOC"),
                row(cp("ليبيا", 0), "LOC"),
                row(cp("جنيف", 1), "LOC"),
            ],
        )
        .expect("places");
        p.replace_suggestions(
            "people",
            "patterns",
            "",
            vec![row(cp("غسان سلامة", 0), "PER"), row(cp("سلامة", 0), "PER")],
        )
        .expect("people");
        let mut s = Session::new();
        s.set_project(p);
        s.select_document(doc);
        (dir, s)
    }

    fn open(s: &Session) -> Vec<(usize, usize)> {
        s.open_suggestions()
            .iter()
            .map(|x| (x.span.start, x.span.end))
            .collect()
    }

    fn spans(s: &Session) -> Vec<(usize, usize, String)> {
        let labels = s.labels();
        s.current()
            .expect("doc")
            .ann
            .spans
            .iter()
            .map(|x| {
                let name = labels.get(x.label).expect("label").name.clone();
                (x.start, x.end, name)
            })
            .collect()
    }

    #[test]
    fn suggestions_are_stepped_accepted_relabelled_rejected_and_undone() {
        let (_d, mut s) = reviewing();
        assert_eq!(open(&s).len(), 5);
        // F9 from the caret at 0: غسان سلامة first (by start).
        s.apply(SessionOp::NextSuggestion {
            back: false,
            from: Some(0),
        });
        assert_eq!(
            s.current_suggestion().map(|c| (c.span.start, c.span.end)),
            Some(cp("غسان سلامة", 0))
        );
        assert!(s.status.contains("people"), "{}", s.status);
        // Enter: a PER span; سلامة alone is covered now, so not open; جنيف is current.
        s.apply(SessionOp::AcceptSuggestion { from: None });
        let (g0, g1) = cp("غسان سلامة", 0);
        assert_eq!(spans(&s), [(g0, g1, "PER".to_string())]);
        assert!(!open(&s).contains(&cp("سلامة", 0)));
        assert_eq!(
            s.current_suggestion().map(|c| (c.span.start, c.span.end)),
            Some(cp("جنيف", 0))
        );
        // A label key on it accepts it as that label (ORG instead of LOC).
        let org = s.labels().by_name("ORG").expect("ORG").id;
        assert!(s.apply_label(org, None));
        assert!(spans(&s).contains(&(cp("جنيف", 0).0, cp("جنيف", 0).1, "ORG".into())));
        // X rejects ليبيا (current now): not open, not a span, in the layer's rejections.
        s.apply(SessionOp::RejectSuggestion { from: None });
        assert!(!open(&s).contains(&cp("ليبيا", 0)));
        assert_eq!(spans(&s).len(), 2);
        assert_eq!(s.current().expect("doc").ann.rejected.len(), 1);
        // Undo takes the rejection back; redo makes it again; both through the store.
        s.apply(SessionOp::Undo);
        assert!(open(&s).contains(&cp("ليبيا", 0)));
        s.apply(SessionOp::Redo);
        assert!(!open(&s).contains(&cp("ليبيا", 0)));
        let stored = s.project().expect("p").annotations(DocId(1)).expect("ann");
        assert_eq!(stored.rejected.len(), 1);
        // Enter with nothing current and the caret after the first جنيف: the second.
        s.apply(SessionOp::ClearSelection);
        let (j0, j1) = cp("جنيف", 1);
        s.apply(SessionOp::AcceptSuggestion {
            from: Some(cp("ثم", 1).0),
        });
        assert!(spans(&s).contains(&(j0, j1, "LOC".into())));
        assert!(open(&s).is_empty(), "{:?}", open(&s));
        assert!(s.status.contains("no open suggestion left"), "{}", s.status);
    }

    #[test]
    fn accept_all_is_one_undo_step_and_keeps_overlaps_out_when_forbidden() {
        let (_d, mut s) = reviewing();
        assert_eq!(
            s.settings().expect("settings").overlap,
            OverlapPolicy::Forbid
        );
        s.apply(SessionOp::AcceptAllSuggestions);
        // غسان سلامة (the longest at its start) and not سلامة inside it; the three places.
        assert_eq!(spans(&s).len(), 4, "{:?}", spans(&s));
        assert!(open(&s).is_empty());
        s.apply(SessionOp::Undo);
        assert!(spans(&s).is_empty());
        assert_eq!(open(&s).len(), 5);
    }
}
