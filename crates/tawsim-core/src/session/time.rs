//! Active annotation time: how long the annotator worked on each document, from the
//! window's input events. A pause of more than [`IDLE`] between two events is not counted
//! (the annotator was away); the time gathered on the open document is written to the store
//! every [`WRITE_EVERY`], when another document opens, when the layer changes and at shutdown.

use super::Session;
use crate::domain::DocId;
use crate::store::Store;
use std::time::{Duration, Instant};

/// A pause longer than this is not annotation time.
pub const IDLE: Duration = Duration::from_secs(60);
/// Time gathered is written once it reaches this much.
const WRITE_EVERY: f64 = 30.0;

/// Time on the open document not written yet.
#[derive(Debug, Clone, Copy)]
pub(super) struct Activity {
    doc: DocId,
    last: Instant,
    seconds: f64,
}

impl Activity {
    pub(super) fn doc(self) -> DocId {
        self.doc
    }
}

impl<S: Store> Session<S> {
    /// The user did something in the window at `now` (a key, a click, a move of the
    /// pointer): the time since their last action counts when it is at most a minute.
    /// Reading another annotator's layer is not annotating it.
    pub fn note_activity(&mut self, now: Instant) {
        let Some(doc) = self.doc.as_ref().map(|d| d.id) else {
            return;
        };
        if self.viewing.is_some() || self.loading.is_some() {
            return;
        }
        match self.activity.as_mut() {
            Some(a) if a.doc == doc => {
                let gap = now.saturating_duration_since(a.last);
                if gap <= IDLE {
                    a.seconds += gap.as_secs_f64();
                }
                a.last = now;
            }
            _ => {
                self.write_time();
                self.activity = Some(Activity {
                    doc,
                    last: now,
                    seconds: 0.0,
                });
            }
        }
        if self.activity.is_some_and(|a| a.seconds >= WRITE_EVERY) {
            self.write_time();
        }
    }

    /// Writes the time gathered on the open document (kept for the next try when the store
    /// refuses it).
    pub(super) fn write_time(&mut self) {
        let (Some(a), Some(p)) = (self.activity.as_mut(), self.project.as_mut()) else {
            return;
        };
        if a.seconds <= 0.0 {
            return;
        }
        match p.add_time(a.doc, a.seconds) {
            Ok(()) => a.seconds = 0.0,
            Err(e) => self.status = format!("Annotation time not saved: {e}"),
        }
    }

    /// Writes the time gathered and forgets the document it was gathered on (the document,
    /// the layer or the project changes).
    pub(super) fn end_activity(&mut self) {
        self.write_time();
        self.activity = None;
    }
}

#[cfg(test)]
mod tests {
    use crate::domain::AnnotatedDocument;
    use crate::session::{Session, SessionOp};
    use crate::store::{Project, StoreError};
    use std::time::{Duration, Instant};

    #[test]
    fn active_time_leaves_out_pauses_over_a_minute_and_goes_to_the_document_worked_on() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("p.tawsim");
        let mut p = Project::create(&path).expect("create");
        p.import(
            |sink| {
                for name in ["a", "b"] {
                    sink.add(AnnotatedDocument {
                        name: name.into(),
                        text: "نص".into(),
                        ..Default::default()
                    })?;
                }
                Ok::<_, StoreError>(())
            },
            |_| true,
        )
        .expect("import");
        let docs = p.documents().expect("docs");
        let mut s: Session = Session::new();
        s.set_project(p);
        s.select_document(docs[0].id);
        let t0 = Instant::now();
        let at = |secs: u64| t0 + Duration::from_secs(secs);
        // 10 s, then 20 s of work; a 5-minute pause; 15 s more; then the other document.
        for t in [0, 10, 30, 330, 345] {
            s.note_activity(at(t));
        }
        s.apply(SessionOp::SelectDocument(docs[1].id));
        for t in [400, 440, 441] {
            s.note_activity(at(t));
        }
        s.shut_down();
        let p = s.project().expect("project");
        let time = |i: usize| {
            p.export_iter(None, None, None)
                .expect("export")
                .nth(i)
                .expect("doc")
                .expect("read")
                .active_seconds
        };
        assert_eq!(time(0), Some(45.0), "10 + 20 + 15: the pause is left out");
        assert_eq!(time(1), Some(41.0));
        let stats = p.stats().expect("stats");
        assert_eq!(stats.layers[0].active_seconds, 86.0);
    }
}
