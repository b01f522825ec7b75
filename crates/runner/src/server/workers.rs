//! The validation workers: threads of their own that run at a lower CPU priority than the
//! rest of the runner.
//!
//! Validating a megabyte of code is the heaviest CPU work a request can ask of the runner
//! itself, and anyone with the token (or anyone, with `--public-validate`) can ask for it again
//! and again. On the blocking pool at the runner's own priority, eight clients doing that kept
//! both cores of a 2-core machine busy, and the async workers (the accept loop, `/healthz`,
//! result handling, the monitor's kills) waited in the run queue behind them: `/healthz` p99
//! went from under 50 ms to over 100 ms. A validation can wait; the rest cannot. The workers'
//! nice value is the runner's plus [`NICER_BY`], so an idle machine validates as fast as before
//! while a busy one runs everything else first.

use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// How much nicer than the runner the workers are (a nice-10 thread gets about a tenth of the
/// CPU a nice-0 thread gets when both want it).
pub const NICER_BY: i32 = 10;

type Work = Box<dyn FnOnce() + Send>;

/// A fixed set of validation threads fed from one queue. The threads end when the pool is
/// dropped.
#[derive(Debug)]
pub struct ValidationPool {
    work: Mutex<mpsc::Sender<Work>>,
}

impl ValidationPool {
    /// Starts `workers` threads (at least one).
    pub fn new(workers: usize) -> std::io::Result<ValidationPool> {
        let (tx, rx) = mpsc::channel::<Work>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..workers.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("validation-{i}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        // The lock is held only while waiting for the next piece of work.
                        let next = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        let Ok(work) = next else { return };
                        // A panic fails that one request (its answer channel is dropped); the
                        // worker lives on.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(work));
                    }
                })?;
        }
        Ok(ValidationPool {
            work: Mutex::new(tx),
        })
    }

    /// Runs `f` on a worker and returns its value; `None` if it panicked. Callers bound how
    /// many wait here (the `validation_slots` semaphore), so the queue stays short.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let work: Work = Box::new(move || {
            let _ = tx.send(f());
        });
        self.work.lock().ok()?.send(work).ok()?;
        rx.await.ok()
    }
}

/// Makes the calling thread [`NICER_BY`] nicer than it is (Linux keeps a nice value per
/// thread). Best effort: a runner already at the nicest value stays there.
fn lower_priority() {
    let tid = rustix::thread::gettid();
    let result = rustix::process::getpriority_process(Some(tid))
        .and_then(|now| rustix::process::setpriority_process(Some(tid), (now + NICER_BY).min(19)));
    if let Err(e) = result {
        tracing::debug!(error = %e, "validation worker keeps the runner's priority");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn workers_run_work_at_a_lower_priority_and_survive_panics() {
        let pool = ValidationPool::new(1).unwrap();
        let own = rustix::process::getpriority_process(None).unwrap();
        // The kernel's nice value of the thread the work ran on.
        let nice = pool
            .run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap())
            .await;
        assert_eq!(nice, Some((own + NICER_BY).min(19)));
        assert_eq!(pool.run(|| -> u8 { panic!("a bad input") }).await, None);
        assert_eq!(
            pool.run(|| 6 * 7).await,
            Some(42),
            "the worker outlived the panic"
        );
    }
}
