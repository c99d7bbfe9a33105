//! Curation mode of the session: the curator edits the curated layer while every
//! annotator's spans of the open document are at hand, region by region.

use super::{Session, ViewRequest};
use crate::curation::{self, CURATED, Region, Rule};
use crate::domain::{Annotator, DocStatus, Edit, Span};
use crate::store::Store;

/// What curation mode knows of the open document.
#[derive(Debug, Clone, Default)]
pub struct Curation {
    /// Whose layer the session edited before curation mode (it goes back to it after).
    pub back_to: String,
    /// The rule the pre-merge uses.
    pub rule: Rule,
    /// The open document's annotators (those with a layer of it) and their spans.
    pub layers: Vec<(Annotator, Vec<Span>)>,
    /// Their regions, in text order.
    pub regions: Vec<Region>,
    /// The region the curator is at (an index into `regions`).
    pub at: Option<usize>,
    /// The annotators' layers of the open document are on their way from the server (a
    /// team project); they are read when they arrive.
    pub waiting: bool,
}

impl Curation {
    /// Regions where the annotators disagree.
    #[must_use]
    pub fn disagreements(&self) -> usize {
        self.regions.iter().filter(|r| !r.agreed()).count()
    }
}

impl<S: Store> Session<S> {
    /// Curation mode, when on.
    #[must_use]
    pub fn curation(&self) -> Option<&Curation> {
        self.curation.as_ref()
    }

    /// Turns curation mode on (the curated layer becomes the edited one) or off (back to
    /// one's own layer).
    pub fn set_curating(&mut self, on: bool) {
        if on == self.curation.is_some() {
            return;
        }
        if on {
            let back_to = self.annotator.clone();
            if let Err(e) = self.set_annotator(CURATED) {
                self.status = format!("Curation not started: {e}");
                return;
            }
            // The handle's name is the curated layer; the session's annotator stays the user.
            self.annotator = back_to.clone();
            self.curation = Some(Curation {
                back_to,
                ..Curation::default()
            });
            self.load_curation();
            let n = self.curation.as_ref().map_or(0, |c| c.layers.len());
            self.status = format!(
                "Curation: editing the curated layer; {n} annotator(s) on this document (F8: next disagreement)"
            );
        } else if let Some(c) = self.curation.take() {
            if let Err(e) = self.set_annotator(&c.back_to) {
                self.status = e;
                self.curation = Some(c);
                return;
            }
            self.status = format!("Curation ended: editing {}'s layer again", c.back_to);
        }
    }

    /// Reads the open document's annotator layers for curation (after the document changed,
    /// or when they arrived from a team project's server).
    pub(super) fn load_curation(&mut self) {
        let Some(c) = self.curation.as_mut() else {
            return;
        };
        c.layers.clear();
        c.regions.clear();
        c.at = None;
        c.waiting = false;
        let (Some(p), Some(doc)) = (self.project.as_mut(), self.doc.as_ref()) else {
            return;
        };
        let who = match curation::annotators_to_curate(p, &[]) {
            Ok(w) => w,
            Err(e) => {
                self.status = e;
                return;
            }
        };
        // A team project's layers come from the server: ask for them all, then wait.
        let mut all_here = true;
        for a in &who {
            all_here &= p.ready(doc.id, Some(a.id));
        }
        if !all_here {
            c.waiting = true;
            self.status =
                "Curation: reading every annotator's layer of this document from the server…"
                    .into();
            return;
        }
        match curation::document_layers(p, doc.id, &who) {
            Ok(layers) => {
                let slices: Vec<&[Span]> = layers.iter().map(|(_, v)| v.as_slice()).collect();
                c.regions = curation::regions(&slices);
                c.layers = layers;
            }
            Err(e) => self.status = e.to_string(),
        }
    }

    /// Sets the pre-merge rule.
    pub fn set_curation_rule(&mut self, rule: Rule) {
        if let Some(c) = self.curation.as_mut() {
            c.rule = rule;
        }
    }

    /// The open document's curated spans.
    fn curated_spans(&self) -> Vec<Span> {
        self.doc
            .as_ref()
            .map(|d| d.ann.spans.as_slice().to_vec())
            .unwrap_or_default()
    }

    /// Applies a curation edit (one undo step) and says what it did.
    fn curation_edit(&mut self, edit: Option<Edit>, done: String, nothing: &str) {
        match edit {
            Some(e) => {
                if self.edit(e) {
                    self.status = done;
                }
            }
            None => self.status = nothing.into(),
        }
    }

    /// Goes to the next (or previous) region the annotators disagree on, and selects it.
    pub fn next_disagreement(&mut self, back: bool) {
        let Some(c) = self.curation.as_mut() else {
            self.status = "Not curating: Project > Curation mode".into();
            return;
        };
        match curation::next_disagreement(&c.regions, c.at, back) {
            Some(i) => {
                c.at = Some(i);
                let (s, e) = (c.regions[i].start, c.regions[i].end);
                let left = c.disagreements();
                self.view_requests.push(ViewRequest::Select(s, e));
                self.view_requests.push(ViewRequest::ScrollTo(s));
                self.status = format!(
                    "Disagreement {} of {left}: Alt+1…9 accepts an annotator's version, Alt+0 rejects all",
                    c.regions[..=i].iter().filter(|r| !r.agreed()).count()
                );
            }
            None => self.status = "No disagreements in this document".into(),
        }
    }

    /// Goes to region `i` (a click in the curation panel).
    pub fn go_to_region(&mut self, i: usize) {
        let Some(c) = self.curation.as_mut() else {
            return;
        };
        if let Some(r) = c.regions.get(i) {
            c.at = Some(i);
            self.view_requests.push(ViewRequest::Select(r.start, r.end));
            self.view_requests.push(ViewRequest::ScrollTo(r.start));
        }
    }

    /// Accepts annotator `k`'s version (an index into the document's layers) of the current
    /// region; `None`: rejects all (the curated layer keeps nothing there).
    pub fn settle_region(&mut self, k: Option<usize>) {
        let Some(c) = self.curation.as_ref() else {
            self.status = "Not curating: Project > Curation mode".into();
            return;
        };
        let Some(r) = c.at.and_then(|i| c.regions.get(i)).cloned() else {
            self.status = "No disagreement chosen: F8 goes to the next one".into();
            return;
        };
        let (want, said) = match k {
            Some(k) => match (r.versions.get(k), c.layers.get(k)) {
                (Some(v), Some((a, _))) => (v.clone(), format!("Accepted {}'s version", a.name)),
                _ => {
                    self.status = format!("This document has {} annotator(s)", c.layers.len());
                    return;
                }
            },
            None => (Vec::new(), "Rejected every version".to_string()),
        };
        let edit = curation::settle(&self.curated_spans(), &r, &want);
        self.curation_edit(edit, said, "The curated layer has that already");
    }

    /// Writes every region all annotators agree on into the curated layer (where it has
    /// nothing yet).
    pub fn accept_agreements(&mut self) {
        let Some(c) = self.curation.as_ref() else {
            self.status = "Not curating: Project > Curation mode".into();
            return;
        };
        let edit = curation::accept_agreements(&c.regions, &self.curated_spans());
        let n = match &edit {
            Some(Edit::Batch { edits }) => edits.len(),
            _ => 0,
        };
        self.curation_edit(
            edit,
            format!("Accepted {n} agreed span(s)"),
            "Every agreement is in the curated layer already",
        );
    }

    /// Pre-merges the open document by the chosen rule (regions the curated layer has
    /// nothing in).
    pub fn premerge_document(&mut self) {
        let Some(c) = self.curation.as_ref() else {
            self.status = "Not curating: Project > Curation mode".into();
            return;
        };
        let policy = self.settings().map(|s| s.overlap).unwrap_or_default();
        let rule = c.rule;
        let (edit, left) = curation::premerge(&c.regions, &self.curated_spans(), rule, policy);
        let n = match &edit {
            Some(Edit::Batch { edits }) => edits.len(),
            _ => 0,
        };
        self.curation_edit(
            edit,
            format!(
                "Pre-merged by rule {}: {n} span(s); {left} disagreement(s) to look at (F8)",
                rule.name()
            ),
            "Nothing to pre-merge: the curated layer has every region the rule takes",
        );
    }

    /// Curated documents of the project and how many there are.
    #[must_use]
    pub fn curation_progress(&self) -> Option<(usize, usize)> {
        self.curation.as_ref()?;
        let docs = self.documents();
        Some((
            docs.iter().filter(|d| d.status == DocStatus::Done).count(),
            docs.len(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::{DocId, Edit, Span};
    use crate::session::{Session, SessionOp};
    use crate::store::Project;

    #[test]
    fn curation_mode_settles_regions_as_undoable_edits_of_the_curated_layer() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("p.tawsim");
        let mut p = Project::create(&path).expect("create");
        let text = "زار غسان سلامة جنيف أمس";
        p.import(
            |sink| {
                sink.add(crate::domain::AnnotatedDocument {
                    name: "d".into(),
                    text: text.into(),
                    ..Default::default()
                })?;
                Ok::<_, crate::store::StoreError>(())
            },
            |_| true,
        )
        .expect("import");
        let doc: DocId = p.documents().expect("docs")[0].id;
        let l = |p: &Project, n: &str| p.labels().by_name(n).expect("label").id;
        let (per, loc, org) = (l(&p, "PER"), l(&p, "LOC"), l(&p, "ORG"));
        let sp = |s, e, l| Span::new(s, e, l).expect("span");
        // Both mark غسان سلامة PER; amina says جنيف LOC, bilal ORG.
        for (who, city) in [("amina", loc), ("bilal", org)] {
            p.set_annotator(who).expect("who");
            for span in [sp(4, 14, per), sp(15, 19, city)] {
                p.apply(doc, &Edit::AddSpan { span }).expect("apply");
            }
        }
        p.set_annotator("amina").expect("who");
        let mut s: Session = Session::new();
        s.set_annotator("amina").expect("who");
        s.set_project(p);
        s.select_document(doc);
        s.apply(SessionOp::Curate(true));
        let c = s.curation().expect("curating");
        assert_eq!(
            (c.layers.len(), c.regions.len(), c.disagreements()),
            (2, 2, 1)
        );
        s.apply(SessionOp::PremergeDocument);
        let spans = |s: &Session| s.current().expect("doc").ann.spans.as_slice().to_vec();
        assert_eq!(spans(&s), [sp(4, 14, per)]);
        s.apply(SessionOp::NextDisagreement { back: false });
        s.apply(SessionOp::SettleRegion(Some(1)));
        assert_eq!(spans(&s), [sp(4, 14, per), sp(15, 19, org)]);
        s.apply(SessionOp::SettleRegion(Some(0)));
        assert_eq!(spans(&s), [sp(4, 14, per), sp(15, 19, loc)]);
        s.apply(SessionOp::Undo);
        assert_eq!(spans(&s), [sp(4, 14, per), sp(15, 19, org)]);
        s.apply(SessionOp::SettleRegion(None));
        assert_eq!(spans(&s), [sp(4, 14, per)]);
        s.flush();
        // The curated layer is in the file; amina's layer is untouched; off again edits hers.
        s.apply(SessionOp::Curate(false));
        assert!(s.curation().is_none());
        assert_eq!(spans(&s), [sp(4, 14, per), sp(15, 19, loc)]);
        drop(s);
        let p = Project::open_as(&path, crate::curation::CURATED).expect("open");
        assert_eq!(
            p.annotations(doc).expect("ann").spans.as_slice(),
            [sp(4, 14, per)]
        );
    }
}
