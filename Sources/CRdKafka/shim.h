// librdkafka (Debian librdkafka-dev), with its Kafka-protocol mock cluster.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
