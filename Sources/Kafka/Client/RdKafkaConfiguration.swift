import CRdKafka

/// Turns ``KafkaProperties`` into a librdkafka configuration object.
enum RdKafkaConfiguration {
    /// A new `rd_kafka_conf_t` holding every property; the caller owns it.
    static func make(_ properties: KafkaProperties) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        do {
            for (key, value) in properties.entries {
                try set(conf, key, value)
            }
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        return conf
    }

    /// Checks `properties` as librdkafka does when a client of `kind` is made: each setting on
    /// its own, then all of them together (a SASL mechanism it does not know, an OAuth method
    /// without its settings, a delivery time-out beyond the transaction's), by creating a client
    /// and destroying it at once.
    static func validate(_ properties: KafkaProperties, as kind: RdKafkaClient.Kind) throws {
        let conf = try make(properties)
        // The probe has nothing to report; its attempts to connect must not show in the log.
        rd_kafka_conf_set(conf, "log_level", "0", nil, 0)
        rd_kafka_destroy(try RdKafkaClient.newHandle(kind, conf, properties: properties))
    }

    private static func set(_ conf: OpaquePointer, _ key: String, _ value: String) throws {
        var reason = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(conf, key, value, &reason, reason.count)
        switch result {
        case RD_KAFKA_CONF_OK:
            return
        case RD_KAFKA_CONF_UNKNOWN:
            throw KafkaError(operation: .configure, code: .invalidArgument,
                             message: "unknown librdkafka property '\(key)'")
        default:
            // librdkafka's reason may quote the value; a secret's value must not reach a log.
            let detail = KafkaProperties.isSecret(key) ? "" : ": " + String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(operation: .configure, code: .invalidArgument,
                             message: "invalid value for librdkafka property '\(key)'\(detail)")
        }
    }
}
