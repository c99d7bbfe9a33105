//! Background work with progress and cancelling: one [`Job`] type for import, export,
//! project search and "label all" (document shaping runs on its own threads in
//! [`crate::layout`]). A cancelled job ends with the typed [`JobError::Cancelled`], never
//! with a message to compare.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;

/// Why a job gave no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// The user (or the shutdown) cancelled it; nothing it promised to undo was kept.
    Cancelled,
    /// It failed; the message is for the user.
    Failed(String),
}

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobError::Cancelled => f.write_str("cancelled"),
            JobError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for JobError {}

/// What a running job's closure reports to and reads from.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    /// Units done so far (bytes read for an import, documents for the others).
    pub done: Arc<AtomicU64>,
    /// Set to ask the job to stop.
    pub cancel: Arc<AtomicBool>,
}

impl Progress {
    /// Whether the job was asked to stop.
    #[must_use]
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The job's error for a failure `e`: cancelled when it was asked to stop (the failure
    /// is then the stop itself), else `e` for the user.
    #[must_use]
    pub fn failed(&self, e: String) -> JobError {
        if self.cancelled() {
            JobError::Cancelled
        } else {
            JobError::Failed(e)
        }
    }
}

/// Work running on a background thread.
pub struct Job<T> {
    pub title: String,
    /// Units the job expects to do (0: unknown).
    pub total: u64,
    progress: Progress,
    handle: Option<JoinHandle<Result<T, JobError>>>,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `work` on a new thread. A thread that cannot start gives a job that ends at
    /// once with an error.
    pub fn spawn(
        title: impl Into<String>,
        total: u64,
        work: impl FnOnce(&Progress) -> Result<T, JobError> + Send + 'static,
    ) -> Job<T> {
        let progress = Progress::default();
        let p = progress.clone();
        let handle = std::thread::Builder::new()
            .name("tawsim-job".into())
            .spawn(move || work(&p))
            .ok();
        Job {
            title: title.into(),
            total,
            progress,
            handle,
        }
    }

    /// Fraction done, 0..=1.
    #[must_use]
    pub fn fraction(&self) -> f32 {
        if self.total == 0 {
            0.0
        } else {
            (self.progress.done.load(Ordering::Relaxed) as f32 / self.total as f32).min(1.0)
        }
    }

    /// Asks the job to stop (it ends with [`JobError::Cancelled`] or what it had done).
    pub fn cancel(&self) {
        self.progress.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether the job has ended (its result is ready).
    #[must_use]
    pub fn finished(&self) -> bool {
        self.handle.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for the job and takes its result.
    pub fn join(mut self) -> Result<T, JobError> {
        match self.handle.take() {
            Some(h) => h
                .join()
                .unwrap_or_else(|_| Err(JobError::Failed("the background job crashed".into()))),
            None => Err(JobError::Failed(
                "could not start a background thread".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_job_ends_with_the_typed_error() {
        let job: Job<u32> = Job::spawn("spin", 10, |p| {
            while !p.cancelled() {
                std::thread::yield_now();
            }
            Err(JobError::Cancelled)
        });
        assert!(!job.finished() || job.fraction() == 0.0);
        job.cancel();
        assert_eq!(job.join(), Err(JobError::Cancelled));
    }

    #[test]
    fn progress_and_result_come_back() {
        let job = Job::spawn("count", 4, |p| {
            for _ in 0..4 {
                p.done.fetch_add(1, Ordering::Relaxed);
            }
            Ok(7)
        });
        while !job.finished() {
            std::thread::yield_now();
        }
        assert!((job.fraction() - 1.0).abs() < f32::EPSILON);
        assert_eq!(job.join(), Ok(7));
    }

    #[test]
    fn a_panicking_job_is_a_failure_not_a_crash() {
        let job: Job<()> = Job::spawn("boom", 0, |_| panic!("on purpose"));
        assert!(matches!(job.join(), Err(JobError::Failed(_))));
    }
}
