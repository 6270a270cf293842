//! The classic docker trap: the bootstrap broker answers, but advertises an address this client
//! cannot reach. The error must say so, naming both addresses.

mod support;

use kafkars_client::admin::{Admin, NewTopic};
use kafkars_client::cluster::Cluster;
use kafkars_client::{ClientConfig, RetryConfig};

#[tokio::test]
async fn an_unreachable_advertised_address_is_named_with_a_hint() {
    // Port 1 on loopback: nothing listens there.
    let seed = support::start_broker(Some("127.0.0.1:1")).remove(0);
    let retry = RetryConfig {
        retries: 1,
        initial_retry_time: 10,
        ..RetryConfig::default()
    };
    let admin = Admin::new(
        Cluster::new(ClientConfig {
            brokers: vec![seed.clone()],
            retry,
            ..ClientConfig::default()
        }),
        retry,
    );
    admin
        .connect()
        .await
        .expect("the bootstrap broker itself is reachable");
    // Topic creation goes to the controller, which metadata places at the advertised address.
    let topic = NewTopic {
        topic: support::unique("trap"),
        num_partitions: 1,
        replication_factor: 1,
        ..NewTopic::default()
    };
    let err = admin
        .create_topics(vec![topic], false, 5000, false)
        .await
        .unwrap_err();
    let text = err.to_string();
    // As KafkaJS, an unreachable controller fails topic creation at once, unretried.
    assert_eq!(err.class.name(), "KafkaJSConnectionError");
    assert!(
        text.contains("127.0.0.1:1"),
        "names the advertised address: {text}"
    );
    assert!(text.contains(&seed), "names the bootstrap broker: {text}");
    assert!(
        text.contains("advertised.listeners"),
        "points at the cause: {text}"
    );
}
