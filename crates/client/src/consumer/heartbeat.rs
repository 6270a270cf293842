//! Heartbeats as KafkaJS sends them: at the runner's heartbeat points (a fetch that brought
//! nothing, a handled batch) and when the handler calls `heartbeat()`, once `heartbeatInterval`
//! has passed since the last one, one at a time; HEARTBEAT reports each one sent. Unlike
//! KafkaJS, a handler that runs long does not cost the member its place: while one runs, a task
//! of its own beats on the same rule.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::group::{self, is_rebalancing};
use super::{ConsumerEvent, EventSink, Inner};
use crate::error::{ErrorClass, Result};

#[derive(Debug)]
pub(super) struct Heartbeats {
    /// When the last heartbeat was answered. Held across a heartbeat, so callers at the same
    /// moment share one, as KafkaJS's shared promise makes them.
    last: tokio::sync::Mutex<Instant>,
    /// Handlers running now.
    handlers: AtomicUsize,
    handlers_changed: Notify,
}

impl Default for Heartbeats {
    fn default() -> Self {
        Heartbeats {
            last: tokio::sync::Mutex::new(Instant::now()),
            handlers: AtomicUsize::new(0),
            handlers_changed: Notify::new(),
        }
    }
}

impl Heartbeats {
    /// A join answered counts as a heartbeat: the next is due `heartbeatInterval` later.
    pub(super) async fn joined(&self) {
        *self.last.lock().await = Instant::now();
    }

    /// Marks a handler running until the guard is dropped.
    pub(super) fn handling(&self) -> Handling<'_> {
        // Only the first running handler is news: the beating task waits for one only when none
        // runs, and this is on every batch's path.
        if self.handlers.fetch_add(1, Ordering::SeqCst) == 0 {
            self.handlers_changed.notify_one();
        }
        Handling(self)
    }
}

pub(super) struct Handling<'h>(&'h Heartbeats);

impl Drop for Handling<'_> {
    fn drop(&mut self) {
        self.0.handlers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Sends a heartbeat if one is due; returns its HEARTBEAT event. A rebalance (or a coordinator
/// that cannot be reached, which has likely moved) makes the runner join again, and is returned
/// for the handler's `heartbeat()` to reject with.
pub(super) async fn beat(inner: &Inner) -> Result<Option<ConsumerEvent>> {
    let mut last = inner.heartbeats.last.lock().await;
    if last.elapsed() < inner.config.heartbeat_interval {
        return Ok(None);
    }
    let generation = inner.generation.lock().unwrap().clone();
    let Some(generation) = generation else {
        return Ok(None);
    };
    match group::heartbeat(&inner.cluster, &inner.config, &generation).await {
        Ok(()) => {
            *last = Instant::now();
            Ok(Some(ConsumerEvent::Heartbeat {
                group_id: inner.config.group_id.clone(),
                member_id: generation.member_id.clone(),
                generation_id: generation.generation_id,
            }))
        }
        Err(e) => {
            if is_rebalancing(&e) || e.class == ErrorClass::Connection {
                inner.rejoin.store(true, Ordering::SeqCst);
                inner.wake.notify_one();
            }
            Err(e)
        }
    }
}

/// A heartbeat point of the runner's: beats if due and reports it; a failure is left to the
/// rejoin `beat` asked for, or to the next point.
pub(super) async fn at_point(inner: &Inner, events: &EventSink) {
    if let Ok(Some(event)) = beat(inner).await {
        events(event);
    }
}

/// Beats while a handler runs, for the generation this task is spawned for (aborted with it).
pub(super) async fn while_handling(inner: Arc<Inner>, events: EventSink) {
    let heartbeats = &inner.heartbeats;
    let interval = inner.config.heartbeat_interval;
    loop {
        let started = heartbeats.handlers_changed.notified();
        if heartbeats.handlers.load(Ordering::SeqCst) == 0 {
            started.await;
            continue;
        }
        // Until the next heartbeat is due; while one is in flight, a whole interval.
        let wait = match heartbeats.last.try_lock() {
            Ok(last) => interval.saturating_sub(last.elapsed()),
            Err(_) => interval,
        };
        tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        if heartbeats.handlers.load(Ordering::SeqCst) == 0 {
            continue;
        }
        match beat(&inner).await {
            Ok(Some(event)) => events(event),
            Ok(None) => {}
            Err(_) if inner.rejoin.load(Ordering::SeqCst) => return,
            Err(_) => {}
        }
    }
}
