//! Store benchmarks: one durable edit (a committed, fsynced transaction), and opening a
//! project of 100,000 documents (the list and the first document, as the window does).

use criterion::{Criterion, criterion_group, criterion_main};
use std::time::Duration;
use tawsim::domain::{AnnotatedDocument, Edit, LabelId, Span};
use tawsim::store::{Project, StoreError};

const SEED: &str = include_str!("../assets/samples/libya-ceasefire-ar.txt");

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn edit_durable(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let mut p = Project::create(&dir.path().join("b.tawsim")).expect("create");
    let doc = AnnotatedDocument {
        name: "seed".into(),
        text: SEED.into(),
        ..Default::default()
    };
    p.import(|s| s.add(doc).map(drop), |_| true)
        .map_err(|e: StoreError| e)
        .expect("import");
    let id = p.documents().expect("docs")[0].id;
    let span = Span::new(10, 20, LabelId(1)).expect("span");
    let (add, remove) = (Edit::AddSpan { span }, Edit::RemoveSpan { span });
    let mut on = false;
    c.bench_function("store/edit_durable", |b| {
        b.iter(|| {
            p.apply(id, if on { &remove } else { &add }).expect("apply");
            on = !on;
        });
    });
}

fn open_100k(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("big.tawsim");
    let paragraphs: Vec<&str> = SEED
        .split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .collect();
    let mut text_bytes = 0usize;
    {
        let mut p = Project::create(&path).expect("create");
        p.import(
            |sink| {
                for i in 0..100_000 {
                    let text = paragraphs[i % paragraphs.len()].to_string();
                    text_bytes += text.len();
                    sink.add(AnnotatedDocument {
                        name: format!("doc-{i:06}"),
                        text,
                        ..Default::default()
                    })?;
                }
                Ok::<_, StoreError>(())
            },
            |_| true,
        )
        .expect("import");
    }
    let before = rss_kib();
    let p = Project::open(&path).expect("open");
    let docs = p.documents().expect("list");
    let first = p.document(docs[0].id).expect("first");
    let after = rss_kib();
    eprintln!(
        "store/open_100k: {} documents, {:.1} MB of text; resident memory grew {:.1} MB on open (list + first document)",
        docs.len(),
        text_bytes as f64 / 1e6,
        (after.saturating_sub(before)) as f64 / 1024.0
    );
    drop((p, docs, first));
    let mut g = c.benchmark_group("store");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("open_100k_documents", |b| {
        b.iter(|| {
            let p = Project::open(&path).expect("open");
            let docs = p.documents().expect("list");
            let first = p.document(docs[0].id).expect("first");
            (docs.len(), first.text.len())
        });
    });
    g.finish();
}

criterion_group!(benches, edit_durable, open_100k);
criterion_main!(benches);
