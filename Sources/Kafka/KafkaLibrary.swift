import CRdKafka

/// The librdkafka this process runs with. The loader takes the first `librdkafka.so.1` on the
/// library path, so it can be newer than the one the project was built against.
public enum KafkaLibrary {
    /// librdkafka's version, such as `2.0.2`.
    public static var version: String { String(cString: rd_kafka_version_str()) }
}
