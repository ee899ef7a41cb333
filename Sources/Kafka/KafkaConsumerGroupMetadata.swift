import CRdKafka

/// A consumer's group membership (group, generation, member id) as a transaction needs it:
/// ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)`` commits offsets only if the
/// consumer is still the member that owns those partitions, which fences a zombie instance.
public final class KafkaConsumerGroupMetadata: @unchecked Sendable {
    // Immutable once created; librdkafka only reads it.
    let pointer: OpaquePointer

    init(owning pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        rd_kafka_consumer_group_metadata_destroy(pointer)
    }
}
