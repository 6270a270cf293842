//! The runner: one generation at a time, it joins the group, starts each partition where the
//! group left it, and hands fetched batches to the handler, as many partitions at once as
//! `partitionsConsumedConcurrently` allows; a failed handler is retried as KafkaJS's retrier
//! would, and a crash leaves the group before it is reported.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::oneshot;

use super::fetcher::{fetch_all, Prefetch};
use super::group::{self, is_rebalancing, Generation};
use super::heartbeat;
use super::positions::{commit_resolved, dispatch, settle, starting_positions, Positions};
use super::{BatchHandler, ConsumerEvent, EventSink, Inner, RunConfig};
use crate::error::Error;
use crate::retry::{retry, Backoff};
use crate::task::AbortOnDrop;

enum Exit {
    Stopped,
    Rejoin,
    /// The member left the group (a handler outlived rebalanceTimeout): join again.
    Left,
    Crash(Error, bool),
}

pub(super) async fn run(
    inner: Arc<Inner>,
    run: RunConfig,
    handler: BatchHandler,
    events: EventSink,
    joined: oneshot::Sender<()>,
) {
    let mut joined = Some(joined);
    let member_id = std::sync::Mutex::new(String::new());
    loop {
        if inner.stopping.load(Ordering::SeqCst) {
            break;
        }
        inner.rejoin.store(false, Ordering::SeqCst);
        let topics: Vec<String> = inner
            .subscriptions
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.topic.clone())
            .collect();
        let generation = match retry(&inner.config.retry, |_| {
            let (inner, topics, member_id, run) = (&inner, &topics, &member_id, &run);
            async move {
                let mut id = member_id.lock().unwrap().clone();
                let result = group::join_and_sync(
                    &inner.cluster,
                    &inner.config,
                    &mut id,
                    topics,
                    run.assigner.as_deref(),
                )
                .await;
                *member_id.lock().unwrap() = id;
                result
            }
        })
        .await
        {
            Ok(g) => g,
            Err(error) => {
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed: false,
                });
                break;
            }
        };
        *inner.generation.lock().unwrap() = Some(generation.clone());
        inner.heartbeats.joined().await;
        let not_subscribed: Vec<String> = generation
            .assigned_topics
            .iter()
            .filter(|t| !topics.contains(t))
            .cloned()
            .collect();
        if !not_subscribed.is_empty() {
            events(ConsumerEvent::ReceivedUnsubscribedTopics {
                group_id: inner.config.group_id.clone(),
                generation_id: generation.generation_id,
                member_id: generation.member_id.clone(),
                assigned_topics: generation.assigned_topics.clone(),
                topics_subscribed: topics.clone(),
                topics_not_subscribed: not_subscribed,
            });
        }
        events(ConsumerEvent::GroupJoin {
            duration: generation.duration,
            group_id: inner.config.group_id.clone(),
            is_leader: generation.is_leader(),
            leader_id: generation.leader_id.clone(),
            group_protocol: generation.group_protocol.clone(),
            member_id: generation.member_id.clone(),
            member_assignment: generation.assignment.clone(),
        });
        let mut positions = match starting_positions(&inner, &generation).await {
            Ok(p) => p,
            Err(error) if is_rebalancing(&error) => continue,
            Err(error) => {
                leave_crashed(&inner).await;
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed: false,
                });
                break;
            }
        };
        if let Some(joined) = joined.take() {
            let _ = joined.send(());
        }
        let heartbeats = AbortOnDrop(tokio::spawn(heartbeat::while_handling(
            inner.clone(),
            events.clone(),
        )));
        let exit = consume(&inner, &generation, &mut positions, &run, &handler, &events).await;
        drop(heartbeats);
        // Stopping commits nothing more, as in KafkaJS: each handled batch was committed as it
        // finished, and what a batch of markers alone resolved waits for a commit that is due.
        if run.auto_commit && matches!(exit, Exit::Rejoin | Exit::Crash(..)) {
            let _ = commit_resolved(&inner, &events).await;
        }
        match exit {
            Exit::Stopped => break,
            Exit::Rejoin | Exit::Left => {
                events(ConsumerEvent::Rebalancing {
                    group_id: inner.config.group_id.clone(),
                    member_id: generation.member_id.clone(),
                });
            }
            Exit::Crash(error, handler_failed) => {
                leave_crashed(&inner).await;
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed,
                });
                break;
            }
        }
    }
}

async fn consume(
    inner: &Arc<Inner>,
    generation: &Generation,
    positions: &mut Positions,
    run: &RunConfig,
    handler: &BatchHandler,
    events: &EventSink,
) -> Exit {
    // The handler is retried as KafkaJS's retrier retries it; a handled batch starts it anew.
    let mut backoff = Backoff::new(&inner.config.retry);
    let concurrency = run.partitions_consumed_concurrently.max(1);
    let max_handler_time = Duration::from_millis(inner.config.rebalance_timeout.max(0) as u64);
    let mut prefetch: Option<Prefetch> = None;
    loop {
        if inner.stopping.load(Ordering::SeqCst) {
            return Exit::Stopped;
        }
        if inner.rejoin.load(Ordering::SeqCst) {
            return Exit::Rejoin;
        }
        for (topic, partition, offset) in inner.seeks.lock().unwrap().drain(..) {
            let tp = (topic, partition);
            if positions.fetch.contains_key(&tp) {
                positions.batch_start.remove(&tp);
                positions.fetch.insert(tp.clone(), offset);
                inner.offsets.lock().unwrap().resolved.insert(tp, offset);
            }
        }
        // The next fetch went out while the handler worked, from where each partition would be
        // if the handler finished its batch; it stands if that is where they are.
        let fetched = match prefetch.take() {
            Some(mut ahead) if ahead.positions.fetch == positions.fetch => {
                tokio::select! {
                    r = &mut ahead.handle => match r {
                        Ok((ahead_positions, r)) => {
                            *positions = ahead_positions;
                            r
                        }
                        Err(_) => continue,
                    },
                    _ = inner.wake.notified() => continue,
                }
            }
            _ => tokio::select! {
                r = fetch_all(inner, positions, inner.config.max_wait_time, events) => r,
                _ = inner.wake.notified() => continue,
            },
        };
        let mut batches = match fetched {
            Ok(b) => {
                if b.is_empty() {
                    heartbeat::at_point(inner, events).await;
                }
                prefetch = Prefetch::start(inner, positions, &b, events);
                b.into_iter()
            }
            Err(e) => {
                tokio::time::sleep(Duration::from_millis(inner.config.retry.initial_retry_time))
                    .await;
                if !e.retriable {
                    return Exit::Crash(e, false);
                }
                let _ = inner.cluster.refresh_metadata(&[], false).await;
                continue;
            }
        };
        // Up to `concurrency` partitions' batches at once; each fetch holds one per partition.
        let mut handling = FuturesUnordered::new();
        let mut failed = false;
        let mut non_retriable = false;
        let mut left = false;
        loop {
            while handling.len() < concurrency && !failed {
                if inner.stopping.load(Ordering::SeqCst) || inner.rejoin.load(Ordering::SeqCst) {
                    break;
                }
                let Some(mut batch) = batches.next() else {
                    break;
                };
                match dispatch(inner, positions, &mut batch) {
                    Some(dispatched) => {
                        let future = handler(batch);
                        let running = inner.heartbeats.handling();
                        handling.push(async move {
                            let outcome = future.await;
                            drop(running);
                            (dispatched, outcome)
                        });
                    }
                    // As KafkaJS after a batch with nothing to handle.
                    None => heartbeat::at_point(inner, events).await,
                }
            }
            if handling.is_empty() {
                break;
            }
            // A handler busy past rebalanceTimeout is Java's max.poll.interval.ms: leave the
            // group so the others take its partitions, and join again once it returns.
            let next = if left {
                handling.next().await
            } else {
                match tokio::time::timeout(max_handler_time, handling.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        left = true;
                        leave_stuck(inner, generation, events).await;
                        continue;
                    }
                }
            };
            let Some((dispatched, outcome)) = next else {
                break;
            };
            let handled = !dispatched.filtered;
            settle(inner, positions, dispatched, outcome);
            if left {
                continue;
            }
            if outcome.failed {
                failed = true;
                non_retriable |= outcome.non_retriable;
                continue;
            }
            if !failed {
                backoff = Backoff::new(&inner.config.retry);
            }
            if run.auto_commit && !failed && handled {
                if let Err(e) = commit_resolved(inner, events).await {
                    if is_rebalancing(&e) {
                        inner.rejoin.store(true, Ordering::SeqCst);
                    }
                }
            }
            heartbeat::at_point(inner, events).await;
        }
        if left {
            return Exit::Left;
        }
        if failed {
            if run.auto_commit {
                let _ = commit_resolved(inner, events).await;
            }
            if non_retriable {
                let error = Error::non_retriable("The eachMessage/eachBatch handler failed");
                return Exit::Crash(error, true);
            }
            match backoff.next_wait() {
                Some(wait) => tokio::time::sleep(wait).await,
                None => {
                    let error = Error::kafka("The eachMessage/eachBatch handler failed");
                    return Exit::Crash(backoff.exceeded(error), true);
                }
            }
        }
    }
}

/// A crashed member leaves the group before the crash is reported, as KafkaJS's crash handler
/// disconnects: a restart then joins at once, where a member left behind would hold the rebalance
/// until its session expired.
pub(super) async fn leave_crashed(inner: &Inner) {
    let generation = inner.generation.lock().unwrap().take();
    if let Some(generation) = generation {
        let _ = group::leave(&inner.cluster, &inner.config, &generation).await;
    }
}

async fn leave_stuck(inner: &Inner, generation: &Generation, events: &EventSink) {
    inner.rejoin.store(true, Ordering::SeqCst);
    events(ConsumerEvent::Warn {
        message: format!(
            "A handler ran past rebalanceTimeout ({} ms): member {} leaves group {} so the others take its partitions, and joins again when the handler returns",
            inner.config.rebalance_timeout, generation.member_id, inner.config.group_id
        ),
    });
    let _ = group::leave(&inner.cluster, &inner.config, generation).await;
}
