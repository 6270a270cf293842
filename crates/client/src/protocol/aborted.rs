//! Which fetched record batches belong to aborted transactions. Under READ_COMMITTED the broker
//! still returns aborted data, with a list of the aborted transactions the range overlaps
//! (producer id, first offset); the client drops a producer's transactional batches from that
//! first offset until the producer's abort marker. This is KafkaJS's filterAbortedMessages,
//! applied per batch as Java's consumer applies it: every aborted transaction that began at or
//! before a batch's last offset is in force for that batch, not one per record as KafkaJS
//! steps them (which lets the second of two aborted transactions begun before the same record
//! leak a record).

use std::collections::{HashSet, VecDeque};

use super::records::BatchHeader;

/// The aborted transactions a fetched range overlaps, consumed batch by batch in offset order.
/// Under READ_UNCOMMITTED the broker sends none, and nothing is dropped.
#[derive(Debug, Default)]
pub struct AbortedTransactions {
    /// Not yet begun, by first offset.
    pending: VecDeque<(i64, i64)>,
    /// Producers inside an aborted transaction.
    aborting: HashSet<i64>,
}

impl AbortedTransactions {
    /// `(producer id, first offset)` pairs as Fetch's `aborted_transactions` lists them.
    pub fn new(mut transactions: Vec<(i64, i64)>) -> Self {
        transactions.sort_by_key(|&(_, first_offset)| first_offset);
        AbortedTransactions {
            pending: transactions.into(),
            aborting: HashSet::new(),
        }
    }

    /// Whether `batch`'s records were aborted. `abort_marker`: the batch is its producer's
    /// abort marker, which ends that producer's aborted transaction.
    pub fn drops(&mut self, batch: &BatchHeader, abort_marker: bool) -> bool {
        let last_offset = batch.base_offset + batch.last_offset_delta as i64;
        while let Some(&(producer_id, first_offset)) = self.pending.front() {
            if first_offset > last_offset {
                break;
            }
            self.aborting.insert(producer_id);
            self.pending.pop_front();
        }
        if abort_marker {
            self.aborting.remove(&batch.producer_id);
            return false;
        }
        batch.in_transaction && self.aborting.contains(&batch.producer_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(
        base_offset: i64,
        records: i32,
        producer_id: i64,
        in_transaction: bool,
    ) -> BatchHeader {
        BatchHeader {
            base_offset,
            partition_leader_epoch: 0,
            magic: 2,
            compression: 0,
            timestamp_type: 0,
            in_transaction,
            is_control: false,
            last_offset_delta: records - 1,
            first_timestamp: 0,
            max_timestamp: 0,
            producer_id,
            producer_epoch: 0,
            base_sequence: 0,
        }
    }

    #[test]
    fn an_aborted_transaction_is_dropped_until_its_marker_and_others_pass() {
        // Producer 7 aborts [2, 4) and its marker sits at 4; producer 8 commits around it.
        let mut aborted = AbortedTransactions::new(vec![(7, 2)]);
        assert!(!aborted.drops(&batch(0, 2, -1, false), false));
        assert!(aborted.drops(&batch(2, 1, 7, true), false));
        assert!(!aborted.drops(&batch(3, 1, 8, true), false));
        assert!(!aborted.drops(&batch(4, 1, 7, true), true));
        // After its marker, producer 7's next transaction is not aborted.
        assert!(!aborted.drops(&batch(5, 1, 7, true), false));
    }

    #[test]
    fn two_aborted_transactions_begun_before_one_batch_both_apply() {
        let mut aborted = AbortedTransactions::new(vec![(2, 1), (1, 0)]);
        assert!(aborted.drops(&batch(0, 3, 1, true), false));
        assert!(aborted.drops(&batch(3, 1, 2, true), false));
    }

    #[test]
    fn non_transactional_batches_of_an_aborting_producer_pass() {
        let mut aborted = AbortedTransactions::new(vec![(7, 0)]);
        assert!(!aborted.drops(&batch(0, 1, 7, false), false));
    }

    #[test]
    fn with_no_list_nothing_is_dropped() {
        let mut aborted = AbortedTransactions::default();
        assert!(!aborted.drops(&batch(0, 1, 7, true), false));
    }
}
