//! Import and export throughput (MB/s of the file read or written) for doccano JSONL and
//! CoNLL on ANERcorp (1.8 MB, 150k tokens) and a doccano file generated from it.
//! Small samples so `cargo bench --bench formats` finishes in a couple of minutes.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tawsim::domain::AnnotatedDocument;
use tawsim::formats::{ExportOptions, Format, ImportOptions, export_documents, import_path};

const ANERCORP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/data/anercorp/ANERCorp.txt"
);

fn import_all(path: &Path, format: Format) -> Vec<AnnotatedDocument> {
    let mut docs = Vec::new();
    import_path(path, format, &ImportOptions::default(), &mut |d| {
        docs.push(d);
        Ok(())
    })
    .expect("import");
    docs
}

fn size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

fn bench(c: &mut Criterion) {
    let conll = PathBuf::from(ANERCORP);
    if !conll.exists() {
        println!("skipped: {} is missing", conll.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let docs = import_all(&conll, Format::Conll);
    let jsonl = dir.path().join("anercorp.jsonl");
    export_documents(
        &mut docs.iter().cloned(),
        Format::Doccano,
        &jsonl,
        &ExportOptions::default(),
    )
    .expect("export");
    let conll_out = dir.path().join("anercorp.conll");
    export_documents(
        &mut docs.iter().cloned(),
        Format::Conll,
        &conll_out,
        &ExportOptions::default(),
    )
    .expect("export");

    let mut g = c.benchmark_group("import");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Bytes(size(&conll)));
    g.bench_function("conll_anercorp", |b| {
        b.iter(|| black_box(import_all(&conll, Format::Conll).len()))
    });
    g.throughput(Throughput::Bytes(size(&jsonl)));
    g.bench_function("doccano_anercorp", |b| {
        b.iter(|| black_box(import_all(&jsonl, Format::Doccano).len()))
    });
    g.finish();

    let mut g = c.benchmark_group("export");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let forced = ExportOptions {
        force: true,
        ..Default::default()
    };
    let out = dir.path().join("out.jsonl");
    g.throughput(Throughput::Bytes(size(&jsonl)));
    g.bench_function("doccano_anercorp", |b| {
        b.iter(|| {
            export_documents(&mut docs.iter().cloned(), Format::Doccano, &out, &forced)
                .expect("export")
        });
    });
    let out = dir.path().join("out.conll");
    g.throughput(Throughput::Bytes(size(&conll_out)));
    g.bench_function("conll_anercorp", |b| {
        b.iter(|| {
            export_documents(&mut docs.iter().cloned(), Format::Conll, &out, &forced)
                .expect("export")
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
