//! Relations and document labels in the session. A relation is made with the keyboard
//! alone: select a span (Tab), press the relation key, choose the target among the other
//! spans (Tab / Shift+Tab, nearest first in reading order, or a click), then the type (its
//! hotkey; Enter when only one type fits the two spans' labels). Deleting a span that has
//! relations asks first; the answer deletes them with it as one undo step. Document labels
//! are ticked and unticked on the open document; ticking one of a group unticks the others
//! of the group (a single choice).

use super::{Session, SessionOp, ViewRequest};
use crate::domain::{DocStatus, Edit, LabelId, LabelKind, Relation, Span};
use crate::store::Store;

/// A relation being made: its start, the target the keys point at, and whether the target
/// is chosen (the type is asked next).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Linking {
    pub from: Span,
    pub target: Option<Span>,
    /// Enter was pressed on the target: a type key finishes.
    pub choosing_type: bool,
}

impl<S: Store> Session<S> {
    /// The relation and document-label half of [`Session::apply`].
    pub(super) fn apply_relation_op(&mut self, op: SessionOp) {
        let keep = self.selected_span;
        match op {
            SessionOp::StartRelation => self.start_relation(),
            SessionOp::StepRelationTarget { back } => self.step_relation_target(back),
            SessionOp::PickRelationTarget(s) => self.pick_relation_target(s),
            SessionOp::LinkSpans { from, to } => self.link_spans(from, to),
            SessionOp::ConfirmRelation => self.confirm_relation(),
            SessionOp::FinishRelation(l) => self.finish_relation(l),
            SessionOp::CancelRelation => {
                if self.linking.take().is_some() {
                    self.status = "Relation cancelled".into();
                }
            }
            SessionOp::SelectRelation(r) => {
                self.selected_relation = r;
                if let Some(r) = r {
                    self.selected_span = None;
                    self.view_requests.push(ViewRequest::ScrollTo(r.from.start));
                }
                return;
            }
            SessionOp::DeleteRelation(r) => self.delete_relation(r),
            SessionOp::ReverseRelation(r) => self.reverse_relation(r),
            SessionOp::RetypeRelation(r, l) => self.retype_relation(r, l),
            SessionOp::DeleteSpanWithRelations(s) => {
                self.delete_span_with_relations(s);
                return;
            }
            SessionOp::KeepSpan => self.span_to_delete = None,
            SessionOp::ToggleDocLabel(l) => self.toggle_doc_label(l),
            _ => return,
        }
        // An edit of relations or document labels keeps the selected span.
        if self.selected_span.is_none()
            && let Some(s) = keep
            && self.doc.as_ref().is_some_and(|d| d.ann.spans.contains(s))
        {
            self.selected_span = Some(s);
        }
    }

    /// Drops a selected relation or a relation being made whose spans are gone (undo,
    /// another document).
    pub(super) fn forget_stale_relation_state(&mut self) {
        let Some(doc) = &self.doc else {
            self.selected_relation = None;
            self.linking = None;
            self.span_to_delete = None;
            return;
        };
        if self
            .selected_relation
            .is_some_and(|r| !doc.ann.relations.contains(&r))
        {
            self.selected_relation = None;
        }
        if self
            .linking
            .is_some_and(|l| !doc.ann.spans.contains(l.from))
        {
            self.linking = None;
        }
        if self
            .span_to_delete
            .is_some_and(|s| !doc.ann.spans.contains(s))
        {
            self.span_to_delete = None;
        }
    }

    /// The enabled relation types that may link `from` to `to`.
    #[must_use]
    pub fn relation_types_for(&self, from: Span, to: Span) -> Vec<LabelId> {
        self.label_set()
            .into_iter()
            .flat_map(|set| set.enabled_of(LabelKind::Relation))
            .filter(|l| l.allows(from.label, to.label))
            .map(|l| l.id)
            .collect()
    }

    /// Spans a relation from `from` may point to, in reading order.
    fn targets(&self, from: Span) -> Vec<Span> {
        let Some(doc) = &self.doc else {
            return Vec::new();
        };
        doc.ann
            .spans
            .iter()
            .filter(|s| *s != from && !self.relation_types_for(from, *s).is_empty())
            .collect()
    }

    /// Starts a relation from the selected span (the relation key).
    pub(super) fn start_relation(&mut self) {
        if self.read_only_layer() {
            return;
        }
        let Some(from) = self.selected_span else {
            self.status = "Select a span first (Tab), then press R to link it".into();
            return;
        };
        if self
            .label_set()
            .is_none_or(|set| set.enabled_of(LabelKind::Relation).next().is_none())
        {
            self.status =
                "The project has no relation types: add one in the label panel (kind: relation)"
                    .into();
            return;
        }
        let targets = self.targets(from);
        // The nearest span after it in reading order, else the one before.
        let target = targets
            .iter()
            .find(|s| s.start >= from.end)
            .or_else(|| targets.last())
            .copied();
        if target.is_none() {
            self.status = "No other span can be the relation's target".into();
            return;
        }
        self.linking = Some(Linking {
            from,
            target,
            choosing_type: false,
        });
        self.scroll_to_target();
        self.status =
            "Relation: Tab / Shift+Tab or a click choose the target, a type's key or Enter makes it, Escape cancels"
                .into();
    }

    fn scroll_to_target(&mut self) {
        if let Some(t) = self.linking.and_then(|l| l.target) {
            self.view_requests.push(ViewRequest::ScrollTo(t.start));
        }
    }

    /// Moves the relation's target to the next (`back`: previous) candidate.
    pub(super) fn step_relation_target(&mut self, back: bool) {
        let Some(link) = self.linking else { return };
        let targets = self.targets(link.from);
        if targets.is_empty() {
            return;
        }
        let n = targets.len() as isize;
        let i = link
            .target
            .and_then(|t| targets.iter().position(|s| *s == t))
            .map_or(0, |i| {
                (i as isize + if back { -1 } else { 1 }).rem_euclid(n)
            });
        self.linking = Some(Linking {
            target: Some(targets[usize::try_from(i).unwrap_or(0)]),
            choosing_type: false,
            ..link
        });
        self.scroll_to_target();
    }

    /// A click on a span while a relation is being made: it becomes the target.
    pub(super) fn pick_relation_target(&mut self, span: Span) {
        let Some(link) = self.linking else { return };
        if span == link.from {
            return;
        }
        self.linking = Some(Linking {
            target: Some(span),
            choosing_type: false,
            ..link
        });
    }

    /// A relation from `from` to `to` at once (a drag from a tag): as the relation key, a
    /// click on the target and Enter.
    pub(super) fn link_spans(&mut self, from: Span, to: Span) {
        if self.read_only_layer() {
            return;
        }
        let present = |s: Span| self.doc.as_ref().is_some_and(|d| d.ann.spans.contains(s));
        if from == to || !present(from) || !present(to) {
            return;
        }
        if self.relation_types_for(from, to).is_empty() {
            self.status = "No relation type fits these two spans".into();
            return;
        }
        self.selected_span = Some(from);
        self.linking = Some(Linking {
            from,
            target: Some(to),
            choosing_type: false,
        });
        self.confirm_relation();
    }

    /// Enter: makes the relation when one type fits, else asks for the type.
    pub(super) fn confirm_relation(&mut self) {
        let Some(link) = self.linking else { return };
        let Some(to) = link.target else { return };
        match self.relation_types_for(link.from, to).as_slice() {
            [only] => self.finish_relation(*only),
            [] => self.status = "No relation type fits these two spans".into(),
            _ => {
                self.linking = Some(Linking {
                    choosing_type: true,
                    ..link
                });
                self.status = "Relation: press the type's key (Escape cancels)".into();
            }
        }
    }

    /// Makes the relation of type `label` to the current target.
    pub(super) fn finish_relation(&mut self, label: LabelId) {
        let Some(link) = self.linking else { return };
        let Some(to) = link.target else { return };
        if !self.relation_types_for(link.from, to).contains(&label) {
            let name = self.label_name(label);
            self.status = format!("{name} cannot link these two spans");
            return;
        }
        let relation = Relation {
            from: link.from,
            to,
            label,
        };
        let status = self.doc.as_ref().map_or(DocStatus::New, |d| d.ann.status);
        let edit = Edit::AddRelation { relation }.starting(status);
        let from = link.from;
        if self.edit(edit) {
            self.linking = None;
            self.selected_span = Some(from);
            self.selected_relation = Some(relation);
            self.status = format!("Relation {} made", self.label_name(label));
        }
    }

    fn label_name(&self, id: LabelId) -> String {
        self.label_set()
            .and_then(|set| set.get(id))
            .map_or_else(|| format!("label {}", id.0), |l| l.name.clone())
    }

    /// Deletes the selected span, or asks first when it has relations (the window shows the
    /// question while [`Session::span_to_delete`] is set).
    pub(super) fn delete_selected(&mut self) {
        if let Some(r) = self.selected_relation {
            self.delete_relation(r);
            return;
        }
        let Some(span) = self.selected_span else {
            return;
        };
        let linked = self
            .doc
            .as_ref()
            .map_or(0, |d| d.ann.relations_of(span).count());
        if linked > 0 {
            self.span_to_delete = Some(span);
            return;
        }
        if self.edit(Edit::RemoveSpan { span }) {
            self.selected_span = None;
            self.status = "Span deleted".into();
        }
    }

    /// Deletes a span with its relations, as one undo step (the answer to the question).
    pub(super) fn delete_span_with_relations(&mut self, span: Span) {
        self.span_to_delete = None;
        let Some(doc) = &self.doc else { return };
        let mut edits: Vec<Edit> = doc
            .ann
            .relations_of(span)
            .map(|relation| Edit::RemoveRelation { relation })
            .collect();
        let n = edits.len();
        edits.push(Edit::RemoveSpan { span });
        if self.edit(Edit::Batch { edits }) {
            self.selected_span = None;
            self.selected_relation = None;
            self.status = format!("Span deleted with its {n} relation(s)");
        }
    }

    pub(super) fn delete_relation(&mut self, relation: Relation) {
        if self.edit(Edit::RemoveRelation { relation }) {
            self.selected_relation = None;
            self.status = "Relation deleted".into();
        }
    }

    /// Turns a relation round (its type must allow the other direction).
    pub(super) fn reverse_relation(&mut self, relation: Relation) {
        let back = relation.reversed();
        if !self
            .relation_types_for(back.from, back.to)
            .contains(&relation.label)
        {
            self.status = format!(
                "{} cannot go the other way between these labels",
                self.label_name(relation.label)
            );
            return;
        }
        if self.edit(Edit::Batch {
            edits: vec![
                Edit::RemoveRelation { relation },
                Edit::AddRelation { relation: back },
            ],
        }) {
            self.selected_relation = Some(back);
            self.status = "Relation reversed".into();
        }
    }

    /// Gives a relation another type.
    pub(super) fn retype_relation(&mut self, relation: Relation, label: LabelId) {
        if relation.label == label {
            return;
        }
        let to = Relation { label, ..relation };
        if self.edit(Edit::Batch {
            edits: vec![
                Edit::RemoveRelation { relation },
                Edit::AddRelation { relation: to },
            ],
        }) {
            self.selected_relation = Some(to);
            self.status = format!("Relation is now {}", self.label_name(label));
        }
    }

    /// Ticks or unticks a document label on the open document (one of a group unticks the
    /// others of its group).
    pub(super) fn toggle_doc_label(&mut self, label: LabelId) {
        let (Some(doc), Some(labels)) = (&self.doc, self.label_set()) else {
            return;
        };
        let Some(l) = labels.get(label) else {
            return;
        };
        if l.kind != LabelKind::Document {
            return;
        }
        let name = l.name.clone();
        let group = l.options.group.clone();
        let on = doc.ann.doc_labels.contains(&label);
        let mut edits = Vec::new();
        if on {
            edits.push(Edit::RemoveDocLabel { label });
        } else {
            if !group.is_empty() {
                for other in &doc.ann.doc_labels {
                    if labels.get(*other).is_some_and(|o| o.options.group == group) {
                        edits.push(Edit::RemoveDocLabel { label: *other });
                    }
                }
            }
            edits.push(Edit::AddDocLabel { label });
            if doc.ann.status == DocStatus::New {
                edits.push(Edit::SetStatus {
                    from: DocStatus::New,
                    to: DocStatus::InProgress,
                });
            }
        }
        let edit = if edits.len() == 1 {
            edits.remove(0)
        } else {
            Edit::Batch { edits }
        };
        if self.edit(edit) {
            self.status = if on {
                format!("Document label {name} removed")
            } else {
                format!("Document labelled {name}")
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::session_with;
    use super::*;
    use crate::domain::LabelOptions;

    #[test]
    fn a_relation_is_made_retyped_reversed_and_its_span_deleted_with_it() {
        let (_d, mut s) = session_with("التقى محمد مع علي في بنغازي");
        let mut set = s.labels();
        let per = set.by_name("PER").expect("PER").id;
        let loc = set.by_name("LOC").expect("LOC").id;
        let meets = set.add_kind("meets", LabelKind::Relation).expect("meets");
        let lives = set
            .add_kind("lives_in", LabelKind::Relation)
            .expect("lives");
        if let Some(l) = set.get_mut(lives) {
            l.options = LabelOptions {
                from: vec![per],
                to: vec![loc],
                ..LabelOptions::default()
            };
        }
        let topic = set.add_kind("politics", LabelKind::Document).expect("doc");
        let sport = set.add_kind("sport", LabelKind::Document).expect("doc");
        for id in [topic, sport] {
            if let Some(l) = set.get_mut(id) {
                l.options.group = "topic".into();
            }
        }
        s.save_labels(&set);
        assert!(s.apply_label(per, Some((6, 10))));
        s.apply(SessionOp::ClearSelection);
        assert!(s.apply_label(per, Some((14, 17))), "{}", s.status);
        s.apply(SessionOp::ClearSelection);
        assert!(s.apply_label(loc, Some((21, 27))));
        let (muh, ali, ben) = (
            Span::new(6, 10, per).expect("a"),
            Span::new(14, 17, per).expect("b"),
            Span::new(21, 27, loc).expect("c"),
        );
        // محمد, R: the nearest span after it is the target; Tab goes on to بنغازي.
        s.apply(SessionOp::SelectSpan(Some(muh)));
        s.apply(SessionOp::StartRelation);
        assert_eq!(s.linking.and_then(|l| l.target), Some(ali));
        s.apply(SessionOp::StepRelationTarget { back: false });
        assert_eq!(s.linking.and_then(|l| l.target), Some(ben));
        // Two types fit PER -> LOC: Enter asks; lives_in's key makes it.
        s.apply(SessionOp::ConfirmRelation);
        assert!(s.linking.is_some_and(|l| l.choosing_type));
        s.apply(SessionOp::FinishRelation(lives));
        let made = Relation {
            from: muh,
            to: ben,
            label: lives,
        };
        let ann = |s: &Session| s.current().expect("doc").ann.clone();
        assert_eq!(
            ann(&s).relations.iter().copied().collect::<Vec<_>>(),
            vec![made]
        );
        assert_eq!(ann(&s).status, DocStatus::InProgress);
        assert_eq!(s.selected_span, Some(muh));
        // PER -> PER: only meets fits, so Enter makes it.
        s.apply(SessionOp::StartRelation);
        s.apply(SessionOp::ConfirmRelation);
        assert_eq!(ann(&s).relations.len(), 2);
        // lives_in may not go LOC -> PER.
        s.apply(SessionOp::ReverseRelation(made));
        assert!(ann(&s).relations.contains(&made), "{}", s.status);
        let m = Relation {
            from: muh,
            to: ali,
            label: meets,
        };
        s.apply(SessionOp::ReverseRelation(m));
        assert!(ann(&s).relations.contains(&m.reversed()));
        s.apply(SessionOp::Undo);
        assert!(ann(&s).relations.contains(&m));
        // Deleting محمد asks; the answer takes both relations in one undo step.
        s.apply(SessionOp::SelectSpan(Some(muh)));
        s.apply(SessionOp::DeleteSelectedSpan);
        assert_eq!(s.span_to_delete, Some(muh));
        assert!(ann(&s).spans.contains(muh));
        s.apply(SessionOp::DeleteSpanWithRelations(muh));
        assert!(!ann(&s).spans.contains(muh));
        assert!(ann(&s).relations.is_empty());
        s.apply(SessionOp::Undo);
        assert_eq!(ann(&s).relations.len(), 2);
        // Document labels of one group are a single choice.
        s.apply(SessionOp::ToggleDocLabel(topic));
        s.apply(SessionOp::ToggleDocLabel(sport));
        assert_eq!(
            ann(&s).doc_labels.iter().copied().collect::<Vec<_>>(),
            vec![sport]
        );
        s.apply(SessionOp::ToggleDocLabel(sport));
        assert!(ann(&s).doc_labels.is_empty());
    }
}
