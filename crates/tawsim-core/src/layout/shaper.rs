//! Shaping a document's paragraphs on worker threads.
//!
//! Shaping (parley: text analysis, bidi, harfrust) is nearly all of the cost of laying out a
//! big document; line breaking a shaped paragraph is ~100x cheaper. So the paragraphs that are
//! not shaped yet go to worker threads, each with its own font context over the same font
//! blobs, which shape and wrap them at the width of the moment and send the layouts back.
//! The owner of the [`DocumentLayout`](super::DocumentLayout) installs them with
//! [`DocumentLayout::absorb`](super::DocumentLayout::absorb) between frames (a move and a
//! height update each; a re-wrap when the width changed since). Dropping a
//! [`BackgroundShaping`] stops its workers after the paragraph each is on.

use super::{Direction, Fonts, build_layout};
use parley::{Alignment, AlignmentOptions, Layout};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};

/// One paragraph to shape: its index, byte range in the text, and resolved direction.
pub(crate) struct ShapeTask {
    pub para: usize,
    pub bytes: Range<usize>,
    pub dir: Direction,
}

/// What the document needs to shape its paragraphs the same way on any thread.
#[derive(Clone, Copy)]
pub(crate) struct ShapeParams {
    pub font_size: f32,
    pub line_height: f32,
    /// Width the workers wrap at (the owner re-wraps if it changed meanwhile).
    pub width: f32,
}

/// A paragraph shaped and wrapped by a worker.
pub(crate) struct Shaped {
    pub para: usize,
    pub layout: Layout<()>,
    pub width: f32,
}

/// Paragraphs being shaped on worker threads for one shaping state of one document.
pub struct BackgroundShaping {
    /// The document's shaping key at start; results for another key are stale.
    pub(crate) key: u64,
    rx: mpsc::Receiver<Shaped>,
    cancel: Arc<AtomicBool>,
    total: usize,
    received: usize,
    disconnected: bool,
}

impl BackgroundShaping {
    /// Starts `threads` workers (at least one) over `tasks`, taken in order.
    pub(crate) fn start(
        key: u64,
        text: Arc<str>,
        tasks: Vec<ShapeTask>,
        params: ShapeParams,
        threads: usize,
    ) -> Self {
        let total = tasks.len();
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let tasks = Arc::new(tasks);
        let next = Arc::new(AtomicUsize::new(0));
        let threads = threads.clamp(1, total.max(1));
        for _ in 0..threads {
            let (tx, text, tasks, next, cancel) = (
                tx.clone(),
                Arc::clone(&text),
                Arc::clone(&tasks),
                Arc::clone(&next),
                Arc::clone(&cancel),
            );
            // A failed spawn only means fewer workers; with none at all the receiver reports
            // disconnection and the owner lays the paragraphs out itself.
            let _ = std::thread::Builder::new()
                .name("tawsim-shaper".into())
                .spawn(move || work(&text, &tasks, &next, &cancel, params, &tx));
        }
        BackgroundShaping {
            key,
            rx,
            cancel,
            total,
            received: 0,
            disconnected: false,
        }
    }

    /// Stops the workers after the paragraph each is on (also done on drop).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Paragraphs handed to the workers.
    #[must_use]
    pub fn total(&self) -> usize {
        self.total
    }

    /// Paragraphs received back so far.
    #[must_use]
    pub fn received(&self) -> usize {
        self.received
    }

    /// True when nothing more will arrive (all received, or the workers are gone).
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.received >= self.total || self.disconnected
    }

    /// The next shaped paragraph if one is ready (never waits).
    pub(crate) fn try_next(&mut self) -> Option<Shaped> {
        match self.rx.try_recv() {
            Ok(s) => {
                self.received += 1;
                Some(s)
            }
            Err(mpsc::TryRecvError::Empty) => None,
            Err(mpsc::TryRecvError::Disconnected) => {
                self.disconnected = true;
                None
            }
        }
    }

    /// The next shaped paragraph, waiting for it; `None` when nothing more will arrive.
    pub(crate) fn next_blocking(&mut self) -> Option<Shaped> {
        if self.is_finished() {
            return None;
        }
        if let Ok(s) = self.rx.recv() {
            self.received += 1;
            Some(s)
        } else {
            self.disconnected = true;
            None
        }
    }
}

impl Drop for BackgroundShaping {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// Shaping threads yield to the UI thread: with as many workers as cores, a frame must not
/// wait for a worker's time slice. On Linux the nice value is per thread.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let me = rustix::thread::gettid();
        // Best effort: without it the workers only compete on equal terms.
        let _ = rustix::process::setpriority_process(Some(me), 10);
    }
}

fn work(
    text: &str,
    tasks: &[ShapeTask],
    next: &AtomicUsize,
    cancel: &AtomicBool,
    params: ShapeParams,
    tx: &mpsc::Sender<Shaped>,
) {
    lower_priority();
    let mut fonts = Fonts::new();
    while !cancel.load(Ordering::Relaxed) {
        let Some(task) = tasks.get(next.fetch_add(1, Ordering::Relaxed)) else {
            return;
        };
        let Some(para_text) = text.get(task.bytes.clone()) else {
            continue;
        };
        let mut layout = build_layout(
            &mut fonts,
            para_text,
            params.font_size,
            params.line_height,
            task.dir,
        );
        layout.break_all_lines(Some(params.width));
        layout.align(Alignment::Start, AlignmentOptions::default());
        let shaped = Shaped {
            para: task.para,
            layout,
            width: params.width,
        };
        if tx.send(shaped).is_err() {
            return;
        }
    }
}
