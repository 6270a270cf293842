//! The producer under load: concurrent sends share requests and batches, each still learning
//! its own offset; a send larger than one batch is split and written whole; a turn of sends
//! written as one unit still gives each send its own result.

mod support;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use futures::FutureExt;
use kafkars_client::admin::{Admin, NewTopic};
use kafkars_client::cluster::Cluster;
use kafkars_client::consumer::{BatchOutcome, Consumer, ConsumerConfig, FetchedBatch, RunConfig};
use kafkars_client::producer::{
    Message, Producer, ProducerConfig, SendOptions, Sends, TopicMessages,
};
use support::{cluster, unique};

async fn topic() -> String {
    let topic = unique("producer");
    let admin = Admin::new(cluster(), support::retry());
    admin.connect().await.unwrap();
    let new = NewTopic {
        topic: topic.clone(),
        num_partitions: 1,
        replication_factor: 1,
        ..NewTopic::default()
    };
    admin
        .create_topics(vec![new], false, 5000, true)
        .await
        .unwrap();
    admin.disconnect().await;
    topic
}

fn messages(n: usize, size: usize) -> Vec<Message> {
    (0..n)
        .map(|_| Message {
            value: Some(Bytes::from(vec![b'x'; size])),
            ..Message::default()
        })
        .collect()
}

/// Reads `count` records back; returns (offsets seen, record batches seen).
async fn read_back(topic: &str, count: usize) -> (Vec<i64>, usize) {
    let consumer = Consumer::new(cluster(), ConsumerConfig::new(unique("reader")));
    consumer.connect().await.unwrap();
    consumer
        .subscribe(&[topic.to_string()], true)
        .await
        .unwrap();
    let seen = Arc::new(Mutex::new((Vec::new(), 0usize)));
    let sink = seen.clone();
    let handler = Arc::new(move |batch: FetchedBatch| {
        let sink = sink.clone();
        async move {
            let r = &batch.records;
            let mut seen = sink.lock().unwrap();
            seen.0.extend(r.records.iter().map(|x| x.offset));
            seen.1 += r.batches.len();
            BatchOutcome {
                next_offset: r.records.last().map(|x| x.offset + 1),
                ..BatchOutcome::default()
            }
        }
        .boxed()
    });
    consumer
        .run(
            RunConfig {
                auto_commit: false,
                ..RunConfig::default()
            },
            handler,
            Arc::new(|_| {}),
        )
        .await
        .unwrap();
    for _ in 0..600 {
        if seen.lock().unwrap().0.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    consumer.disconnect().await;
    let seen = seen.lock().unwrap();
    (seen.0.clone(), seen.1)
}

#[tokio::test]
async fn concurrent_sends_share_batches_and_each_gets_its_own_offset() {
    let topic = topic().await;
    let producer = Arc::new(Producer::new(
        cluster(),
        ProducerConfig {
            max_in_flight_requests: 1,
            ..ProducerConfig::default()
        },
    ));
    producer.connect().await.unwrap();
    let sends = (0..200).map(|_| {
        let (producer, topic) = (producer.clone(), topic.clone());
        async move {
            let batch = vec![TopicMessages {
                topic,
                messages: messages(1, 100),
            }];
            producer.send(batch, SendOptions::default()).await.unwrap()
        }
    });
    let results = futures::future::join_all(sends).await;
    let offsets: HashSet<i64> = results.iter().map(|r| r[0].base_offset).collect();
    assert_eq!(offsets, (0..200).collect(), "every send got its own offset");

    let (read, batches) = read_back(&topic, 200).await;
    assert_eq!(read, (0..200).collect::<Vec<i64>>());
    assert!(
        batches < 100,
        "200 concurrent sends shared batches, got {batches}"
    );
    producer.disconnect().await;
}

#[tokio::test]
async fn a_send_larger_than_a_batch_is_split_and_written_whole() {
    let topic = topic().await;
    let producer = Producer::new(cluster(), ProducerConfig::default());
    producer.connect().await.unwrap();
    // 40k × 100 bytes: about four batches' worth.
    let batch = vec![TopicMessages {
        topic: topic.clone(),
        messages: messages(40_000, 100),
    }];
    let result = producer.send(batch, SendOptions::default()).await.unwrap();
    assert_eq!(result.len(), 1, "one RecordMetadata per partition");
    assert_eq!(result[0].base_offset, 0);
    let (read, batches) = read_back(&topic, 40_000).await;
    assert_eq!(read, (0..40_000).collect::<Vec<i64>>());
    assert!(batches > 1, "split into several batches");
    producer.disconnect().await;
}

#[tokio::test]
async fn a_turn_of_sends_shares_batches_and_each_send_gets_its_own_outcome() {
    let topic = topic().await;
    // Few retries: one send of the turn names a partition that does not exist.
    let mut config = (*cluster().config()).clone();
    config.retry.retries = 2;
    let producer = Producer::new(Cluster::new(config), ProducerConfig::default());
    producer.connect().await.unwrap();
    let mut sends = Sends::default();
    let mut send = |messages| {
        let batch = vec![TopicMessages {
            topic: topic.clone(),
            messages,
        }];
        sends.push(batch, SendOptions::default())
    };
    (0..30).for_each(|_| send(messages(1, 100)));
    // Several batches' worth, between the single sends.
    send(messages(40_000, 100));
    let mut nowhere = messages(1, 100);
    nowhere[0].partition = Some(7);
    send(nowhere);
    (0..30).for_each(|_| send(messages(1, 100)));

    let outcomes = producer.send_many(sends).await;
    assert!(
        outcomes.get(31).is_err(),
        "the send to partition 7 failed alone"
    );
    let offsets: Vec<i64> = outcomes
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 31)
        .map(|(_, r)| r.unwrap()[0].base_offset)
        .collect();
    // In turn order: 30 singles, the large send at 30, then 30 singles after its 40k.
    let expected: Vec<i64> = (0..31).chain(40_030..40_060).collect();
    assert_eq!(offsets, expected);
    let (read, _) = read_back(&topic, 40_060).await;
    assert_eq!(read, (0..40_060).collect::<Vec<i64>>());
    producer.disconnect().await;
}
