#!/usr/bin/env python3
"""librdkafka (confluent-kafka) on the other end of the interop tests.

produce: reads JSON lines {"key", "value", "headers": [[k, v], ...]} (strings or null) from stdin
         and writes them to a topic with a codec.
consume: prints the first COUNT messages of a topic, from the beginning, as the same JSON lines
         plus "partition" and "offset".
"""
import argparse
import json
import sys
import time
import uuid

try:
    from confluent_kafka import Consumer, Producer
except ImportError:
    sys.exit("confluent-kafka is not installed: run `node scripts/librdkafka.js`")


def text(b):
    return None if b is None else b.decode("utf-8")


def produce(args):
    producer = Producer(
        {"bootstrap.servers": args.brokers, "compression.type": args.codec, "acks": "all", "linger.ms": 5}
    )
    errors = []
    for line in sys.stdin:
        m = json.loads(line)
        producer.produce(
            args.topic,
            key=m["key"],
            value=m["value"],
            headers=[(k, v) for k, v in m.get("headers", [])],
            on_delivery=lambda err, _msg: err and errors.append(str(err)),
        )
    producer.flush(30)
    if errors:
        sys.exit(f"delivery failed: {errors[0]}")


def consume(args):
    consumer = Consumer(
        {
            "bootstrap.servers": args.brokers,
            "group.id": f"interop-{uuid.uuid4()}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([args.topic])
    seen = 0
    deadline = time.time() + args.timeout
    while seen < args.count and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            sys.exit(f"consume failed: {msg.error()}")
        headers = [[k, text(v)] for k, v in (msg.headers() or [])]
        print(json.dumps({"partition": msg.partition(), "offset": msg.offset(), "key": text(msg.key()),
                          "value": text(msg.value()), "headers": headers}), flush=True)
        seen += 1
    consumer.close()
    if seen < args.count:
        sys.exit(f"only {seen} of {args.count} messages arrived within {args.timeout}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["produce", "consume"])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--codec", default="none", choices=["none", "gzip", "snappy", "lz4", "zstd"])
    parser.add_argument("--count", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    produce(args) if args.mode == "produce" else consume(args)


if __name__ == "__main__":
    main()
