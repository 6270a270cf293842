//! Idempotence and transactions, as KafkaJS's EOS manager keeps them: the producer id and
//! epoch, each partition's next sequence number, and the open transaction's partitions.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use kafka_protocol::messages::add_partitions_to_txn_request::AddPartitionsToTxnTopic;
use kafka_protocol::messages::txn_offset_commit_request::{
    TxnOffsetCommitRequestPartition, TxnOffsetCommitRequestTopic,
};
use kafka_protocol::messages::{
    AddOffsetsToTxnRequest, AddPartitionsToTxnRequest, EndTxnRequest, InitProducerIdRequest,
    TxnOffsetCommitRequest,
};
use kafka_protocol::protocol::StrBytes;

use super::TopicPartition;
use crate::cluster::Cluster;
use crate::config::RetryConfig;
use crate::error::{Error, Result};
use crate::protocol::by_topic::by_topic;
use crate::protocol::records::ProducerStamp;
use crate::retry::retry;

fn sb(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

#[derive(Debug, Default)]
struct State {
    /// Producer id and epoch once InitProducerId answered.
    identity: Option<(i64, i16)>,
    sequences: HashMap<TopicPartition, i32>,
    in_transaction: bool,
    /// Partitions already added to the open transaction.
    partitions: HashSet<TopicPartition>,
    /// Whether the coordinator knows of the open transaction (partitions or offsets added).
    touched: bool,
}

#[derive(Debug)]
pub struct Eos {
    /// Every batch is stamped; otherwise (transactional only) just those in a transaction.
    idempotent: bool,
    transactional_id: Option<String>,
    transaction_timeout: i32,
    retry: RetryConfig,
    state: Mutex<State>,
}

impl Eos {
    pub fn new(
        idempotent: bool,
        transactional_id: Option<String>,
        transaction_timeout: i32,
        retry: RetryConfig,
    ) -> Self {
        Eos {
            idempotent,
            transactional_id,
            transaction_timeout,
            retry,
            state: Mutex::default(),
        }
    }

    /// Whether batches sent now carry a producer id and sequence.
    pub fn stamps(&self) -> bool {
        self.idempotent || self.in_transaction()
    }

    fn not_initialized() -> Error {
        Error::non_retriable("The idempotent producer has no producer id: connect first")
    }

    fn transactional_id(&self) -> Result<&str> {
        self.transactional_id.as_deref().ok_or_else(|| {
            Error::non_retriable("Must provide transactional id for transactional producer")
        })
    }

    fn identity(&self) -> Result<(i64, i16)> {
        self.state
            .lock()
            .unwrap()
            .identity
            .ok_or_else(Self::not_initialized)
    }

    /// Asks for a producer id (from the transaction coordinator when transactional); sequences
    /// start again at 0 for the new id.
    pub async fn init_producer_id(&self, cluster: &Cluster) -> Result<()> {
        if self.state.lock().unwrap().identity.is_some() {
            return Ok(());
        }
        let (id, epoch) = retry(&self.retry, |_| async {
            let conn = match &self.transactional_id {
                Some(id) => cluster.transaction_coordinator(id).await?,
                None => cluster.any_connection().await?,
            };
            let response = conn
                .send(
                    &InitProducerIdRequest::default()
                        .with_transactional_id(
                            self.transactional_id.as_deref().map(sb).map(Into::into),
                        )
                        .with_transaction_timeout_ms(self.transaction_timeout),
                )
                .await?;
            match response.error_code {
                0 => Ok((response.producer_id.0, response.producer_epoch)),
                code => Err(Error::protocol(code)),
            }
        })
        .await?;
        let mut state = self.state.lock().unwrap();
        state.identity = Some((id, epoch));
        state.sequences.clear();
        Ok(())
    }

    /// The stamp of the next batch for `tp`, if it gets one: its sequence continues from the
    /// last batch the broker acknowledged, so a retried batch keeps its sequence.
    pub fn stamp(&self, tp: &TopicPartition) -> Result<Option<ProducerStamp>> {
        let state = self.state.lock().unwrap();
        if !self.idempotent && !state.in_transaction {
            return Ok(None);
        }
        let (producer_id, producer_epoch) = state.identity.ok_or_else(Self::not_initialized)?;
        Ok(Some(ProducerStamp {
            producer_id,
            producer_epoch,
            base_sequence: state.sequences.get(tp).copied().unwrap_or(0),
            transactional: state.in_transaction,
        }))
    }

    /// Moves `tp`'s sequence past `count` acknowledged records.
    pub fn acknowledged(&self, tp: &TopicPartition, count: usize) {
        let mut state = self.state.lock().unwrap();
        let next = state.sequences.entry(tp.clone()).or_insert(0);
        // Sequences wrap at i32::MAX as in the Java client.
        *next = next.wrapping_add(count as i32) & i32::MAX;
    }

    pub fn in_transaction(&self) -> bool {
        self.state.lock().unwrap().in_transaction
    }

    pub fn transactional(&self) -> Option<&str> {
        self.transactional_id.as_deref()
    }

    pub async fn begin(&self, cluster: &Cluster) -> Result<()> {
        self.transactional_id()?;
        if self.in_transaction() {
            return Err(Error::non_retriable(
                "There is already an ongoing transaction for this producer. Please end the transaction before beginning another.",
            ));
        }
        self.init_producer_id(cluster).await?;
        let mut state = self.state.lock().unwrap();
        state.in_transaction = true;
        state.partitions.clear();
        state.touched = false;
        Ok(())
    }

    /// Adds the partitions the open transaction has not written to yet.
    pub async fn add_partitions(&self, cluster: &Cluster, tps: &[TopicPartition]) -> Result<()> {
        let transactional_id = self.transactional_id()?;
        let new: Vec<TopicPartition> = {
            let state = self.state.lock().unwrap();
            tps.iter()
                .filter(|tp| !state.partitions.contains(*tp))
                .cloned()
                .collect::<HashSet<_>>()
                .into_iter()
                .collect()
        };
        if new.is_empty() {
            return Ok(());
        }
        let (id, epoch) = self.identity()?;
        let topics: Vec<AddPartitionsToTxnTopic> = by_topic(new.iter().map(|(t, p)| (t, *p)))
            .into_iter()
            .map(|(topic, partitions)| {
                AddPartitionsToTxnTopic::default()
                    .with_name(sb(topic).into())
                    .with_partitions(partitions)
            })
            .collect();
        retry(&self.retry, |_| async {
            let conn = cluster.transaction_coordinator(transactional_id).await?;
            let response = conn
                .send(
                    &AddPartitionsToTxnRequest::default()
                        .with_v3_and_below_transactional_id(sb(transactional_id).into())
                        .with_v3_and_below_producer_id(id.into())
                        .with_v3_and_below_producer_epoch(epoch)
                        .with_v3_and_below_topics(topics.clone()),
                )
                .await?;
            for topic in &response.results_by_topic_v3_and_below {
                for p in &topic.results_by_partition {
                    if p.partition_error_code != 0 {
                        return Err(Error::protocol(p.partition_error_code)
                            .at(topic.name.as_str(), p.partition_index));
                    }
                }
            }
            Ok(())
        })
        .await?;
        let mut state = self.state.lock().unwrap();
        state.partitions.extend(new);
        state.touched = true;
        Ok(())
    }

    /// Makes committing `offsets` (topic, partition, next offset) for `group_id` part of the
    /// open transaction.
    pub async fn send_offsets(
        &self,
        cluster: &Cluster,
        group_id: &str,
        offsets: &[(String, i32, i64)],
    ) -> Result<()> {
        let transactional_id = self.transactional_id()?;
        let (id, epoch) = self.identity()?;
        retry(&self.retry, |_| async {
            let conn = cluster.transaction_coordinator(transactional_id).await?;
            let response = conn
                .send(
                    &AddOffsetsToTxnRequest::default()
                        .with_transactional_id(sb(transactional_id).into())
                        .with_producer_id(id.into())
                        .with_producer_epoch(epoch)
                        .with_group_id(sb(group_id).into()),
                )
                .await?;
            match response.error_code {
                0 => Ok(()),
                code => Err(Error::protocol(code)),
            }
        })
        .await?;
        self.state.lock().unwrap().touched = true;
        let partitions = offsets.iter().map(|(topic, partition, offset)| {
            let p = TxnOffsetCommitRequestPartition::default()
                .with_partition_index(*partition)
                .with_committed_offset(*offset);
            (topic, p)
        });
        let topics: Vec<TxnOffsetCommitRequestTopic> = by_topic(partitions)
            .into_iter()
            .map(|(topic, partitions)| {
                TxnOffsetCommitRequestTopic::default()
                    .with_name(sb(topic).into())
                    .with_partitions(partitions)
            })
            .collect();
        retry(&self.retry, |_| async {
            let conn = cluster.coordinator(group_id).await?;
            let response = conn
                .send(
                    &TxnOffsetCommitRequest::default()
                        .with_transactional_id(sb(transactional_id).into())
                        .with_group_id(sb(group_id).into())
                        .with_producer_id(id.into())
                        .with_producer_epoch(epoch)
                        .with_topics(topics.clone()),
                )
                .await?;
            for topic in &response.topics {
                for p in &topic.partitions {
                    if p.error_code != 0 {
                        return Err(Error::protocol(p.error_code)
                            .at(topic.name.as_str(), p.partition_index));
                    }
                }
            }
            Ok(())
        })
        .await
    }

    /// Commits or aborts the open transaction.
    pub async fn end(&self, cluster: &Cluster, commit: bool) -> Result<()> {
        let transactional_id = self.transactional_id()?;
        if !self.in_transaction() {
            return Err(Error::non_retriable(
                "There is no ongoing transaction to end",
            ));
        }
        let (id, epoch) = self.identity()?;
        let touched = self.state.lock().unwrap().touched;
        // A transaction that added nothing is unknown to the coordinator: nothing to end.
        if touched {
            retry(&self.retry, |_| async {
                let conn = cluster.transaction_coordinator(transactional_id).await?;
                let response = conn
                    .send(
                        &EndTxnRequest::default()
                            .with_transactional_id(sb(transactional_id).into())
                            .with_producer_id(id.into())
                            .with_producer_epoch(epoch)
                            .with_committed(commit),
                    )
                    .await?;
                match response.error_code {
                    0 => Ok(()),
                    code => Err(Error::protocol(code)),
                }
            })
            .await?;
        }
        let mut state = self.state.lock().unwrap();
        state.in_transaction = false;
        state.partitions.clear();
        state.touched = false;
        Ok(())
    }
}
