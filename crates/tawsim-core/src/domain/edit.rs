//! Edits to a document's annotations, each with an exact inverse, and the undo history as
//! plain data. The text itself never changes, so an edit only touches spans and status.

use super::document::DocStatus;
use super::label::LabelId;
use super::span::{OverlapPolicy, Relation, Span, SpanError, SpanSet};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One undoable change to a document's annotations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Edit {
    AddSpan {
        span: Span,
    },
    RemoveSpan {
        span: Span,
    },
    /// Relabel or resize: `from` is replaced by `to`.
    ReplaceSpan {
        from: Span,
        to: Span,
    },
    SetStatus {
        from: DocStatus,
        to: DocStatus,
    },
    /// A suggestion (its range and label) turned down: not shown to this annotator again.
    Reject {
        span: Span,
    },
    /// Takes a rejection back (the inverse of [`Edit::Reject`]).
    Unreject {
        span: Span,
    },
    /// A relation between two spans of the document.
    AddRelation {
        relation: Relation,
    },
    RemoveRelation {
        relation: Relation,
    },
    /// A document label (topic, sentiment) ticked on the whole document.
    AddDocLabel {
        label: LabelId,
    },
    RemoveDocLabel {
        label: LabelId,
    },
    /// Several edits applied (and undone) as one step, e.g. "label all occurrences".
    Batch {
        edits: Vec<Edit>,
    },
}

/// What an edit works on: one document's spans and status.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    pub spans: SpanSet,
    pub status: DocStatus,
    /// Suggestions this annotator rejected (range and label).
    pub rejected: BTreeSet<Span>,
    /// Relations between the spans.
    pub relations: BTreeSet<Relation>,
    /// Labels of the whole document.
    pub doc_labels: BTreeSet<LabelId>,
}

impl Annotations {
    /// The relations one of whose ends is `span`.
    pub fn relations_of(&self, span: Span) -> impl Iterator<Item = Relation> + '_ {
        self.relations
            .iter()
            .copied()
            .filter(move |r| r.touches(span))
    }
}

/// Why an edit could not be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Span(#[from] SpanError),
    #[error("span {0} is not in the document")]
    Missing(Span),
    #[error("suggestion {0} is already rejected")]
    AlreadyRejected(Span),
    #[error("suggestion {0} was not rejected")]
    NotRejected(Span),
    #[error("span {0} has relations; remove them first")]
    HasRelations(Span),
    #[error("relation {0} is already in the document")]
    DuplicateRelation(Relation),
    #[error("relation {0} is not in the document")]
    MissingRelation(Relation),
    #[error("a relation cannot link span {0} to itself")]
    SelfRelation(Span),
    #[error("the document label {0:?} is already set")]
    DuplicateDocLabel(LabelId),
    #[error("the document label {0:?} is not set")]
    MissingDocLabel(LabelId),
    #[error("the document's status is {actual:?}, not {expected:?}")]
    StatusMismatch {
        expected: DocStatus,
        actual: DocStatus,
    },
}

impl Edit {
    /// Adds `span`; a document still `new` becomes in progress in the same step.
    #[must_use]
    pub fn add_span_starting(span: Span, status: DocStatus) -> Edit {
        Edit::AddSpan { span }.starting(status)
    }

    /// This edit, and a document still `new` (its status `status`) becomes in progress in
    /// the same step.
    #[must_use]
    pub fn starting(self, status: DocStatus) -> Edit {
        if status == DocStatus::New {
            Edit::Batch {
                edits: vec![
                    self,
                    Edit::SetStatus {
                        from: DocStatus::New,
                        to: DocStatus::InProgress,
                    },
                ],
            }
        } else {
            self
        }
    }

    /// The edit that undoes this one.
    #[must_use]
    pub fn inverse(&self) -> Edit {
        match self {
            Edit::AddSpan { span } => Edit::RemoveSpan { span: *span },
            Edit::RemoveSpan { span } => Edit::AddSpan { span: *span },
            Edit::Reject { span } => Edit::Unreject { span: *span },
            Edit::Unreject { span } => Edit::Reject { span: *span },
            Edit::AddRelation { relation } => Edit::RemoveRelation {
                relation: *relation,
            },
            Edit::RemoveRelation { relation } => Edit::AddRelation {
                relation: *relation,
            },
            Edit::AddDocLabel { label } => Edit::RemoveDocLabel { label: *label },
            Edit::RemoveDocLabel { label } => Edit::AddDocLabel { label: *label },
            Edit::ReplaceSpan { from, to } => Edit::ReplaceSpan {
                from: *to,
                to: *from,
            },
            Edit::SetStatus { from, to } => Edit::SetStatus {
                from: *to,
                to: *from,
            },
            Edit::Batch { edits } => Edit::Batch {
                edits: edits.iter().rev().map(Edit::inverse).collect(),
            },
        }
    }

    /// True when the edit changes nothing.
    #[must_use]
    pub fn is_noop(&self) -> bool {
        match self {
            Edit::ReplaceSpan { from, to } => from == to,
            Edit::SetStatus { from, to } => from == to,
            Edit::Batch { edits } => edits.iter().all(Edit::is_noop),
            _ => false,
        }
    }

    /// Applies the edit to `ann`, all or nothing.
    pub fn apply(&self, ann: &mut Annotations, policy: OverlapPolicy) -> Result<(), EditError> {
        let mut next = ann.clone();
        self.apply_in_place(&mut next, policy)?;
        *ann = next;
        Ok(())
    }

    fn apply_in_place(
        &self,
        ann: &mut Annotations,
        policy: OverlapPolicy,
    ) -> Result<(), EditError> {
        match self {
            Edit::AddSpan { span } => ann.spans.insert(*span, policy)?,
            Edit::RemoveSpan { span } => {
                if ann.relations_of(*span).next().is_some() {
                    return Err(EditError::HasRelations(*span));
                }
                if !ann.spans.remove(*span) {
                    return Err(EditError::Missing(*span));
                }
            }
            Edit::AddRelation { relation: r } => {
                for end in [r.from, r.to] {
                    if !ann.spans.contains(end) {
                        return Err(EditError::Missing(end));
                    }
                }
                if r.from == r.to {
                    return Err(EditError::SelfRelation(r.from));
                }
                if !ann.relations.insert(*r) {
                    return Err(EditError::DuplicateRelation(*r));
                }
            }
            Edit::RemoveRelation { relation } => {
                if !ann.relations.remove(relation) {
                    return Err(EditError::MissingRelation(*relation));
                }
            }
            Edit::AddDocLabel { label } => {
                if !ann.doc_labels.insert(*label) {
                    return Err(EditError::DuplicateDocLabel(*label));
                }
            }
            Edit::RemoveDocLabel { label } => {
                if !ann.doc_labels.remove(label) {
                    return Err(EditError::MissingDocLabel(*label));
                }
            }
            Edit::Reject { span } => {
                if !ann.rejected.insert(*span) {
                    return Err(EditError::AlreadyRejected(*span));
                }
            }
            Edit::Unreject { span } => {
                if !ann.rejected.remove(span) {
                    return Err(EditError::NotRejected(*span));
                }
            }
            Edit::ReplaceSpan { from, to } => {
                if !ann.spans.remove(*from) {
                    return Err(EditError::Missing(*from));
                }
                ann.spans.insert(*to, policy)?;
                // The span's relations follow it.
                let moved: Vec<Relation> = ann.relations_of(*from).collect();
                for r in moved {
                    ann.relations.remove(&r);
                    let end = |s: Span| if s == *from { *to } else { s };
                    let n = Relation {
                        from: end(r.from),
                        to: end(r.to),
                        label: r.label,
                    };
                    if !ann.relations.insert(n) {
                        return Err(EditError::DuplicateRelation(n));
                    }
                }
            }
            Edit::SetStatus { from, to } => {
                if ann.status != *from {
                    return Err(EditError::StatusMismatch {
                        expected: *from,
                        actual: ann.status,
                    });
                }
                ann.status = *to;
            }
            Edit::Batch { edits } => {
                for e in edits {
                    e.apply_in_place(ann, policy)?;
                }
            }
        }
        Ok(())
    }

    /// Whether the edit adds, removes or changes a span of `label`.
    #[must_use]
    pub fn mentions_label(&self, label: super::label::LabelId) -> bool {
        match self {
            Edit::AddSpan { span }
            | Edit::RemoveSpan { span }
            | Edit::Reject { span }
            | Edit::Unreject { span } => span.label == label,
            Edit::ReplaceSpan { from, to } => from.label == label || to.label == label,
            Edit::AddRelation { relation: r } | Edit::RemoveRelation { relation: r } => {
                r.label == label || r.from.label == label || r.to.label == label
            }
            Edit::AddDocLabel { label: l } | Edit::RemoveDocLabel { label: l } => *l == label,
            Edit::SetStatus { .. } => false,
            Edit::Batch { edits } => edits.iter().any(|e| e.mentions_label(label)),
        }
    }

    /// Every span the edit adds (for scrolling to or selecting the result).
    #[must_use]
    pub fn added_spans(&self) -> Vec<Span> {
        match self {
            Edit::AddSpan { span } | Edit::ReplaceSpan { to: span, .. } => vec![*span],
            Edit::Batch { edits } => edits.iter().flat_map(Edit::added_spans).collect(),
            _ => Vec::new(),
        }
    }
}

/// Undo and redo stacks of one document, as plain data: `undo` hands back the edit to apply.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    done: Vec<Edit>,
    undone: Vec<Edit>,
}

impl History {
    #[must_use]
    pub fn new() -> Self {
        History::default()
    }

    /// Records an applied edit; it clears what could be redone.
    pub fn push(&mut self, edit: Edit) {
        self.undone.clear();
        self.done.push(edit);
    }

    /// Steps back: returns the inverse edit the caller must apply.
    pub fn undo(&mut self) -> Option<Edit> {
        let e = self.done.pop()?;
        let inv = e.inverse();
        self.undone.push(e);
        Some(inv)
    }

    /// Steps forward again: returns the edit to re-apply.
    pub fn redo(&mut self) -> Option<Edit> {
        let e = self.undone.pop()?;
        self.done.push(e.clone());
        Some(e)
    }

    #[must_use]
    pub fn can_undo(&self) -> bool {
        !self.done.is_empty()
    }

    #[must_use]
    pub fn can_redo(&self) -> bool {
        !self.undone.is_empty()
    }

    /// Edits applied so far, oldest first, and the undone ones, next-to-redo last.
    #[must_use]
    pub fn stacks(&self) -> (&[Edit], &[Edit]) {
        (&self.done, &self.undone)
    }

    /// Rebuilds a history from stored stacks.
    #[must_use]
    pub fn from_stacks(done: Vec<Edit>, undone: Vec<Edit>) -> Self {
        History { done, undone }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The project file stores edits as this JSON: a renamed variant or field must fail here,
    /// not silently drop the undo history of existing projects.
    #[test]
    fn the_stored_edit_json_is_pinned() {
        use crate::domain::LabelId;
        let span = Span::new(4, 9, LabelId(3)).expect("span");
        let to = Span::new(4, 10, LabelId(30)).expect("span");
        let cases = [
            (
                Edit::AddSpan { span },
                r#"{"op":"add_span","span":{"start":4,"end":9,"label":3}}"#,
            ),
            (
                Edit::RemoveSpan { span },
                r#"{"op":"remove_span","span":{"start":4,"end":9,"label":3}}"#,
            ),
            (
                Edit::ReplaceSpan { from: span, to },
                r#"{"op":"replace_span","from":{"start":4,"end":9,"label":3},"to":{"start":4,"end":10,"label":30}}"#,
            ),
            (
                Edit::SetStatus {
                    from: DocStatus::New,
                    to: DocStatus::InProgress,
                },
                r#"{"op":"set_status","from":"new","to":"in_progress"}"#,
            ),
            (
                Edit::Reject { span },
                r#"{"op":"reject","span":{"start":4,"end":9,"label":3}}"#,
            ),
            (
                Edit::Batch {
                    edits: vec![Edit::AddSpan { span }],
                },
                r#"{"op":"batch","edits":[{"op":"add_span","span":{"start":4,"end":9,"label":3}}]}"#,
            ),
        ];
        for (edit, json) in cases {
            assert_eq!(serde_json::to_string(&edit).expect("json"), json);
            assert_eq!(serde_json::from_str::<Edit>(json).expect("decode"), edit);
        }
    }
    use crate::domain::label::LabelId;

    fn sp(s: usize, e: usize, l: u32) -> Span {
        Span::new(s, e, LabelId(l)).expect("span")
    }

    #[test]
    fn every_edit_undone_by_its_inverse() {
        let linked = Relation {
            from: sp(5, 8, 2),
            to: sp(10, 12, 4),
            label: LabelId(9),
        };
        let base = Annotations {
            spans: SpanSet::from_unchecked(vec![sp(0, 3, 1), sp(5, 8, 2), sp(10, 12, 4)]),
            status: DocStatus::New,
            rejected: [sp(30, 34, 2)].into(),
            relations: [linked].into(),
            doc_labels: [LabelId(6)].into(),
        };
        let edits = [
            Edit::AddSpan {
                span: sp(13, 15, 1),
            },
            Edit::RemoveSpan { span: sp(0, 3, 1) },
            Edit::AddRelation {
                relation: Relation {
                    from: sp(0, 3, 1),
                    to: sp(5, 8, 2),
                    label: LabelId(9),
                },
            },
            Edit::RemoveRelation { relation: linked },
            Edit::Batch {
                edits: vec![
                    Edit::RemoveRelation { relation: linked },
                    Edit::AddRelation {
                        relation: linked.reversed(),
                    },
                ],
            },
            Edit::AddDocLabel { label: LabelId(7) },
            Edit::RemoveDocLabel { label: LabelId(6) },
            Edit::ReplaceSpan {
                from: sp(5, 8, 2),
                to: sp(4, 8, 1),
            },
            Edit::SetStatus {
                from: DocStatus::New,
                to: DocStatus::Done,
            },
            Edit::Reject {
                span: sp(10, 12, 1),
            },
            Edit::Unreject {
                span: sp(30, 34, 2),
            },
            Edit::Batch {
                edits: vec![
                    Edit::AddSpan {
                        span: sp(20, 22, 3),
                    },
                    Edit::Reject {
                        span: sp(20, 22, 1),
                    },
                    Edit::RemoveSpan { span: sp(0, 3, 1) },
                    Edit::SetStatus {
                        from: DocStatus::New,
                        to: DocStatus::InProgress,
                    },
                ],
            },
        ];
        for e in edits {
            let mut a = base.clone();
            e.apply(&mut a, OverlapPolicy::Forbid).expect("apply");
            assert_ne!(a, base, "{e:?} changed nothing");
            e.inverse()
                .apply(&mut a, OverlapPolicy::Forbid)
                .expect("inverse");
            assert_eq!(a, base, "{e:?}");
        }
    }

    #[test]
    fn relations_need_both_ends_and_follow_a_changed_span() {
        let (a, b) = (sp(0, 3, 1), sp(5, 8, 2));
        let mut ann = Annotations {
            spans: SpanSet::from_unchecked(vec![a, b]),
            ..Annotations::default()
        };
        let r = Relation {
            from: a,
            to: b,
            label: LabelId(9),
        };
        let missing = Relation {
            to: sp(20, 22, 1),
            ..r
        };
        let p = OverlapPolicy::Forbid;
        assert_eq!(
            Edit::AddRelation { relation: missing }.apply(&mut ann, p),
            Err(EditError::Missing(sp(20, 22, 1)))
        );
        assert_eq!(
            Edit::AddRelation {
                relation: Relation { to: a, ..r }
            }
            .apply(&mut ann, p),
            Err(EditError::SelfRelation(a))
        );
        Edit::AddRelation { relation: r }
            .apply(&mut ann, p)
            .expect("add");
        assert_eq!(
            Edit::AddRelation { relation: r }.apply(&mut ann, p),
            Err(EditError::DuplicateRelation(r))
        );
        // A span with a relation is not removed behind the relation's back.
        assert_eq!(
            Edit::RemoveSpan { span: a }.apply(&mut ann, p),
            Err(EditError::HasRelations(a))
        );
        // Relabelled, it keeps its relation.
        let a2 = a.with_label(LabelId(3));
        Edit::ReplaceSpan { from: a, to: a2 }
            .apply(&mut ann, p)
            .expect("replace");
        assert_eq!(
            ann.relations.iter().copied().collect::<Vec<_>>(),
            vec![Relation { from: a2, ..r }]
        );
    }

    #[test]
    fn a_suggestion_is_rejected_once_and_taken_back_once() {
        let mut a = Annotations::default();
        let r = Edit::Reject { span: sp(0, 4, 1) };
        r.apply(&mut a, OverlapPolicy::Forbid).expect("reject");
        assert!(a.rejected.contains(&sp(0, 4, 1)));
        assert!(a.spans.is_empty(), "a rejection is not a span");
        assert_eq!(
            r.apply(&mut a, OverlapPolicy::Forbid),
            Err(EditError::AlreadyRejected(sp(0, 4, 1)))
        );
        r.inverse()
            .apply(&mut a, OverlapPolicy::Forbid)
            .expect("unreject");
        assert_eq!(
            r.inverse().apply(&mut a, OverlapPolicy::Forbid),
            Err(EditError::NotRejected(sp(0, 4, 1)))
        );
    }

    #[test]
    fn a_failing_batch_changes_nothing() {
        let mut a = Annotations::default();
        let batch = Edit::Batch {
            edits: vec![
                Edit::AddSpan { span: sp(0, 4, 1) },
                Edit::AddSpan { span: sp(2, 6, 1) },
            ],
        };
        assert!(matches!(
            batch.apply(&mut a, OverlapPolicy::Forbid),
            Err(EditError::Span(SpanError::Overlap { .. }))
        ));
        assert!(a.spans.is_empty());
        batch
            .apply(&mut a, OverlapPolicy::Allow)
            .expect("nested allowed");
        assert_eq!(a.spans.len(), 2);
    }

    #[test]
    fn undo_redo_sequence() {
        let mut a = Annotations::default();
        let mut h = History::new();
        let p = OverlapPolicy::Forbid;
        for e in [
            Edit::AddSpan { span: sp(0, 2, 1) },
            Edit::AddSpan { span: sp(3, 5, 1) },
        ] {
            e.apply(&mut a, p).expect("apply");
            h.push(e);
        }
        let u = h.undo().expect("undo");
        u.apply(&mut a, p).expect("apply undo");
        assert_eq!(a.spans.len(), 1);
        let r = h.redo().expect("redo");
        r.apply(&mut a, p).expect("apply redo");
        assert_eq!(a.spans.len(), 2);
        h.undo().expect("undo").apply(&mut a, p).expect("undo 2");
        h.undo().expect("undo").apply(&mut a, p).expect("undo 1");
        assert!(a.spans.is_empty());
        assert!(h.undo().is_none());
        // A new edit after undo drops the redo stack.
        let e = Edit::AddSpan { span: sp(7, 9, 2) };
        e.apply(&mut a, p).expect("apply");
        h.push(e);
        assert!(!h.can_redo());
        let json = serde_json::to_string(&h).expect("json");
        assert_eq!(serde_json::from_str::<History>(&json).expect("back"), h);
    }
}
