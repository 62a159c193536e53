//! The single SQLite writer: one connection, one task, group commit.
//!
//! Every write is sent to the writer task as a job. The task takes all jobs waiting in its
//! queue (up to a batch limit), runs them one after the other inside one `BEGIN IMMEDIATE`
//! transaction, commits once, and only then answers each caller. Under load many writes share
//! one commit (and one fsync); alone, a write is committed at once.
//!
//! Jobs run without savepoints (each would cost two more round trips to SQLite): a job fails
//! with a domain error (not found, conflict) only before it has written anything, or with a
//! single statement that SQLite rolls back by itself. A storage-level failure (I/O, full disk,
//! corrupt file) rolls back the whole batch and every caller in it gets an error: nobody is
//! ever told "done" before the commit, and nothing half-done is ever committed.

use std::panic::AssertUnwindSafe;

use futures::FutureExt as _;
use sqlx::{Connection as _, SqliteConnection};
use tokio::sync::{mpsc, oneshot};
use wabot_core::{Error, Result};

use crate::{BoxFuture, error::db_error};

/// Work on the writer connection, returning its result.
pub(crate) trait Work<T>:
    for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}

impl<T, F> Work<T> for F where
    F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, Result<T>> + Send + 'static
{
}

/// A queued write, type-erased.
trait Job: Send {
    /// Runs the work; returns `true` when it failed in a way that poisons the transaction.
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFuture<'c, bool>;
    /// Answers the caller once the batch is committed (`None`) or rolled back.
    fn finish(self: Box<Self>, batch_failure: Option<&Error>);
}

struct Pending<T, F> {
    work: Option<F>,
    result: Option<Result<T>>,
    reply: oneshot::Sender<Result<T>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send + 'static,
    F: Work<T>,
{
    fn run<'c>(&'c mut self, conn: &'c mut SqliteConnection) -> BoxFuture<'c, bool> {
        Box::pin(async move {
            let Some(work) = self.work.take() else {
                return false;
            };
            let result = work(conn).await;
            let fatal = matches!(result, Err(Error::Storage { .. }));
            self.result = Some(result);
            fatal
        })
    }

    fn finish(self: Box<Self>, batch_failure: Option<&Error>) {
        let answer = match (batch_failure, self.result) {
            (None, Some(result)) => result,
            // The job that failed keeps its own error.
            (Some(_), Some(Err(own @ Error::Storage { .. }))) => Err(own),
            (Some(failure), _) => Err(Error::storage(
                format!("the write was rolled back with its batch: {failure}"),
                true,
            )),
            (None, None) => Err(Error::storage("the write was never run", true)),
        };
        // The caller may have gone away (cancelled); the write stands regardless.
        let _ = self.reply.send(answer);
    }
}

/// The handle to the writer task; the task stops when the last handle is dropped.
#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer task on `conn`, committing at most `max_batch` writes at once.
    pub(crate) fn spawn(conn: SqliteConnection, max_batch: usize) -> Self {
        let (jobs, queue) = mpsc::channel(max_batch.max(1) * 4);
        tokio::spawn(run(conn, queue, max_batch.max(1)));
        Self { jobs }
    }

    /// Runs `work` in the next batch and returns its result once the batch is committed.
    pub(crate) async fn run<T: Send + 'static>(&self, work: impl Work<T>) -> Result<T> {
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Pending {
            work: Some(work),
            result: None,
            reply,
        });
        if self.jobs.send(job).await.is_err() {
            return Err(stopped());
        }
        answer.await.unwrap_or_else(|_| Err(stopped()))
    }
}

fn stopped() -> Error {
    Error::storage(
        "the SQLite writer task has stopped (its runtime shut down); reopen the store",
        false,
    )
}

async fn run(
    mut conn: SqliteConnection,
    mut queue: mpsc::Receiver<Box<dyn Job>>,
    max_batch: usize,
) {
    let mut batch: Vec<Box<dyn Job>> = Vec::with_capacity(max_batch);
    while queue.recv_many(&mut batch, max_batch).await > 0 {
        let failure = commit_batch(&mut conn, &mut batch).await.err();
        if let Some(e) = &failure {
            tracing::warn!(error = %e, writes = batch.len(), "SQLite write batch rolled back");
        }
        for job in batch.drain(..) {
            job.finish(failure.as_ref());
        }
    }
    if let Err(e) = conn.close().await {
        tracing::warn!(error = %e, "closing the SQLite writer connection failed");
    }
}

async fn commit_batch(conn: &mut SqliteConnection, batch: &mut [Box<dyn Job>]) -> Result<()> {
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(|e| db_error("beginning a write transaction", e))?;
    for job in batch.iter_mut() {
        // A panicking job (a bug) must not take the writer, and with it every later write,
        // down: its batch is rolled back and the writer goes on.
        match AssertUnwindSafe(job.run(&mut tx)).catch_unwind().await {
            Ok(false) => {}
            Ok(true) => {
                let _ = tx.rollback().await;
                return Err(Error::storage("a write in the batch failed", true));
            }
            Err(_) => {
                let _ = tx.rollback().await;
                return Err(Error::storage(
                    "a write in the batch panicked (a bug; see the log)",
                    false,
                ));
            }
        }
    }
    tx.commit()
        .await
        .map_err(|e| db_error("committing a write transaction", e))
}
