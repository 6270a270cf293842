//! The engine's background tasks: what a panic in one becomes, and tasks that end with their
//! owner.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use tokio::task::JoinHandle;

/// Runs `work` to its end; a panic in it is caught and returned as its message. A panic is a
/// bug in kafkars, but work that dies of one must be reported (the consumer's runner becomes a
/// CRASH event, a producer's turn fails its sends), never leave its owner believing it still runs.
pub async fn catch_panic<T>(work: impl Future<Output = T>) -> Result<T, String> {
    AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .map_err(|panic| panic_message(&*panic))
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    match (panic.downcast_ref::<&str>(), panic.downcast_ref::<String>()) {
        (Some(message), _) => message.to_string(),
        (_, Some(message)) => message.clone(),
        _ => "a panic without a message".to_string(),
    }
}

/// A spawned task that is aborted when this handle is dropped, so a task that serves another
/// (heartbeats beside the runner) cannot outlive it, however the other ends.
pub struct AbortOnDrop(pub JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_is_caught_with_its_message() {
        let answer = 42;
        let caught = catch_panic(async move { panic!("gave up at {answer}") }).await;
        assert_eq!(caught, Err::<(), _>("gave up at 42".to_string()));
        assert_eq!(
            catch_panic(async { panic!("static") }).await,
            Err::<(), _>("static".to_string())
        );
    }

    #[tokio::test]
    async fn work_that_ends_is_not_a_panic() {
        assert_eq!(catch_panic(async { 7 }).await, Ok(7));
    }

    #[tokio::test]
    async fn a_dropped_handle_aborts_its_task() {
        let (_keep, never) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let _ = never.await;
        });
        let abort = handle.abort_handle();
        drop(AbortOnDrop(handle));
        tokio::task::yield_now().await;
        for _ in 0..100 {
            if abort.is_finished() {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the task outlived its handle");
    }
}
