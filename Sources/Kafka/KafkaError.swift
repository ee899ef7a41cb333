import CRdKafka

/// A failure reported by librdkafka, or by this module around it, with the operation that failed.
///
/// The three classes librdkafka distinguishes decide what a caller should do: a *fatal* error
/// makes the client unusable (create a new one); a *retriable* one may succeed if the same call
/// is made again; one that *requires abort* means the current transaction must be aborted, after
/// which the producer can begin a new one.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What was being done when the error happened.
    public enum Operation: String, Sendable {
        case configure, createClient, subscribe, poll, commit, committed, seek, assignment, close
        case produce, delivery, flush
        case initTransactions, beginTransaction, sendOffsetsToTransaction, commitTransaction, abortTransaction
        case groupMetadata, startBroker, createTopic, injectErrors, position, endOffsets
    }

    public let operation: Operation
    public let code: KafkaErrorCode
    public let message: String
    public let isFatal: Bool
    public let isRetriable: Bool
    public let transactionRequiresAbort: Bool

    public init(operation: Operation, code: KafkaErrorCode, message: String? = nil, isFatal: Bool = false,
                isRetriable: Bool = false, transactionRequiresAbort: Bool = false) {
        self.operation = operation
        self.code = code
        self.message = message ?? code.text
        self.isFatal = isFatal
        self.isRetriable = isRetriable
        self.transactionRequiresAbort = transactionRequiresAbort
    }

    /// Takes ownership of (and destroys) a librdkafka error object.
    init(operation: Operation, consuming error: OpaquePointer) {
        defer { rd_kafka_error_destroy(error) }
        self.init(operation: operation,
                  code: KafkaErrorCode(rd_kafka_error_code(error)),
                  message: String(cString: rd_kafka_error_string(error)),
                  isFatal: rd_kafka_error_is_fatal(error) != 0,
                  isRetriable: rd_kafka_error_is_retriable(error) != 0,
                  transactionRequiresAbort: rd_kafka_error_txn_requires_abort(error) != 0)
    }

    /// Throws when librdkafka returned an error object; nil means success.
    static func check(_ error: OpaquePointer?, _ operation: Operation) throws(KafkaError) {
        if let error { throw KafkaError(operation: operation, consuming: error) }
    }

    /// Throws when librdkafka returned an error code other than success.
    static func check(_ code: rd_kafka_resp_err_t, _ operation: Operation) throws(KafkaError) {
        if code != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(operation: operation, code: KafkaErrorCode(code)) }
    }

    public var description: String {
        var classes: [String] = []
        if isFatal { classes.append("fatal") }
        if isRetriable { classes.append("retriable") }
        if transactionRequiresAbort { classes.append("transaction must be aborted") }
        let suffix = classes.isEmpty ? "" : ", " + classes.joined(separator: ", ")
        return "kafka \(operation.rawValue) failed: \(message) (\(code.name)\(suffix))"
    }
}
