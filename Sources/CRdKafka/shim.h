// librdkafka (Debian librdkafka-dev), with its Kafka-protocol mock cluster.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// The mock's per-broker error stack takes (error, delay) pairs through C varargs, which Swift
// cannot call: one pair at a time through this wrapper.
static inline rd_kafka_resp_err_t routeledger_mock_push_request_error_rtt(rd_kafka_mock_cluster_t *cluster,
                                                                         int32_t broker, int16_t api_key,
                                                                         rd_kafka_resp_err_t error, int rtt_ms) {
    return rd_kafka_mock_broker_push_request_error_rtts(cluster, broker, api_key, 1, error, rtt_ms);
}
