//! Team-project timings on a PostgreSQL server (BENCHMARKS.md, "Team projects"):
//!
//!   TAWSIM_BENCH_PG_URL=postgres://postgres@127.0.0.1:PORT/postgres \
//!     cargo run --release -p tawsim-core --example team_bench [DOCUMENTS] [EDITS_PER_ANNOTATOR]
//!
//! Makes a team project of DOCUMENTS (default 100,000) short Arabic documents, 8
//! annotators, 2 per document (round-robin, exclusive mode), then measures, through the
//! same store calls the session makes: one edit made durable while 8 annotators edit at the
//! same time (each on its own connection, as 8 processes would be), p50 and p99; opening
//! the project (connect, labels, settings, the document list, the first document); and
//! "next document". The URL must name a superuser (it makes roles); the project is dropped
//! at the end.

use std::time::{Duration, Instant};
use tawsim_core::domain::{Edit, Role, Span};
use tawsim_core::store::pg::{Spread, add_annotator, assign, team_init};
use tawsim_core::store::{NextAssigned, PgProject, Store, TeamLocation};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("TAWSIM_BENCH_PG_URL")
        .map_err(|_| "set TAWSIM_BENCH_PG_URL to a superuser URL of a test server")?;
    let mut args = std::env::args().skip(1);
    let docs: i64 = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let edits: usize = args.next().map_or(Ok(200), |a| a.parse())?;
    let project = format!("bench_{}", std::process::id());
    let manager = TeamLocation::parse(&format!("{base}?project={project}"), None)?;
    team_init(&manager)?;
    let names: Vec<String> = (0..8)
        .map(|i| format!("bench_{}_{i}", std::process::id()))
        .collect();
    for n in &names {
        add_annotator(&manager, n, Role::Annotator, None)?;
    }
    // The documents, made on the server in one statement (an import would go through the
    // same rows; its speed is measured elsewhere).
    let t = Instant::now();
    let mut su = postgres::Client::connect(&base, postgres::NoTls)?;
    su.batch_execute(&format!(
        "INSERT INTO tawsim_{project}.documents (name, text, meta, char_len)
         SELECT 'doc' || i, 'وصل الوفد إلى جنيف صباح اليوم ' || i || ' للقاء المبعوث الأممي.', '{{}}', 60
         FROM generate_series(1, {docs}) AS i"
    ))?;
    println!(
        "made {docs} documents in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let a = assign(
        &manager,
        2,
        Spread::RoundRobin,
        &[],
        Some(Duration::from_secs(1800)),
    )?;
    println!(
        "assigned {} documents ({} assignments) in {:.1} s",
        a.documents,
        a.assignments,
        t.elapsed().as_secs_f64()
    );
    su.batch_execute(&format!(
        "ANALYZE tawsim_{project}.documents, tawsim_{project}.assignments"
    ))?;

    // Opening, as an annotator's window does: connect, labels, settings, the document list,
    // then the first document's text, spans and history.
    let url = |n: &str| {
        TeamLocation::parse(
            &format!(
                "{}?project={project}",
                base.replacen("postgres@", &format!("{n}@"), 1)
            ),
            None,
        )
    };
    let mut opens = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let p = PgProject::open(&url(&names[0])?)?;
        let list = p.documents()?;
        let first = list.first().ok_or("no documents")?.id;
        p.document(first)?;
        p.annotations(first)?;
        p.history(first)?;
        opens.push(t.elapsed());
    }
    opens.sort();
    println!(
        "open a {docs}-document team project (list + first document): median {}, max {}",
        ms(percentile(&opens, 0.5)),
        ms(*opens.last().ok_or("none")?)
    );

    // Next document (exclusive mode: takes a lease each time one is done).
    let mut p = PgProject::open(&url(&names[0])?)?;
    let mut nexts = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let NextAssigned::Document(d) = p.next_assigned()? else {
            return Err("nothing assigned".into());
        };
        nexts.push(t.elapsed());
        let status = p.annotations(d)?.status;
        p.apply(
            d,
            &Edit::SetStatus {
                from: status,
                to: tawsim_core::domain::DocStatus::Done,
            },
        )?;
    }
    nexts.sort();
    println!(
        "next document: median {}, p99 {}",
        ms(percentile(&nexts, 0.5)),
        ms(percentile(&nexts, 0.99))
    );

    // 8 annotators editing at once, each on its own connection.
    let label = p.labels().by_name("PER").ok_or("no PER label")?.id;
    let mut threads = Vec::new();
    for (i, n) in names.iter().enumerate() {
        let loc = url(n)?;
        threads.push(std::thread::spawn(
            move || -> Result<Vec<Duration>, String> {
                let mut p = PgProject::open(&loc).map_err(|e| e.to_string())?;
                let doc = tawsim_core::domain::DocId(1 + i as i64);
                let mut lat = Vec::with_capacity(edits);
                for k in 0..edits {
                    let s = k % 50;
                    let span = Span::new(s, s + 3 + k / 50, label).ok_or("span")?;
                    let t = Instant::now();
                    p.apply(doc, &Edit::AddSpan { span })
                        .map_err(|e| e.to_string())?;
                    lat.push(t.elapsed());
                }
                Ok(lat)
            },
        ));
    }
    let mut all = Vec::new();
    for t in threads {
        all.extend(t.join().map_err(|_| "a thread panicked")??);
    }
    all.sort();
    println!(
        "edit durable, 8 annotators at once ({} edits): p50 {}, p99 {}, max {}",
        all.len(),
        ms(percentile(&all, 0.5)),
        ms(percentile(&all, 0.99)),
        ms(*all.last().ok_or("none")?)
    );
    su.batch_execute(&format!("DROP SCHEMA tawsim_{project} CASCADE"))?;
    for n in &names {
        su.batch_execute(&format!("DROP ROLE \"{n}\""))?;
    }
    su.batch_execute(&format!(
        "DROP ROLE tawsim_{project}_manager; DROP ROLE tawsim_{project}_annotator"
    ))?;
    Ok(())
}
