import CRdKafka
import Foundation

/// The one owner of a librdkafka handle (`rd_kafka_t`). Everything above it speaks Swift types.
///
/// librdkafka's handle is thread-safe; what its callbacks report goes to `events`, reached from
/// the C callbacks through the configuration's opaque pointer.
final class RdKafkaClient: @unchecked Sendable {
    enum Kind {
        case producer, consumer
    }

    let handle: OpaquePointer
    let events: ClientEvents
    /// A consumer of the cooperative-sticky assignor (see `deinit`).
    private let isCooperativeConsumer: Bool

    init(_ kind: Kind, properties: KafkaProperties) throws {
        let conf = try RdKafkaConfiguration.make(properties)
        let events = ClientEvents(clientName: properties["client.id"] ?? "rdkafka")
        // `events` outlives the handle: it is released only after `deinit` destroyed the handle.
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(events).toOpaque())
        rd_kafka_conf_set_error_cb(conf) { _, code, reason, opaque in
            guard let opaque else { return }
            let events = Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue()
            let name = KafkaErrorCode(rawValue: code).name
            let text = reason.map { String(cString: $0) } ?? ""
            FileHandle.standardError.write(Data("kafka \(events.clientName): \(name): \(text)\n".utf8))
        }
        switch kind {
        case .producer:
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let opaque else { return }
                Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue()
                    .delivered(RdKafkaClient.deliveryReport(message.pointee))
            }
        case .consumer:
            rd_kafka_conf_set_rebalance_cb(conf) { handle, code, partitions, opaque in
                guard let handle, let opaque else { return }
                RdKafkaClient.rebalance(handle, code, partitions,
                                        events: Unmanaged<ClientEvents>.fromOpaque(opaque).takeUnretainedValue())
            }
        }
        let handle = try Self.newHandle(kind, conf, properties: properties)
        if kind == .consumer {
            // One queue for messages, rebalances and errors: served by `poll`.
            rd_kafka_poll_set_consumer(handle)
        }
        self.handle = handle
        self.events = events
        isCooperativeConsumer = kind == .consumer && properties["partition.assignment.strategy"]?.contains("cooperative-sticky") == true
    }

    deinit {
        // librdkafka before 2.3.0 (Debian bookworm has 2.0.2) aborts the process when it destroys a
        // cooperative-sticky consumer that joined its group but was never given an assignment
        // (confluentinc/librdkafka#4312: the assignor's state is still NULL and is asserted on).
        // Such a consumer — closed while its first rebalance is under way, as at a shutdown or a
        // restart right after it subscribed — is left undestroyed instead, with what its
        // callbacks reach: a few idle threads held until the process ends, rather than the
        // process itself.
        if isCooperativeConsumer && !events.everAssigned && rd_kafka_version() < Self.firstVersionDestroyingUnassignedConsumers {
            _ = Unmanaged.passRetained(events)
            return
        }
        rd_kafka_destroy(handle)
    }

    /// 2.3.0 in `rd_kafka_version()`'s encoding (0xMMmmrrpp).
    private static let firstVersionDestroyingUnassignedConsumers: Int32 = 0x0203_00ff

    /// `rd_kafka_new`, which takes `conf` on success and leaves it destroyed either way. Its
    /// reason may quote a value, so secret values are blanked out of it.
    static func newHandle(_ kind: Kind, _ conf: OpaquePointer, properties: KafkaProperties) throws -> OpaquePointer {
        var reason = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &reason, reason.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(operation: .createClient, code: .invalidArgument, message: properties.redacting(Self.string(reason)))
        }
        return handle
    }

    /// librdkafka's fatal error, if one has happened: the client cannot be used any more.
    func fatalError(_ operation: KafkaError.Operation) -> KafkaError? {
        var reason = [CChar](repeating: 0, count: 512)
        let code = rd_kafka_fatal_error(handle, &reason, reason.count)
        guard code != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(operation: operation, code: KafkaErrorCode(code), message: Self.string(reason), isFatal: true)
    }

    static func string(_ buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func timeoutMilliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: max(0, duration.wholeMilliseconds))
    }

    private static func deliveryReport(_ message: rd_kafka_message_t) -> KafkaDeliveryReport {
        let id = KafkaMessageID(rawValue: UInt(bitPattern: message._private))
        let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let error: KafkaError? = message.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil
            : KafkaError(operation: .delivery, code: KafkaErrorCode(message.err), isFatal: message.err == RD_KAFKA_RESP_ERR__FATAL)
        return KafkaDeliveryReport(id: id, topic: topic, partition: KafkaPartition(rawValue: message.partition),
                                   offset: error == nil && message.offset >= 0 ? KafkaOffset(rawValue: message.offset) : nil,
                                   error: error)
    }

    /// Applies a group rebalance, incremental under the cooperative protocol, wholesale under
    /// the eager one, and notes what was revoked so a poll in progress drops those records.
    private static func rebalance(_ handle: OpaquePointer, _ code: rd_kafka_resp_err_t,
                                  _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, events: ClientEvents) {
        let cooperative = rd_kafka_rebalance_protocol(handle).map { String(cString: $0) } == "COOPERATIVE"
        do throws(KafkaError) {
            switch code {
            case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
                if let startingOffsets = events.startingOffsets, let partitions {
                    try TopicPartitionList.setOffsets(of: partitions, from: startingOffsets)
                }
                if cooperative {
                    try KafkaError.check(rd_kafka_incremental_assign(handle, partitions), .assignment)
                } else {
                    try KafkaError.check(rd_kafka_assign(handle, partitions), .assignment)
                }
                events.assigned()
            case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
                events.revoked(TopicPartitionList.partitions(partitions))
                if cooperative {
                    try KafkaError.check(rd_kafka_incremental_unassign(handle, partitions), .assignment)
                } else {
                    try KafkaError.check(rd_kafka_assign(handle, nil), .assignment)
                }
            default:
                events.revoked(TopicPartitionList.partitions(partitions))
                _ = rd_kafka_assign(handle, nil)
                events.assignmentFailed(KafkaError(operation: .assignment, code: KafkaErrorCode(code)))
            }
        } catch {
            events.assignmentFailed(error)
        }
    }
}
