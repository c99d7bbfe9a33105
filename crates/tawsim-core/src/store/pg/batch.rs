//! An import into a team project sends its rows a batch at a time: one statement per table
//! for up to [`Batch::DOCS`] documents (their texts, search rows, statuses, times and
//! spans), instead of a few statements per document over the connection. A document's id
//! is known when it is added: ids are taken from the table's sequence a block at a time.

use postgres::Transaction;

/// Rows of an import waiting to be sent, each table's columns side by side.
#[derive(Default)]
pub(super) struct Batch {
    /// Ids taken from the sequence and not used yet, the next last.
    free: Vec<i64>,
    doc_ids: Vec<i64>,
    names: Vec<String>,
    texts: Vec<String>,
    metas: Vec<String>,
    lens: Vec<i64>,
    /// The search index's rows (documents' ids, normalised texts).
    norm_ids: Vec<i64>,
    norms: Vec<String>,
    status_ids: Vec<i64>,
    statuses: Vec<&'static str>,
    time_ids: Vec<i64>,
    times: Vec<f64>,
    span_docs: Vec<i64>,
    starts: Vec<i64>,
    ends: Vec<i64>,
    labels: Vec<i32>,
    /// Bytes of text waiting.
    bytes: usize,
}

/// A new document's row.
pub(super) struct NewDoc {
    pub name: String,
    pub text: String,
    pub meta: String,
    pub chars: i64,
    /// Its search index row, when the project keeps one.
    pub norm: Option<String>,
}

impl Batch {
    /// Documents sent in one batch at most.
    pub(super) const DOCS: usize = 2_000;
    /// Spans sent in one batch at most.
    const SPANS: usize = 50_000;
    /// Bytes of text sent in one batch at most.
    const BYTES: usize = 8 << 20;
    /// Ids taken from the sequence at a time.
    const IDS: i32 = 1_024;

    /// An id for a new document (the next of the sequence's block); `None` if the server
    /// gave none.
    pub(super) fn new_id(
        &mut self,
        tx: &mut Transaction<'_>,
        q: &str,
    ) -> Result<Option<i64>, postgres::Error> {
        if self.free.is_empty() {
            let rows = tx.query(
                "SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2::int)",
                &[&format!("{q}.documents"), &Self::IDS],
            )?;
            self.free = rows.iter().rev().map(|r| r.get(0)).collect();
        }
        Ok(self.free.pop())
    }

    pub(super) fn document(&mut self, id: i64, d: NewDoc) {
        self.bytes += d.text.len() * 2 + d.name.len() + d.meta.len();
        if let Some(norm) = d.norm {
            self.norm_ids.push(id);
            self.norms.push(norm);
        }
        self.doc_ids.push(id);
        self.names.push(d.name);
        self.texts.push(d.text);
        self.metas.push(d.meta);
        self.lens.push(d.chars);
    }

    pub(super) fn status(&mut self, doc: i64, status: &'static str) {
        self.status_ids.push(doc);
        self.statuses.push(status);
    }

    pub(super) fn time(&mut self, doc: i64, seconds: f64) {
        self.time_ids.push(doc);
        self.times.push(seconds);
    }

    pub(super) fn span(&mut self, doc: i64, start: i64, end: i64, label: i32) {
        self.span_docs.push(doc);
        self.starts.push(start);
        self.ends.push(end);
        self.labels.push(label);
    }

    /// Whether the batch should be sent before more is added.
    pub(super) fn full(&self) -> bool {
        self.doc_ids.len() >= Self::DOCS
            || self.status_ids.len() >= Self::DOCS
            || self.span_docs.len() >= Self::SPANS
            || self.bytes >= Self::BYTES
    }

    /// Sends every waiting row (documents first: the others refer to them), `layer` being
    /// the importing annotator's.
    pub(super) fn send(
        &mut self,
        tx: &mut Transaction<'_>,
        q: &str,
        layer: i64,
    ) -> Result<(), postgres::Error> {
        if !self.doc_ids.is_empty() {
            tx.execute(
                &format!(
                    "INSERT INTO {q}.documents (id, name, text, meta, char_len)
                     SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[])"
                ),
                &[&self.doc_ids, &self.names, &self.texts, &self.metas, &self.lens],
            )?;
        }
        if !self.norm_ids.is_empty() {
            tx.execute(
                &format!(
                    "INSERT INTO {q}.text_index (doc_id, norm)
                     SELECT * FROM unnest($1::bigint[], $2::text[])
                     ON CONFLICT (doc_id) DO UPDATE SET norm = excluded.norm"
                ),
                &[&self.norm_ids, &self.norms],
            )?;
        }
        if !self.status_ids.is_empty() {
            tx.execute(
                &format!(
                    "INSERT INTO {q}.layer_status (doc_id, annotator_id, status)
                     SELECT d, $2::bigint, s FROM unnest($1::bigint[], $3::text[]) AS u(d, s)"
                ),
                &[&self.status_ids, &layer, &self.statuses],
            )?;
        }
        if !self.time_ids.is_empty() {
            tx.execute(
                &format!(
                    "INSERT INTO {q}.layer_time (doc_id, annotator_id, seconds)
                     SELECT d, $2::bigint, t FROM unnest($1::bigint[], $3::float8[]) AS u(d, t)
                     ON CONFLICT (doc_id, annotator_id) DO UPDATE SET seconds = excluded.seconds"
                ),
                &[&self.time_ids, &layer, &self.times],
            )?;
        }
        if !self.span_docs.is_empty() {
            tx.execute(
                &format!(
                    "INSERT INTO {q}.layer_spans (doc_id, annotator_id, start, \"end\", label_id)
                     SELECT d, $2::bigint, s, e, l FROM unnest($1::bigint[], $3::bigint[], $4::bigint[], $5::int[]) AS u(d, s, e, l)"
                ),
                &[&self.span_docs, &layer, &self.starts, &self.ends, &self.labels],
            )?;
        }
        let free = std::mem::take(&mut self.free);
        *self = Batch {
            free,
            ..Batch::default()
        };
        Ok(())
    }
}
