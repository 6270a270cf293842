//! KafkaJS's retrier: randomized exponential backoff; a non-retriable error ends it at once,
//! running out of retries wraps the last error in `KafkaJSNumberOfRetriesExceeded`.

use std::future::Future;
use std::time::Duration;

use rand::Rng;

use crate::config::RetryConfig;
use crate::error::{Error, Result};

/// `retry_time ± factor`, rounded up as KafkaJS does.
fn randomize(factor: f64, retry_time: f64) -> f64 {
    let delta = factor * retry_time;
    if delta <= 0.0 {
        return retry_time.ceil();
    }
    rand::rng()
        .random_range((retry_time - delta)..(retry_time + delta))
        .ceil()
}

/// KafkaJS's retry schedule: `retries` waits, each randomized by `factor` and `multiplier`
/// times the last, up to `max_retry_time`.
pub struct Backoff<'a> {
    config: &'a RetryConfig,
    retry_time: f64,
    retry_count: u32,
}

impl<'a> Backoff<'a> {
    pub fn new(config: &'a RetryConfig) -> Self {
        Backoff {
            config,
            retry_time: randomize(config.factor, config.initial_retry_time as f64),
            retry_count: 0,
        }
    }

    /// The wait before the next retry, or None once the retries are spent.
    pub fn next_wait(&mut self) -> Option<Duration> {
        if self.retry_count >= self.config.retries {
            return None;
        }
        let wait = Duration::from_millis(self.retry_time as u64);
        let next = randomize(self.config.factor, self.retry_time) * self.config.multiplier;
        self.retry_time = next.min(self.config.max_retry_time as f64);
        self.retry_count += 1;
        Some(wait)
    }

    /// `error` wrapped as KafkaJS's retrier gives up: the retries made and the last wait.
    pub fn exceeded(&self, error: Error) -> Error {
        Error::retries_exceeded(error, self.retry_count, self.retry_time as u64)
    }

    pub fn retry_count(&self) -> u32 {
        self.retry_count
    }

    /// The wait before the next retry, in milliseconds.
    pub fn retry_time(&self) -> u64 {
        self.retry_time as u64
    }
}

/// Runs `attempt(retry_count)` until it succeeds, fails for good, or retries run out.
pub async fn retry<T, F, Fut>(config: &RetryConfig, mut attempt: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    retry_timed(config, |count, _| attempt(count)).await
}

/// As `retry`, also telling each attempt the wait before the next (KafkaJS's `retryTime`, which
/// its log entries carry).
pub async fn retry_timed<T, F, Fut>(config: &RetryConfig, mut attempt: F) -> Result<T>
where
    F: FnMut(u32, u64) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut backoff = Backoff::new(config);
    loop {
        match attempt(backoff.retry_count(), backoff.retry_time()).await {
            Ok(v) => return Ok(v),
            // KafkaJS's call sites `bail` with a non-retriable error as it is.
            Err(e) if !e.retriable => return Err(e),
            Err(e) => match backoff.next_wait() {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(backoff.exceeded(e)),
            },
        }
    }
}

/// As `retry`, for KafkaJS's call sites that retry only the errors `retried` picks and `bail`
/// with any other as it is, retriable or not (no `KafkaJSNumberOfRetriesExceeded` around it).
pub async fn retry_only<T, F, Fut>(
    config: &RetryConfig,
    retried: impl Fn(&Error) -> bool,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    retry(config, |count| {
        let outcome = attempt(count);
        let retried = &retried;
        async move {
            match outcome.await {
                Err(e) if retried(&e) => Err(e),
                other => Ok(other),
            }
        }
    })
    .await
    .and_then(|bailed_or_done| bailed_or_done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick(retries: u32) -> RetryConfig {
        RetryConfig {
            max_retry_time: 20,
            initial_retry_time: 1,
            factor: 0.2,
            multiplier: 2.0,
            retries,
        }
    }

    #[tokio::test]
    async fn gives_up_after_the_configured_retries_with_the_last_cause() {
        let calls = AtomicU32::new(0);
        let err = retry(&quick(3), |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Error::connection("b:1", "refused"))
        })
        .await
        .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 4);
        assert_eq!(err.class, ErrorClass::NumberOfRetriesExceeded);
        assert!(!err.retriable);
        assert_eq!(err.retry_count, Some(3));
        assert_eq!(err.cause.unwrap().class, ErrorClass::Connection);
    }

    #[tokio::test]
    async fn a_non_retriable_error_stops_at_once() {
        let calls = AtomicU32::new(0);
        let err = retry(&quick(3), |_| async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Error::protocol(87))
        })
        .await
        .unwrap_err();
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(err.class, ErrorClass::Protocol);
    }

    #[tokio::test]
    async fn succeeds_after_transient_failures() {
        let v = retry(&quick(5), |n| async move {
            if n < 2 {
                Err(Error::kafka("transient"))
            } else {
                Ok(n)
            }
        })
        .await
        .unwrap();
        assert_eq!(v, 2);
    }
}
