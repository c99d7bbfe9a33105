//! Import and export throughput (MB/s of the file read or written) for doccano JSONL and
//! CoNLL on ANERcorp (1.8 MB, 150k tokens; a doccano file made from it) and on a generated
//! corpus of 100,000 documents (one ANERcorp sentence each, with its spans, in turn).
//! Small samples so `cargo bench --bench formats` finishes in a few minutes.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tawsim::domain::{AnnotatedDocument, TaggedSpan};
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

/// 100,000 short documents: ANERcorp cut into pieces of about 40 words (never inside a
/// span), with their spans, in turn.
fn generated_corpus(anercorp: &[AnnotatedDocument]) -> Vec<AnnotatedDocument> {
    let mut pieces: Vec<(String, Vec<TaggedSpan>)> = Vec::new();
    for d in anercorp {
        let chars: Vec<char> = d.text.chars().collect();
        let inside = |c: usize| d.spans.iter().any(|s| s.start < c && c < s.end);
        let (mut start, mut words) = (0usize, 0usize);
        for (i, &ch) in chars.iter().enumerate() {
            if ch != ' ' && ch != '\n' {
                continue;
            }
            words += 1;
            if (words >= 40 && !inside(i)) || i + 1 == chars.len() {
                let text: String = chars[start..i].iter().collect();
                let spans = d
                    .spans
                    .iter()
                    .filter(|s| s.start >= start && s.end <= i)
                    .map(|s| TaggedSpan::new(s.start - start, s.end - start, s.label.clone()))
                    .collect();
                pieces.push((text, spans));
                (start, words) = (i + 1, 0);
            }
        }
    }
    (0..100_000)
        .map(|i| {
            let (text, spans) = &pieces[i % pieces.len()];
            AnnotatedDocument {
                name: format!("gen-{i}"),
                text: text.clone(),
                spans: spans.clone(),
                ..Default::default()
            }
        })
        .collect()
}

/// Import and export benchmarks of `docs` in both formats, files named after `what`.
fn bench_corpus(c: &mut Criterion, dir: &Path, what: &str, docs: &[AnnotatedDocument]) {
    let jsonl = dir.join(format!("{what}.jsonl"));
    let conll = dir.join(format!("{what}.conll"));
    for (format, path) in [(Format::Doccano, &jsonl), (Format::Conll, &conll)] {
        export_documents(
            &mut docs.iter().cloned(),
            format,
            path,
            &ExportOptions::default(),
        )
        .expect("export");
    }
    let mut g = c.benchmark_group("import");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    for (format, path, name) in [
        (Format::Conll, &conll, "conll"),
        (Format::Doccano, &jsonl, "doccano"),
    ] {
        g.throughput(Throughput::Bytes(size(path)));
        g.bench_function(format!("{name}_{what}"), |b| {
            b.iter(|| black_box(import_all(path, format).len()))
        });
    }
    g.finish();

    let mut g = c.benchmark_group("export");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    let forced = ExportOptions {
        force: true,
        ..Default::default()
    };
    for (format, path, name) in [
        (Format::Doccano, &jsonl, "doccano"),
        (Format::Conll, &conll, "conll"),
    ] {
        let out = dir.join(format!("out-{what}-{name}"));
        g.throughput(Throughput::Bytes(size(path)));
        g.bench_function(format!("{name}_{what}"), |b| {
            b.iter(|| {
                export_documents(&mut docs.iter().cloned(), format, &out, &forced).expect("export")
            });
        });
    }
    g.finish();
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
    // The file as distributed (its quirks included), then our exports of it.
    let mut g = c.benchmark_group("import");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6));
    g.throughput(Throughput::Bytes(size(&conll)));
    g.bench_function("conll_anercorp_original_file", |b| {
        b.iter(|| black_box(import_all(&conll, Format::Conll).len()))
    });
    g.finish();
    bench_corpus(c, dir.path(), "anercorp", &docs);
    let generated = generated_corpus(&docs);
    let bytes: usize = generated.iter().map(|d| d.text.len()).sum();
    eprintln!(
        "generated corpus: {} documents, {:.1} MB of text",
        generated.len(),
        bytes as f64 / 1e6
    );
    bench_corpus(c, dir.path(), "generated_100k_docs", &generated);
}

criterion_group!(benches, bench);
criterion_main!(benches);
